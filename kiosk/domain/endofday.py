"""The end of the day: visitors still signed in after the setting closed, so the manager can sign
them out with a reason and tomorrow's roll call starts from the truth."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from kiosk.domain.overdue import locker_deadline
from kiosk.domain.state import SiteState, VisitorPresence
from kiosk.domain.types import PolicyError

# What the manager may say about a visitor they sign out (recorded as the event's reason).
SIGN_OUT_REASONS = (
    "Left without signing out",
    "Seen leaving by staff",
    "Building checked: not here",
)


def still_in_after_closing(
    state: SiteState, now: datetime, closing: time, tz: ZoneInfo
) -> list[VisitorPresence]:
    """Visitors signed in before a closing time that has passed, longest-staying first."""
    late = [v for v in state.visitors.values()
            if now > locker_deadline(v.arrived_at, closing, timedelta(0), tz)]  # fmt: skip
    return sorted(late, key=lambda v: v.arrived_at)


def check_reason(reason: str) -> str:
    if reason not in SIGN_OUT_REASONS:
        raise PolicyError("Please choose why the visitor is being signed out.")
    return reason
