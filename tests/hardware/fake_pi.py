"""Fake `spidev` and `RPi.GPIO` modules for the real `mfrc522` package to import off a Pi.

`spidev.SpiDev` routes `xfer2` to the emulated chip plugged in at that bus and chip select (none
there: the device node is missing, as when SPI is not enabled); `RPi.GPIO` records every call, so
tests can see the pin numbering chosen and which pins were cleaned up.
"""

from __future__ import annotations

import sys
import time
import types
from dataclasses import dataclass, field

import pytest

from tests.hardware.mfrc522_emulator import EmulatedMfrc522


@dataclass
class SpiBus:
    """The chips on the fake SPI bus, by (bus, device). An absent key is SPI not enabled."""

    chips: dict[tuple[int, int], EmulatedMfrc522] = field(default_factory=dict)
    opens: list[float] = field(default_factory=list)  # monotonic time of every open()


@dataclass
class FakeGpio:
    """RPi.GPIO's state: numbering mode and every call, so tests can see what was cleaned up."""

    mode: int | None = None
    calls: list[tuple[str, object]] = field(default_factory=list)


def make_spidev_module(bus: SpiBus) -> types.ModuleType:
    module = types.ModuleType("spidev")

    class SpiDev:
        def __init__(self) -> None:
            self.chip: EmulatedMfrc522 | None = None
            self.max_speed_hz = 500000
            self.mode = 0

        def open(self, bus_no: int, device: int) -> None:
            bus.opens.append(time.monotonic())
            if (bus_no, device) not in bus.chips:
                raise FileNotFoundError(2, "No such file or directory")
            self.chip = bus.chips[(bus_no, device)]

        def xfer2(self, data: list[int]) -> list[int]:
            if self.chip is None:
                raise OSError(9, "Bad file descriptor")
            return self.chip.xfer2(list(data))

        def close(self) -> None:
            self.chip = None

    module.SpiDev = SpiDev  # type: ignore[attr-defined]
    return module


def make_gpio_module(state: FakeGpio) -> types.ModuleType:
    module = types.ModuleType("RPi.GPIO")
    values = {"BOARD": 10, "BCM": 11, "OUT": 0, "IN": 1, "HIGH": 1, "LOW": 0}
    for name, value in values.items():
        setattr(module, name, value)

    def setmode(mode: int) -> None:
        state.calls.append(("setmode", mode))
        state.mode = mode

    def record(name: str) -> object:
        return lambda *args, **kwargs: state.calls.append((name, args))

    module.getmode = lambda: state.mode  # type: ignore[attr-defined]
    module.setmode = setmode  # type: ignore[attr-defined]
    for name in ("setup", "output", "cleanup", "setwarnings"):
        setattr(module, name, record(name))
    return module


@dataclass
class FakePi:
    bus: SpiBus
    gpio: FakeGpio
    chip: EmulatedMfrc522


def install_fake_pi(monkeypatch: pytest.MonkeyPatch) -> FakePi:
    """Fake RPi.GPIO and spidev in sys.modules (undone with `monkeypatch`), one emulated chip on
    SPI 0.0, and the real mfrc522 package to be imported afresh against them."""
    bus, gpio = SpiBus(), FakeGpio()
    chip = EmulatedMfrc522()
    bus.chips[(0, 0)] = chip
    rpi = make_gpio_module(gpio)
    parent = types.ModuleType("RPi")
    parent.GPIO = rpi  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "RPi", parent)
    monkeypatch.setitem(sys.modules, "RPi.GPIO", rpi)
    monkeypatch.setitem(sys.modules, "spidev", make_spidev_module(bus))
    for name in ("mfrc522", "mfrc522.MFRC522", "mfrc522.SimpleMFRC522"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return FakePi(bus, gpio, chip)
