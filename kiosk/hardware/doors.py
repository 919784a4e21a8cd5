"""Locker door sensors: one switch per door that closes (pin to ground) while the door is shut.

A door left open longer than the configured time raises an alert; shutting it after that takes
the alert back. The alert comes from a timer thread and the shut from gpiozero's own thread, so
the callbacks must marshal to the UI themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

DoorAlertCallback = Callable[[str], None]


class DoorWatch:
    """One locker door's sensor: a switch that closes (pin to ground) while the door is shut."""

    def __init__(
        self,
        button: Any,
        locker_id: str,
        alert_s: float,
        on_alert: DoorAlertCallback,
        on_shut: DoorAlertCallback,
    ):
        self.button, self.locker_id = button, locker_id
        self._alert_s, self._on_alert, self._on_shut = alert_s, on_alert, on_shut
        self._timer: threading.Timer | None = None
        self._alerted = False
        self._lock = threading.Lock()
        button.when_released = self._opened
        button.when_pressed = self._shut_by_hand
        if not button.is_pressed:
            self._opened()

    @property
    def is_open(self) -> bool:
        return not self.button.is_pressed

    def _opened(self) -> None:
        timer = threading.Timer(self._alert_s, self._still_open)
        timer.daemon = True
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = timer
        timer.start()

    def _shut(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _shut_by_hand(self) -> None:
        self._shut()
        with self._lock:
            alerted, self._alerted = self._alerted, False
        if alerted:  # only an alert raised needs taking back
            self._on_shut(self.locker_id)

    def _still_open(self) -> None:
        if self.is_open:
            with self._lock:
                self._alerted = True
            self._on_alert(self.locker_id)

    def close(self) -> None:
        self._shut()
        self.button.close()
