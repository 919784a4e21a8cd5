"""Reading reference data (staff, badges) from the store as the domain's plain records."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.domain.names import fold
from kiosk.domain.people import BadgeInfo, StaffInfo
from kiosk.domain.types import BadgeUid, PolicyError, Role, StaffId
from kiosk.store.models import Badge, Staff


def staff_info(row: Staff) -> StaffInfo:
    return StaffInfo(
        staff_id=StaffId(row.id),
        name=row.name,
        role=Role(row.role),
        active=row.active,
        assigned_locker=row.assigned_locker,
    )


def get_staff(session: Session, staff_id: int) -> Staff:
    row = session.get(Staff, staff_id)
    if row is None:
        raise PolicyError(f"There is no staff member number {staff_id}.")
    return row


def badge_and_staff(session: Session, uid: BadgeUid) -> tuple[BadgeInfo | None, StaffInfo | None]:
    badge = session.get(Badge, uid)
    if badge is None:
        return None, None
    info = BadgeInfo(
        uid=uid, staff_id=StaffId(badge.staff_id), revoked=badge.revoked_at is not None
    )
    return info, staff_info(get_staff(session, badge.staff_id))


def _by_number(session: Session, number: str, include_inactive: bool) -> Staff:
    row = session.get(Staff, int(number))
    if row is None or not (row.active or include_inactive):
        raise PolicyError(
            f"There is no current staff member number {number}. 'kiosk staff list' shows them."
        )
    return row


def find_staff(session: Session, name: str, *, include_inactive: bool = False) -> Staff:
    """One staff member by the number `kiosk staff list` shows (a name always has a letter), by
    full name, or by a unique start of their name (case-insensitive)."""
    number = name.strip().removeprefix("#")
    if number.isdigit():
        return _by_number(session, number, include_inactive)
    query = select(Staff).order_by(Staff.id)
    if not include_inactive:
        query = query.where(Staff.active.is_(True))
    rows = list(session.scalars(query))
    wanted = fold(name)
    exact = [r for r in rows if fold(r.name) == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        numbers = ", ".join(str(r.id) for r in exact)
        raise PolicyError(
            f"More than one staff member is called {name!r} (numbers {numbers}); "
            "use their number instead of the name."
        )
    partial = [r for r in rows if wanted and fold(r.name).startswith(wanted)]
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = ", ".join(sorted(r.name for r in partial))
        raise PolicyError(f"{name!r} could be any of: {names}. Please give the full name.")
    raise PolicyError(f"No staff member is called {name!r}. 'kiosk staff list' shows who there is.")


def staff_names(session: Session) -> dict[int, str]:
    return {sid: name for sid, name in session.execute(select(Staff.id, Staff.name))}


def count_staff(session: Session) -> int:
    return session.scalar(select(func.count(Staff.id))) or 0
