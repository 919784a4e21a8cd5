"""Everything that touches the physical world at the entrance: badge readers and signals.

The rest of the kiosk sees only `BadgeReader` and `Signals`, built here from the config by
`make_reader` and `make_signals`. Each adapter imports its hardware library (mfrc522, evdev,
gpiozero) only when it is chosen, so a development machine without them still runs the kiosk with
the simulated reader and no signals. This package imports no store and no UI.
"""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.config import ReaderSection
from kiosk.hardware.reader import BadgeReader, HardwareError, ReaderHealth, normalise_uid
from kiosk.hardware.signals import GpioSignals, NullSignals, Signals, make_signals

__all__ = [
    "BadgeReader",
    "GpioSignals",
    "HardwareError",
    "NullSignals",
    "ReaderHealth",
    "Signals",
    "keep_gpio_files_in",
    "make_reader",
    "make_signals",
    "normalise_uid",
]


def make_reader(section: ReaderSection, socket_path: Path) -> BadgeReader:
    """The badge reader `reader.kind` names; it reports its own failures through its health."""
    if section.kind == "rc522":
        from kiosk.hardware.rc522 import Rc522Reader

        return Rc522Reader(
            section.spi_bus,
            section.spi_device,
            section.rst_pin,
            section.poll_interval_s,
            section.antenna_gain_db,
        )
    if section.kind == "hid":
        from kiosk.hardware.hid import HidReader

        return HidReader(
            section.hid_device,
            section.hid_format,
            byte_order=section.hid_byte_order,
            key_gap_s=section.hid_key_gap_s,
        )
    if section.kind == "simulated":
        from kiosk.hardware.simulated import SimulatedReader

        return SimulatedReader(socket_path)
    raise HardwareError(f"unknown reader.kind {section.kind!r}; choose rc522, hid or simulated")


def keep_gpio_files_in(folder: Path) -> None:
    """Give lgpio a folder it may write, before anything imports it.

    lgpio (gpiozero's pin factory on a Pi 5, and rpi-lgpio's RPi.GPIO under the RC522 driver)
    creates a notification pipe in its working directory when imported: the current directory
    unless $LG_WD names another. Run by systemd from `/`, or from a folder the kiosk user cannot
    write, the import fails and neither the reader nor the pins load; the kiosk's data folder is
    always writable.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("LG_WD", str(folder))
