"""Wrong passwords counted per address, whichever accounts they named.

The per-account lockout alone let one address lock every manager out (five guesses each). An
address that makes `MAX_FAILURES` wrong guesses within `WINDOW_S` is refused for `LOCK_S` before
any account is looked at, so its guesses stop counting against accounts too; a success does not
clear the count (one's own account would otherwise reset it between guesses at others).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from kiosk.sync.server.tenancy import AddressThrottle

MAX_FAILURES = 10
WINDOW_S = 15 * 60
LOCK_S = 15 * 60


def _now() -> datetime:
    return datetime.now(UTC)


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def blocked(session: Session, address: str) -> bool:
    row = session.get(AddressThrottle, address)
    return bool(row and row.locked_until and row.locked_until > _text(_now()))


def failed(session: Session, address: str) -> None:
    now = _now()
    row = session.get(AddressThrottle, address)
    if row is None:
        row = AddressThrottle(address=address, failures=0, window_start=_text(now))
        session.add(row)
    if row.window_start < _text(now - timedelta(seconds=WINDOW_S)):
        row.failures, row.window_start = 0, _text(now)
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        row.locked_until = _text(now + timedelta(seconds=LOCK_S))
        row.failures, row.window_start = 0, _text(now)
