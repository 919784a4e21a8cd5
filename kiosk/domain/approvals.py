"""Manager PIN lockout: how many wrong PINs are allowed and for how long the PIN is then locked."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.domain.types import PolicyError

MIN_PIN_DIGITS = 4
MAX_PIN_DIGITS = 8


@dataclass(frozen=True)
class PinState:
    failures: int = 0
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def check_not_locked(state: PinState, now: datetime) -> None:
    if state.locked_at(now):
        assert state.locked_until is not None
        minutes = max(1, math.ceil((state.locked_until - now).total_seconds() / 60))
        raise PolicyError(f"Too many wrong PINs. Approval is locked for {minutes} more minutes.")


def after_failure(
    state: PinState, now: datetime, max_failures: int, lockout: timedelta
) -> PinState:
    """One more wrong PIN; reaching the limit locks approvals and starts the count again."""
    failures = state.failures + 1
    if failures >= max_failures:
        return PinState(failures=0, locked_until=now + lockout)
    return PinState(failures=failures, locked_until=None)


def check_new_pin(pin: str) -> str:
    if not pin.isdigit() or not MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS:
        raise PolicyError(f"A PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise PolicyError("That PIN is too easy to guess. Please choose another.")
    return pin
