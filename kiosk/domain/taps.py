"""What a badge tap means: who it is and what they may do now, or why it is refused.

A tap itself changes nothing; the person then chooses an action on screen (start shift, end
shift, take a device out, put it back), and that action is what gets recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.domain.people import BadgeInfo, StaffInfo
from kiosk.domain.state import SiteState, StaffPresence
from kiosk.domain.types import StaffId


class TapKind(StrEnum):
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    INACTIVE = "inactive"
    REPEAT = "repeat"
    START_SHIFT = "start_shift"
    ON_SHIFT = "on_shift"


REFUSAL_MESSAGES = {
    TapKind.UNKNOWN: "This badge is not recognised. Please see the manager to enrol it.",
    TapKind.REVOKED: "This badge has been cancelled. Please see the manager.",
    TapKind.INACTIVE: "This badge is not active. Please see the manager.",
}


@dataclass(frozen=True)
class TapOutcome:
    kind: TapKind
    message: str = ""
    staff: StaffInfo | None = None
    presence: StaffPresence | None = None
    suggested_locker: str | None = None
    free_lockers: tuple[str, ...] = field(default_factory=tuple)

    @property
    def refused(self) -> bool:
        return self.kind in REFUSAL_MESSAGES


def free_lockers(state: SiteState, lockers: list[str], for_staff: StaffId) -> tuple[str, ...]:
    """Lockers nobody else's devices are in (one's own counts as free)."""
    return tuple(locker for locker in lockers if state.locker_holder(locker) in (None, for_staff))


def resolve_tap(
    badge: BadgeInfo | None, staff: StaffInfo | None, state: SiteState, lockers: list[str]
) -> TapOutcome:
    """Decide what a (non-repeated) tap of this badge offers the person."""
    if badge is None or staff is None:
        return TapOutcome(TapKind.UNKNOWN, REFUSAL_MESSAGES[TapKind.UNKNOWN])
    if badge.revoked:
        return TapOutcome(TapKind.REVOKED, REFUSAL_MESSAGES[TapKind.REVOKED])
    if not staff.active:
        return TapOutcome(TapKind.INACTIVE, REFUSAL_MESSAGES[TapKind.INACTIVE])
    presence = state.staff.get(staff.staff_id)
    if presence is not None:
        return TapOutcome(TapKind.ON_SHIFT, staff=staff, presence=presence)
    free = free_lockers(state, lockers, staff.staff_id)
    return TapOutcome(
        TapKind.START_SHIFT,
        staff=staff,
        suggested_locker=suggest_locker(staff, free),
        free_lockers=free,
    )


def suggest_locker(staff: StaffInfo, free: tuple[str, ...]) -> str | None:
    """Their usual locker if it is free, else the first free one, else none."""
    if staff.assigned_locker in free:
        return staff.assigned_locker
    return free[0] if free else None


class Debouncer:
    """Treats the same badge read again within the window (monotonic clock) as one tap.

    Every read restarts the window, so a card held against a reader that re-reports it stays one
    tap however long it is held.
    """

    def __init__(self, window_ns: int) -> None:
        self._window_ns = window_ns
        self._last_ns: dict[str, int] = {}

    def is_repeat(self, uid: str, now_ns: int) -> bool:
        last = self._last_ns.get(uid)
        self._last_ns[uid] = now_ns
        self._forget_older_than(now_ns)
        return last is not None and 0 <= now_ns - last < self._window_ns

    def _forget_older_than(self, now_ns: int) -> None:
        if len(self._last_ns) > 64:
            cutoff = now_ns - self._window_ns
            self._last_ns = {u: t for u, t in self._last_ns.items() if t >= cutoff}
