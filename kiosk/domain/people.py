"""Plain records of staff and badges, as the rules see them (the store fills them in)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.types import BadgeUid, PolicyError, Role, StaffId


@dataclass(frozen=True)
class StaffInfo:
    staff_id: StaffId
    name: str
    role: Role
    active: bool
    assigned_locker: str | None = None

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER and self.active


@dataclass(frozen=True)
class BadgeInfo:
    uid: BadgeUid
    staff_id: StaffId
    revoked: bool


def normalise_uid(raw: str) -> BadgeUid:
    """A badge UID as uppercase hex with no separators (the one way every reader, the CLI and
    the store spell it); refuses anything that is not hex."""
    uid = "".join(raw.split()).replace(":", "").replace("-", "").upper()
    uid = uid.removeprefix("0X")
    if not uid or len(uid) > 20 or any(ch not in "0123456789ABCDEF" for ch in uid):
        raise PolicyError(f"{raw!r} is not a badge number (expected hex digits, e.g. 04A1B2C3)")
    return BadgeUid(uid)
