"""The manager's operations on the kiosk's data: backup, restore, and erasure on request.

Erasure (a right-to-erasure request under UK GDPR) blanks a person's details and keeps their
events, so the setting's counts stay true; the erasure itself is recorded, without the name.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kiosk.domain.names import fold
from kiosk.domain.types import EventKind, PolicyError, StaffId
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.services.lookup import find_staff
from kiosk.store import backup
from kiosk.store.events import load_site_state
from kiosk.store.models import Badge, Observation, Visitor


class OperationsService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def backup(self) -> tuple[Path, Recorded]:
        config = self.ctx.config
        made = backup.make_backup(
            self.ctx.store.path, config.backup_dir, config.backup.keep, self.ctx.clock.now()
        )
        with self.ctx.recording() as session:
            event = self.ctx.append(session, EventKind.ADMIN_BACKUP, payload={"file": made.name})
        return made, recorded(event, f"Backup written to {made}.")

    def erase_visitor(self, name: str) -> Recorded:
        """Blank every stored visit by a visitor with exactly this name (case-insensitive), and
        remove any virtual observation by a professional of that name."""
        wanted = fold(name)
        with self.ctx.recording() as session:
            rows = [
                v
                for v in session.scalars(select(Visitor).where(Visitor.erased_at.is_(None)))
                if v.name and fold(v.name) == wanted
            ]
            watching = [o for o in session.scalars(select(Observation))
                        if fold(o.professional) == wanted]  # fmt: skip
            for observation in watching:
                session.delete(observation)
            if not rows and not watching:
                raise PolicyError(f"No visitor called {name!r} is held (already erased?).")
            for row in rows:
                row.name = row.organisation = row.visiting = None
                row.erased_at = self.ctx.clock.now()
            event = self.ctx.append(
                session, EventKind.ADMIN_ERASE,
                payload={"visitor_ids": [r.id for r in rows], "observations": len(watching)},
            )  # fmt: skip
        return recorded(event, f"Erased {len(rows)} visit(s) and {len(watching)} observation(s); "
                        "the visits are still counted.")  # fmt: skip

    def erase_staff(self, name: str) -> Recorded:
        """A leaver's name erased: inactive, badges revoked, PIN gone, events kept."""
        with self.ctx.recording() as session:
            staff = find_staff(session, name, include_inactive=True)
            if StaffId(staff.id) in load_site_state(session).staff:
                raise PolicyError(f"{staff.name} is on shift; end the shift first.")
            staff.name = f"(erased #{staff.id})"
            staff.active, staff.pin_hash, staff.assigned_locker = False, None, None
            for badge in session.scalars(select(Badge).where(Badge.staff_id == staff.id)):
                badge.revoked_at = badge.revoked_at or self.ctx.clock.now()
            event = self.ctx.append(session, EventKind.ADMIN_ERASE, staff_id=staff.id)
        return recorded(event, f"Erased staff member #{staff.id}; their events are kept.")
