"""What the manager should chase: devices out past their expected return, and devices still in a
locker long after the setting closed (a shift that was never ended)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kiosk.domain.state import SiteState
from kiosk.domain.types import StaffId


class OverdueKind(StrEnum):
    OUT = "out"  # taken out, not back by the expected time
    LOCKER = "locker"  # still in the locker long after closing


@dataclass(frozen=True)
class Overdue:
    staff_id: StaffId
    device: str
    kind: OverdueKind
    due: datetime


def locker_deadline(
    started_at: datetime, closing: time, grace: timedelta, tz: ZoneInfo
) -> datetime:
    """Closing time (local) on the day the shift started, plus the grace period, in UTC."""
    local_day = started_at.astimezone(tz).date()
    closes = datetime.combine(local_day, closing, tzinfo=tz)
    if closes < started_at:  # a shift started after closing: its deadline is the next closing
        closes = datetime.combine(local_day + timedelta(days=1), closing, tzinfo=tz)
    return (closes + grace).astimezone(UTC)


def find_overdue(
    state: SiteState, now: datetime, closing: time, grace: timedelta, tz: ZoneInfo
) -> list[Overdue]:
    found: list[Overdue] = []
    for presence in state.staff.values():
        for device, out in sorted(presence.out.items()):
            if out.expected_return is not None and now > out.expected_return:
                found.append(
                    Overdue(presence.staff_id, device, OverdueKind.OUT, out.expected_return)
                )
        deadline = locker_deadline(presence.started_at, closing, grace, tz)
        if presence.stored and now > deadline:
            for device in sorted(presence.stored):
                found.append(Overdue(presence.staff_id, device, OverdueKind.LOCKER, deadline))
    return found
