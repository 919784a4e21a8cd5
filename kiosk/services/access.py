"""Subject access: everything this kiosk holds about one person, gathered for a readable file.

A person asking what is held about them (UK GDPR article 15; the setting has one month to
answer) is found as staff and as a visitor by full name, and every event where they are the
subject, the approving manager or the person who recorded it on someone's behalf is included,
with their badges and role. Other people's names are left out of events about someone else
(`kiosk.domain.subject_access`, which also writes the file). The request itself is recorded
(`admin.access`), with ids and counts, never the name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kiosk.domain.names import fold
from kiosk.domain.subject_access import HeldEvent, Holding, details, role_of
from kiosk.domain.types import EventKind, PolicyError
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.services.lookup import staff_names
from kiosk.store.backup import list_backups
from kiosk.store.models import Badge, Event, Staff, Visitor


class AccessService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def gather(self, name: str) -> Holding:
        """Everything held about the person of that full name (case- and accent-insensitive)."""
        wanted = fold(name)
        with self.ctx.reading() as session:
            staff = [s for s in session.scalars(select(Staff)) if fold(s.name) == wanted]
            held = session.scalars(select(Visitor).where(Visitor.name.is_not(None)))
            visits = [v for v in held if fold(v.name or "") == wanted]
            holding = Holding(name.strip())
            holding.staff = [_staff_row(s) for s in staff]
            holding.badges = _badges(session, [s.id for s in staff])
            holding.visits = [_visit_row(v) for v in visits]
            holding.events = _events(session, [s.id for s in staff], [v.id for v in visits], wanted)
            holding.copies = self._copies(session, holding.events)
        holding.periods = self._periods()
        if holding.empty:
            raise PolicyError(f"Nothing is held about anyone called {name!r} on this kiosk.")
        return holding

    def record(self, holding: Holding, file: Path) -> Recorded:
        """The audit trail's note that a subject access file was made (no name in it)."""
        staff_id = holding.staff[0]["number"] if len(holding.staff) == 1 else None
        payload = {"staff_ids": [s["number"] for s in holding.staff],
                   "visitor_ids": [v["number"] for v in holding.visits],
                   "events": len(holding.events), "file": file.name}  # fmt: skip
        with self.ctx.recording() as session:
            event = self.ctx.append(session, EventKind.ADMIN_ACCESS, staff_id=staff_id,
                                    payload=payload)  # fmt: skip
        return recorded(event, f"Wrote what is held about them to {file} "
                               f"({len(holding.events)} events).")  # fmt: skip

    def _periods(self) -> list[str]:
        days = self.ctx.config.retention
        return [
            f"visitors' names, organisations and who they visited: {days.visitor_details_days} "
            "days after the visit",
            f"refused badges and wrong PINs: {days.refused_attempts_days} days",
            f"staff shift and device records: {days.staff_events_days} days",
            f"exported files: {days.export_files_days} days",
        ]

    def _copies(self, session: Session, events: list[HeldEvent]) -> list[str]:
        config = self.ctx.config
        where = [f"this kiosk's database ({config.database_path})"]
        backups = list_backups(config.backup_dir)
        if backups:
            where.append(f"{len(backups)} backup(s) of it in {config.backup_dir}, newest "
                         f"{backups[0].name}, each kept until {config.backup.keep} newer ones "
                         "exist; an erasure reaches them too")  # fmt: skip
        if config.sync.url:
            sent = sum(e.sync_state == "sent" for e in events)
            where.append(f"the setting's records service ({config.sync.url}): {sent} of these "
                         "events already sent, the rest follow with the next sync")  # fmt: skip
        exports = session.scalars(select(Event).where(Event.kind == EventKind.ADMIN_EXPORT.value))
        for export in exports:
            p = export.payload
            where.append(f"an export of {p.get('from')} to {p.get('to')} ({p.get('what')}) "
                         f"written to {p.get('path') or p.get('file')} on "
                         f"{export.occurred_at:%Y-%m-%d}, if it still exists")  # fmt: skip
        return where


def _staff_row(s: Staff) -> dict[str, Any]:
    return {"number": s.id, "name": s.name, "role": s.role, "still working here": s.active,
            "usual locker": s.assigned_locker or "none", "manager PIN set": s.pin_hash is not None,
            "added": s.created_at}  # fmt: skip


def _visit_row(v: Visitor) -> dict[str, Any]:
    return {"number": v.id, "type": v.visitor_type, "name": v.name,
            "organisation": v.organisation or "", "visiting": v.visiting or "",
            "signed in": v.signed_in_at}  # fmt: skip


def _badges(session: Session, staff_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.scalars(select(Badge).where(Badge.staff_id.in_(staff_ids)))
    return [{"badge": b.uid, "enrolled": b.enrolled_at, "revoked": b.revoked_at or "no"}
            for b in rows]  # fmt: skip


def _events(
    session: Session, staff_ids: list[int], visitor_ids: list[int], wanted: str
) -> list[HeldEvent]:
    approver = Event.payload["approver_id"].as_integer()
    recorder = Event.payload["recorded_by"].as_string()
    query = select(Event).where(or_(
        Event.staff_id.in_(staff_ids), Event.visitor_id.in_(visitor_ids),
        approver.in_(staff_ids), recorder.is_not(None),
    )).order_by(Event.seq)  # fmt: skip
    names = staff_names(session)
    held = []
    for e in session.scalars(query):
        about_them = e.staff_id in staff_ids or e.visitor_id in visitor_ids
        roles = role_of(e.payload, about_them, set(staff_ids), wanted)
        if roles:
            shown = details(e.payload, names, about_them=about_them)
            held.append(HeldEvent(e.seq, e.kind, e.occurred_at, e.clock_synced, roles, shown,
                                  e.sync_state))  # fmt: skip
    return held
