"""The state a staff journey carries from screen to screen: who, what they hold, what they chose.

Built from a badge tap (`from_tap`) or, in manager mode, for someone without their badge
(`for_behalf`). Plain data, no Kivy: the screens read it and the services get its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.app import App
from kiosk.domain.names import first_name
from kiosk.domain.taps import TapOutcome
from kiosk.domain.types import Reason, Role, StaffId


@dataclass
class StaffCase:
    staff_id: StaffId
    name: str
    is_manager: bool
    on_shift: bool
    stored: list[str] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    locker: str | None = None
    suggested_locker: str | None = None
    free_lockers: tuple[str, ...] = ()
    on_behalf: str | None = None  # the manager recording for this person, if not themselves
    # What they are asking for, filled in along the way.
    device: str = ""
    reason: Reason | None = None
    expected_return: datetime | None = None

    @property
    def first_name(self) -> str:
        return first_name(self.name)


def from_tap(outcome: TapOutcome) -> StaffCase:
    staff, presence = outcome.staff, outcome.presence
    assert staff is not None
    case = StaffCase(
        staff.staff_id, staff.name, staff.is_manager, presence is not None,
        suggested_locker=outcome.suggested_locker, free_lockers=outcome.free_lockers,
    )  # fmt: skip
    if presence is not None:
        case.stored, case.out = sorted(presence.stored), sorted(presence.out)
        case.locker = presence.locker
    return case


def for_behalf(app: App, staff_id: int, manager_name: str) -> StaffCase:
    """A case for a manager recording for someone who has no badge with them."""
    person = next(row for row in app.admin.list_staff() if row.staff_id == staff_id)
    roll = app.kiosk.roll_call.now()
    line = next((s for s in roll.staff if s.staff_id == staff_id), None)
    held = {s.locker for s in roll.staff if s.staff_id != staff_id and s.stored}
    case = StaffCase(
        StaffId(staff_id), person.name, person.role == Role.MANAGER.value, line is not None,
        free_lockers=tuple(x for x in app.config.lockers.ids if x not in held),
        on_behalf=manager_name,
    )  # fmt: skip
    if line is None:
        case.suggested_locker = app.kiosk.suggest_locker(StaffId(staff_id))
    else:
        case.stored, case.out = line.stored, [d.device for d in line.out]
        case.locker = line.locker
    return case
