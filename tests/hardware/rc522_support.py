"""What the RC522 tests share: cards, a reader with quick retries, and waiting on its polls."""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.hardware.rc522 import Rc522Reader
from tests.hardware.mfrc522_emulator import Card

POLL_S = 0.02
SEVEN_A = "04A1B2C3D4E5F6"
SEVEN_B = "04A1B2FFEEDD80"  # shares 04 A1 B2 with SEVEN_A, so the same cascade level 1


def card(uid: str, sak: int = 0x00) -> Card:
    return Card(bytes.fromhex(uid), sak=sak)


def new_reader(poll_s: float = POLL_S) -> Rc522Reader:
    reader = Rc522Reader(poll_interval_s=poll_s)
    reader.retry_initial_s, reader.retry_max_s = 0.05, 0.4
    return reader


def wait_until(predicate: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    """Wait for progress something else makes; fail loudly (never hang) if it stops."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.005)


def settle(reader: Rc522Reader, polls: int = 5) -> None:
    """Wait until the reader has polled `polls` more times: progress, not a guess at time."""
    target = reader.polls + polls
    wait_until(lambda: reader.polls >= target, f"{polls} polls")
