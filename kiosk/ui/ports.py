"""What the screens are given by the composition root: the services, the signals, and the few
facts about the machine they show (reader health, USB drives, electronic lockers).

Screens call the services and these methods only; they never open the store or a pin. Keeping this
Kivy-free lets the runner build it before Kivy is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.app import App
from kiosk.hardware.reader import HardwareError, ReaderHealth
from kiosk.hardware.signals import GpioSignals, NullSignals
from kiosk.ui.drives import find_drives


@dataclass
class Ports:
    app: App
    signals: GpioSignals | NullSignals = field(default_factory=NullSignals)
    drives: Callable[[], list[Path]] = find_drives
    reader_health: ReaderHealth = ReaderHealth.STARTING
    reader_message: str = ""

    def has_latch(self, locker: str | None) -> bool:
        return locker is not None and locker in self.app.config.signals.relay_pins

    def has_door_sensor(self, locker: str | None) -> bool:
        return (
            locker is not None
            and locker in self.app.config.signals.door_pins
            and self.signals.problem is None
        )

    def door_is_open(self, locker: str) -> bool | None:
        """True/False from the door sensor, None when it cannot be read."""
        try:
            return self.signals.door_is_open(locker)
        except (HardwareError, KeyError):
            return None
