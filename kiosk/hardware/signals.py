"""What the kiosk shows and does at the entrance besides the screen, through gpiozero: LEDs, the
buzzer, locker latches and locker door sensors.

This module owns the `Signals` interface the services call after a tap is recorded, the patterns
that tell "accepted", "refused" and "needs attention" apart by light and sound, the relay pulse that
unlocks a locker, and the watch on each locker door that raises an alert when one is left open.
Every call returns at once: gpiozero blinks in its own background threads, and door alerts come
from a timer thread, so callers marshal them to the UI. `NullSignals` stands in when there is no
hardware, or when it could not be opened (its `problem` says why).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kiosk.config import SignalsSection
from kiosk.hardware.doors import DoorAlertCallback, DoorWatch
from kiosk.hardware.reader import HardwareError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Blink:
    on_s: float
    off_s: float
    times: int


@dataclass(frozen=True)
class Pattern:
    led: str  # "green" or "red"
    light: Blink
    sound: Blink


# Told apart without looking: one short beep, three quick beeps, two long ones.
ACCEPTED = Pattern("green", Blink(1.0, 0.0, 1), Blink(0.08, 0.0, 1))
REFUSED = Pattern("red", Blink(1.5, 0.0, 1), Blink(0.1, 0.1, 3))
ATTENTION = Pattern("red", Blink(0.25, 0.25, 4), Blink(0.4, 0.2, 2))

# signals.pin_factory names -> (module, class) in gpiozero.pins; imported only when chosen.
PIN_FACTORIES = {
    "lgpio": ("gpiozero.pins.lgpio", "LGPIOFactory"),
    "rpigpio": ("gpiozero.pins.rpigpio", "RPiGPIOFactory"),
    "pigpio": ("gpiozero.pins.pigpio", "PiGPIOFactory"),
    "native": ("gpiozero.pins.native", "NativeFactory"),
    "mock": ("gpiozero.pins.mock", "MockFactory"),
}


class Signals(Protocol):
    """Lights, sound and latches. No call waits for the hardware."""

    on_door_alert: DoorAlertCallback | None
    on_door_shut: DoorAlertCallback | None  # a door that had been left open is shut again

    @property
    def problem(self) -> str | None:
        """None when the signals work; otherwise why they do not, for the manager."""

    def accepted(self) -> None: ...

    def refused(self) -> None: ...

    def attention(self) -> None: ...

    def unlock(self, locker_id: str) -> None: ...

    def close(self) -> None: ...


class NullSignals:
    """No lights, no sound, no latches: development machines, or hardware that failed to open."""

    def __init__(self, problem: str | None = None) -> None:
        self.on_door_alert: DoorAlertCallback | None = None
        self.on_door_shut: DoorAlertCallback | None = None
        self._problem = problem
        self.relay_lockers: list[str] = []
        self.door_lockers: list[str] = []

    @property
    def problem(self) -> str | None:
        return self._problem

    def accepted(self) -> None:
        pass

    def refused(self) -> None:
        pass

    def attention(self) -> None:
        pass

    def unlock(self, locker_id: str) -> None:
        log.info("no latch to unlock for locker %s (signals disabled)", locker_id)

    def close(self) -> None:
        pass

    def lamp_test(self, part: str, seconds: float) -> None:
        raise HardwareError(f"cannot test the {part}: {self._problem or 'signals are disabled'}")

    def door_is_open(self, locker_id: str) -> bool:
        raise HardwareError(f"no door sensor for locker {locker_id}")


class GpioSignals:
    """LEDs, buzzer, relays and door sensors on the pins in `section` (BCM numbers)."""

    def __init__(self, section: SignalsSection, pin_factory: Any = None) -> None:
        from gpiozero import LED, Button, Buzzer, DigitalOutputDevice

        self.on_door_alert: DoorAlertCallback | None = None
        self.on_door_shut: DoorAlertCallback | None = None
        self._pulse_s = section.relay_pulse_s
        self._devices: list[Any] = []
        self.doors: dict[str, DoorWatch] = {}
        try:
            self.leds = {
                "green": self._own(LED(section.green_led, pin_factory=pin_factory)),
                "red": self._own(LED(section.red_led, pin_factory=pin_factory)),
            }
            self.buzzer = self._own(Buzzer(section.buzzer, pin_factory=pin_factory))
            self.relays = {
                locker: self._own(
                    DigitalOutputDevice(
                        pin, active_high=section.relay_active_high, pin_factory=pin_factory
                    )
                )
                for locker, pin in section.relay_pins.items()
            }
            self._watch_doors(section, Button, pin_factory)
        except Exception:
            self.close()  # release the pins opened so far, or a retry finds them in use
            raise

    def _watch_doors(self, section: SignalsSection, button_class: Any, pin_factory: Any) -> None:
        for locker, pin in section.door_pins.items():
            button = self._own(button_class(pin, pull_up=True, pin_factory=pin_factory))
            self.doors[locker] = DoorWatch(
                button, locker, section.door_open_alert_s, self._alert, self._shut_again
            )

    def _own(self, device: Any) -> Any:
        self._devices.append(device)
        return device

    @property
    def problem(self) -> str | None:
        return None

    @property
    def relay_lockers(self) -> list[str]:
        return list(self.relays)

    @property
    def door_lockers(self) -> list[str]:
        return list(self.doors)

    def accepted(self) -> None:
        self._show(ACCEPTED)

    def refused(self) -> None:
        self._show(REFUSED)

    def attention(self) -> None:
        self._show(ATTENTION)

    def _show(self, pattern: Pattern) -> None:
        for name, led in self.leds.items():
            if name != pattern.led:
                led.off()
        _blink(self.leds[pattern.led], pattern.light)
        _blink(self.buzzer, pattern.sound)

    def unlock(self, locker_id: str) -> None:
        relay = self.relays.get(locker_id)
        if relay is None:
            log.info("locker %s has no latch configured", locker_id)
            return
        _blink(relay, Blink(self._pulse_s, 0.0, 1))

    def lamp_test(self, part: str, seconds: float) -> None:
        """Turn one output ("green", "red" or "buzzer") on for `seconds`, for `kiosk hw-check`."""
        device = self.buzzer if part == "buzzer" else self.leds[part]
        _blink(device, Blink(seconds, 0.0, 1))

    def door_is_open(self, locker_id: str) -> bool:
        return self.doors[locker_id].is_open

    def _alert(self, locker_id: str) -> None:
        log.warning("locker %s door left open", locker_id)
        _call(self.on_door_alert, locker_id)

    def _shut_again(self, locker_id: str) -> None:
        log.info("locker %s door shut", locker_id)
        _call(self.on_door_shut, locker_id)

    def close(self) -> None:
        for door in self.doors.values():
            door.close()
        for device in reversed(self._devices):
            device.close()
        self._devices.clear()


def _call(callback: DoorAlertCallback | None, locker_id: str) -> None:
    if callback is None:
        return
    try:
        callback(locker_id)
    except Exception:  # a bug in the UI must not stop the door watch
        log.exception("door callback failed for locker %s", locker_id)


def _blink(device: Any, blink: Blink) -> None:
    device.blink(on_time=blink.on_s, off_time=blink.off_s, n=blink.times, background=True)


def pin_factory_named(name: str) -> Any:
    """The gpiozero pin factory for a `signals.pin_factory` value; None means gpiozero's choice."""
    if not name:
        return None
    if name not in PIN_FACTORIES:
        raise HardwareError(f"unknown pin factory {name!r}; choose from {', '.join(PIN_FACTORIES)}")
    module_name, class_name = PIN_FACTORIES[name]
    import importlib

    return getattr(importlib.import_module(module_name), class_name)()


def make_signals(section: SignalsSection, pin_factory: Any = None) -> GpioSignals | NullSignals:
    """The kiosk's signals; `NullSignals` with a `problem` if the pins cannot be opened."""
    if not section.enabled:
        return NullSignals()
    try:
        factory = pin_factory if pin_factory is not None else pin_factory_named(section.pin_factory)
        with warnings.catch_warnings():
            if factory is None and not on_a_raspberry_pi():
                _ignore_fallback_warnings()
            return GpioSignals(section, factory)
    except Exception as exc:  # no lights must not mean no kiosk: say why and carry on
        if not section.pin_factory and not on_a_raspberry_pi():
            # A development machine has no GPIO: expected, so not an error in the demo.
            log.warning("no GPIO on this machine: lights and buzzer are off "
                        "(signals.pin_factory = \"mock\" simulates them)")  # fmt: skip
            return NullSignals(problem="no GPIO on this machine: lights and buzzer are off")
        log.error("signals unavailable: %s", exc)
        return NullSignals(problem=f"lights and buzzer not working: {exc}")


def on_a_raspberry_pi() -> bool:
    try:
        return Path("/proc/device-tree/model").read_bytes().startswith(b"Raspberry Pi")
    except OSError:
        return False


def _ignore_fallback_warnings() -> None:
    """Off a Pi gpiozero warns for every pin library it tries; our one error line is enough.
    On a Pi those warnings say which library is missing, so they stay."""
    from gpiozero.exc import PinFactoryFallback

    warnings.simplefilter("ignore", PinFactoryFallback)
