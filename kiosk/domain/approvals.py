"""Manager PINs: how long a new one must be, how many wrong PINs are allowed, and for how long
the PIN is then locked. Each lockout in a row (no right PIN between them) doubles, up to a day:
a guesser at the screen gets about five tries a day once the first few lockouts have passed,
while a manager who mistypes a few times waits a quarter of an hour. docs/privacy.md has the
reckoning against online and offline guessing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.domain.types import PolicyError

MIN_PIN_DIGITS = 6  # new PINs; existing 4-digit ones keep working until changed
MAX_PIN_DIGITS = 8
MAX_LOCKOUT = timedelta(days=1)


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


def lockout_for(base: timedelta, earlier_lockouts: int) -> timedelta:
    """The lockout after `earlier_lockouts` in a row: base, 2x, 4x ... at most a day."""
    return min(base * (1 << min(earlier_lockouts, 16)), MAX_LOCKOUT)


def after_failure(
    state: PinState, now: datetime, max_failures: int, lockout: timedelta, earlier_lockouts: int = 0
) -> PinState:
    """One more wrong PIN; reaching the limit locks approvals (for longer each time in a row)
    and starts the count again."""
    failures = state.failures + 1
    if failures >= max_failures:
        return PinState(failures=0, locked_until=now + lockout_for(lockout, earlier_lockouts))
    return PinState(failures=failures, locked_until=None)


def check_new_pin(pin: str) -> str:
    if not pin.isdigit() or not MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS:
        raise PolicyError(f"A PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise PolicyError("That PIN is too easy to guess. Please choose another.")
    return pin
