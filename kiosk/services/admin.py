"""The manager's administration: staff, badges, lockers, and the demo setting.

Every change here is also an `admin.*` event, so the log is the audit trail of who could do what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.names import clean_name
from kiosk.domain.people import normalise_uid
from kiosk.domain.types import EventKind, PolicyError, Role, StaffId
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.services.lookup import get_staff
from kiosk.store.events import load_site_state
from kiosk.store.models import Badge, Equipment, Event, Locker, Staff


@dataclass(frozen=True)
class StaffRow:
    staff_id: int
    name: str
    role: str
    active: bool
    locker: str | None
    badges: list[str]
    has_pin: bool


@dataclass(frozen=True)
class UnknownBadge:
    uid: str
    last_seen: datetime
    times: int


class AdminService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def sync_lockers(self, session: Session) -> None:
        """Make the lockers table match the config (removed lockers are kept, inactive)."""
        wanted = set(self.ctx.config.lockers.ids)
        existing = {row.id: row for row in session.scalars(select(Locker))}
        for locker_id in wanted - set(existing):
            session.add(Locker(id=locker_id, active=True))
        for locker_id, row in existing.items():
            row.active = locker_id in wanted

    def add_staff(self, name: str, role: Role = Role.STAFF, locker: str | None = None) -> Recorded:
        self.ctx.refuse_if_managed()
        clean = clean_name(name)
        with self.ctx.recording() as session:
            if locker is not None and locker not in self.ctx.config.lockers.ids:
                raise PolicyError(f"There is no locker {locker}.")
            self.sync_lockers(session)
            row = Staff(
                name=clean, role=role.value, assigned_locker=locker, created_at=self.ctx.clock.now()
            )
            session.add(row)
            session.flush()
            event = self.ctx.append(
                session, EventKind.ADMIN_STAFF_ADD, staff_id=row.id,
                payload={"role": role.value, "locker": locker},
            )  # fmt: skip
        return recorded(event, f"Added {clean} ({role.value}) as number {row.id}.")

    def enrol_badge(self, staff_id: StaffId, raw_uid: str) -> Recorded:
        self.ctx.refuse_if_managed()
        uid = normalise_uid(raw_uid)
        with self.ctx.recording() as session:
            staff = get_staff(session, staff_id)
            if not staff.active:
                raise PolicyError(f"{staff.name} has left; a badge cannot be enrolled to them.")
            if session.scalar(select(Equipment.id).where(Equipment.tag_uid == uid)) is not None:
                raise PolicyError(f"{uid} is the tag of the setting's equipment, not a badge.")
            badge = session.get(Badge, uid)
            if badge is not None and badge.revoked_at is None:
                owner = "them" if badge.staff_id == staff_id else "someone else"
                raise PolicyError(f"Badge {uid} already belongs to {owner}.")
            if badge is None:
                session.add(Badge(uid=uid, staff_id=staff_id, enrolled_at=self.ctx.clock.now()))
            else:  # a revoked badge handed out again: explicit, and recorded below
                badge.staff_id, badge.enrolled_at, badge.revoked_at = (
                    staff_id,
                    self.ctx.clock.now(),
                    None,
                )
            event = self.ctx.append(
                session, EventKind.ADMIN_BADGE_ENROL, staff_id=staff_id, payload={"uid": uid}
            )
        return recorded(event, f"Badge {uid} enrolled for {staff.name}.")

    def revoke_badge(self, raw_uid: str) -> Recorded:
        self.ctx.refuse_if_managed()
        uid = normalise_uid(raw_uid)
        with self.ctx.recording() as session:
            badge = session.get(Badge, uid)
            if badge is None or badge.revoked_at is not None:
                raise PolicyError(f"Badge {uid} is not enrolled.")
            badge.revoked_at = self.ctx.clock.now()
            event = self.ctx.append(
                session, EventKind.ADMIN_BADGE_REVOKE, staff_id=badge.staff_id, payload={"uid": uid}
            )
        return recorded(event, f"Badge {uid} revoked.")

    def staff_leaves(self, staff_id: StaffId) -> Recorded:
        """A person leaves the setting: inactive, badges revoked; their history stays."""
        self.ctx.refuse_if_managed()
        with self.ctx.recording() as session:
            staff = get_staff(session, staff_id)
            if staff_id in load_site_state(session).staff:
                raise PolicyError(f"{staff.name} is on shift; end the shift first.")
            staff.active = False
            staff.pin_hash = None
            now = self.ctx.clock.now()
            for badge in session.scalars(select(Badge).where(Badge.staff_id == staff_id)):
                badge.revoked_at = badge.revoked_at or now
            event = self.ctx.append(session, EventKind.ADMIN_STAFF_LEAVE, staff_id=staff_id)
        return recorded(event, f"{staff.name} marked as left; their badges are revoked.")

    def list_staff(self, include_inactive: bool = False) -> list[StaffRow]:
        with self.ctx.reading() as session:
            query = select(Staff).order_by(Staff.name)
            if not include_inactive:
                query = query.where(Staff.active.is_(True))
            badges: dict[int, list[str]] = {}
            for badge in session.scalars(select(Badge).where(Badge.revoked_at.is_(None))):
                badges.setdefault(badge.staff_id, []).append(badge.uid)
            return [
                StaffRow(s.id, s.name, s.role, s.active, s.assigned_locker,
                         sorted(badges.get(s.id, [])), s.pin_hash is not None)
                for s in session.scalars(query)
            ]  # fmt: skip

    def unknown_badges(self, limit: int = 20) -> list[UnknownBadge]:
        """Recently tapped badges nobody owns, newest first, for the manager to enrol."""
        seen: dict[str, UnknownBadge] = {}
        with self.ctx.reading() as session:
            rows = session.scalars(
                select(Event)
                .where(Event.kind == EventKind.BADGE_UNKNOWN.value)
                .order_by(Event.seq.desc())
                .limit(500)
            )
            enrolled = {
                b.uid for b in session.scalars(select(Badge).where(Badge.revoked_at.is_(None)))
            }
            for event in rows:
                uid = str(event.payload.get("uid", ""))
                if uid in enrolled:
                    continue
                prev = seen.get(uid)
                seen[uid] = UnknownBadge(
                    uid,
                    prev.last_seen if prev else event.occurred_at,
                    (prev.times if prev else 0) + 1,
                )
        return list(seen.values())[:limit]
