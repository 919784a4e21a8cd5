"""Collects what a reader reports from its own thread, with waits that fail loudly, not hang."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.hardware.reader import ReaderHealth


@dataclass
class Recorder:
    """Collects badges and health changes from a reader's thread."""

    badges: list[str] = field(default_factory=list)
    health: list[tuple[ReaderHealth, str]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    two_cards: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def on_badge(self, uid: str) -> None:
        with self.changed:
            self.badges.append(uid)
            self.times.append(time.monotonic())
            self.changed.notify_all()

    def on_two_cards(self) -> None:
        with self.changed:
            self.two_cards += 1
            self.changed.notify_all()

    def on_health(self, state: ReaderHealth, message: str) -> None:
        with self.changed:
            self.health.append((state, message))
            self.changed.notify_all()

    def wait(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
        with self.changed:
            if not self.changed.wait_for(predicate, timeout=timeout_s):
                raise AssertionError(f"timed out; badges={self.badges} health={self.health}")

    def wait_badges(self, count: int, timeout_s: float = 5.0) -> list[str]:
        self.wait(lambda: len(self.badges) >= count, timeout_s)
        return list(self.badges)

    def wait_health(self, state: ReaderHealth, timeout_s: float = 5.0) -> str:
        self.wait(lambda: bool(self.health) and self.health[-1][0] is state, timeout_s)
        return self.health[-1][1]

    def states(self) -> list[ReaderHealth]:
        return [state for state, _ in self.health]
