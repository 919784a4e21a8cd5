"""The manager's operations on the kiosk's data: backup, restore, and erasure on request.

Erasure (a right-to-erasure request under UK GDPR) blanks a person's details and keeps their
events, so the setting's counts stay true; the erasure itself is recorded, without the name. It
reaches every copy this kiosk holds: the person goes on the erasure ledger first (so a restored
backup is erased again before use), then the database, its WAL, every backup and every copy set
aside by a restore are rewritten without them (`kiosk.store.erasures`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.names import fold
from kiosk.domain.types import EventKind, PolicyError, StaffId
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.services.lookup import find_staff
from kiosk.store import backup, erasures
from kiosk.store.erasures import Erasure
from kiosk.store.events import load_site_state
from kiosk.store.models import Observation, Visitor, stored_time


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
            self._erase(session, [Erasure("visitor", r.id, stored_time(r.signed_in_at),
                                          self._now()) for r in rows])  # fmt: skip
            event = self.ctx.append(
                session, EventKind.ADMIN_ERASE,
                payload={"visitor_ids": [r.id for r in rows], "observations": len(watching)},
            )  # fmt: skip
        copies = self.scrub_copies()
        return recorded(
            event,
            f"Erased {len(rows)} visit(s) and {len(watching)} observation(s); the visits are "
            f"still counted. {_copies_line(copies)}",
        )

    def erase_staff(self, name: str) -> Recorded:
        """A leaver's name erased: inactive, badges revoked, PIN gone, events kept, and their
        name taken out of the events they recorded on someone else's behalf."""
        self.ctx.refuse_if_managed()  # the next snapshot would bring the name back
        with self.ctx.recording() as session:
            staff = find_staff(session, name, include_inactive=True)
            if StaffId(staff.id) in load_site_state(session).staff:
                raise PolicyError(f"{staff.name} is on shift; end the shift first.")
            entry = Erasure("staff", staff.id, stored_time(staff.created_at), self._now())
            self._erase(session, [entry])
            event = self.ctx.append(session, EventKind.ADMIN_ERASE, staff_id=staff.id)
        copies = self.scrub_copies()
        return recorded(
            event,
            f"Erased staff member #{staff.id}; their events are kept. {_copies_line(copies)}",
        )

    def _now(self) -> str:
        return stored_time(self.ctx.clock.now())

    def _erase(self, session: Session, entries: list[Erasure]) -> None:
        """Ledger first (durable), then the rows, in the caller's transaction."""
        erasures.append_ledger(self.ctx.store.path, entries)
        session.flush()
        raw = session.connection().connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        session.expire_all()  # the ORM's copies of the rows are now stale
        erasures.apply_ledger(raw, entries, self._now())

    def scrub_copies(self) -> int:
        """Rewrite the live database and every copy of it held here without what the ledger
        erased; how many copies needed it (the live database not counted)."""
        ledger = erasures.read_ledger(self.ctx.store.path)
        now = self._now()
        erasures.scrub_file(self.ctx.store.path, ledger, now)
        found = 0
        for copy in held_copies(self.ctx.store.path, self.ctx.config.backup_dir):
            found += erasures.scrub_file(copy, ledger, now) > 0
        return found


def held_copies(database: Path, backup_dir: Path) -> list[Path]:
    """Every other copy of the database this kiosk keeps: backups and restore's set-asides."""
    aside = [
        p
        for p in database.parent.glob(f"{database.name}.before-restore-*")
        if not p.name.endswith(("-wal", "-shm", "-journal"))
    ]
    return backup.list_backups(backup_dir) + sorted(aside)


def _copies_line(copies: int) -> str:
    if not copies:
        return "No backup held them."
    return f"Also erased from {copies} backup(s) or older copies."
