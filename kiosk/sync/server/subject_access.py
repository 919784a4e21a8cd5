"""Subject access on the console: everything the records service holds about one person of a
setting, as the same readable file a kiosk's `kiosk sar` writes (`kiosk.domain.subject_access`).

The person is found by full name among the setting's people and among the subjects its kiosks
sent (staff and visitors); every event of those kiosks where they are the subject, the approving
manager (a kiosk-local staff id in the payload) or the recorder (`recorded_by`) is included.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.names import fold
from kiosk.domain.subject_access import HeldEvent, Holding, details, role_of
from kiosk.sync.server.models import RecordEvent, Subject
from kiosk.sync.server.queries import kiosks_of
from kiosk.sync.server.tenancy import Badge, Declaration, Person, Setting, VirtualObservation

Key = tuple[str, str, int]  # kiosk, subject type, kiosk-local id


def gather(session: Session, setting: Setting, name: str) -> Holding:
    wanted = fold(name)
    kiosks = list(session.scalars(kiosks_of(setting.id)))
    people = [p for p in session.scalars(select(Person).where(Person.setting_id == setting.id))
              if fold(p.name) == wanted]  # fmt: skip
    linked = {p.id for p in people}
    subjects = [s for s in session.scalars(select(Subject).where(Subject.kiosk_id.in_(kiosks)))
                if (s.name and fold(s.name) == wanted) or s.person_id in linked]  # fmt: skip
    holding = Holding(" ".join(name.split()))
    holding.staff = [_person_row(p) for p in people]
    holding.badges = _badges(session, list(linked))
    holding.visits = [_visit_row(s) for s in subjects if s.type == "visitor"]
    holding.events = _events(session, kiosks, subjects, wanted)
    holding.declarations = _declarations(session, setting.id, linked)
    holding.observations = _observations(session, setting.id, wanted)
    holding.copies = _copies(kiosks)
    holding.periods = _periods(setting)
    return holding


def _events(
    session: Session, kiosks: list[str], subjects: list[Subject], wanted: str
) -> list[HeldEvent]:
    keys: set[Key] = {(s.kiosk_id, s.type, s.id) for s in subjects}
    staff_ids: dict[str, set[int]] = {}
    for s in subjects:
        if s.type == "staff":
            staff_ids.setdefault(s.kiosk_id, set()).add(s.id)
    names = _staff_names(session, kiosks)
    held = []
    query = select(RecordEvent).where(RecordEvent.kiosk_id.in_(kiosks))
    # In the order they happened (an unset clock's 1970 is not first); each shows what was stored.
    for e in session.scalars(query.order_by(RecordEvent.dated_at, RecordEvent.seq)):
        payload = e.payload or {}
        about_them = (e.kiosk_id, e.subject_type or "", e.subject_id or 0) in keys
        roles = role_of(payload, about_them, staff_ids.get(e.kiosk_id, set()), wanted)
        if roles:
            shown = details(payload, names.get(e.kiosk_id, {}), about_them=about_them)
            held.append(HeldEvent(e.seq, e.kind, datetime.fromisoformat(e.occurred_at),
                                  e.clock_synced, roles, shown, kiosk_id=e.kiosk_id))  # fmt: skip
    return held


def _staff_names(session: Session, kiosks: list[str]) -> dict[str, dict[int, str]]:
    found: dict[str, dict[int, str]] = {}
    query = select(Subject).where(Subject.kiosk_id.in_(kiosks), Subject.type == "staff")
    for s in session.scalars(query):
        found.setdefault(s.kiosk_id, {})[s.id] = s.name or f"staff #{s.id}"
    return found


def _declarations(session: Session, setting_id: int, people: set[int]) -> list[dict[str, Any]]:
    query = select(Declaration).where(
        Declaration.setting_id == setting_id, Declaration.person_id.in_(people)
    )
    return [{"declared": d.about, "to be reviewed on": d.review_on, "recorded by": d.recorded_by,
             "recorded": datetime.fromisoformat(d.created_at)}
            for d in session.scalars(query.order_by(Declaration.id))]  # fmt: skip


def _observations(session: Session, setting_id: int, wanted: str) -> list[dict[str, Any]]:
    """A professional's requests to observe by video, found by their name as they gave it."""
    query = select(VirtualObservation).where(VirtualObservation.setting_id == setting_id)
    return [{"organisation": o.organisation, "date": o.on_date, "time": o.at_time,
             "present": o.present, "in a secure location": o.secure_location,
             "agreed it is not recorded": o.not_recorded, "decision": o.status}
            for o in session.scalars(query.order_by(VirtualObservation.id))
            if fold(o.professional) == wanted]  # fmt: skip


def _person_row(p: Person) -> dict[str, Any]:
    return {"number": p.id, "name": p.name, "role": p.role, "still working here": p.left_at is None,
            "usual locker": p.usual_locker or "none",
            "manager PIN set": p.pin_hash is not None}  # fmt: skip


def _visit_row(s: Subject) -> dict[str, Any]:
    return {"kiosk": s.kiosk_id, "number": s.id, "type": s.visitor_type or "visitor",
            "name": s.name, "organisation": s.organisation or "",
            "visiting": s.visiting or ""}  # fmt: skip


def _badges(session: Session, person_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.scalars(select(Badge).where(Badge.person_id.in_(person_ids)))
    return [{"badge": b.uid, "enrolled": b.enrolled_at[:16].replace("T", " "),
             "revoked": (b.revoked_at or "no")[:16].replace("T", " ")} for b in rows]  # fmt: skip


def _copies(kiosks: list[str]) -> list[str]:
    return [
        "the setting's records service (this console's database)",
        f"the setting's kiosks ({', '.join(kiosks) or 'none yet'}): each keeps its own events and "
        "a few days of backups; 'kiosk sar' on a kiosk lists that kiosk's copies",
    ]


def _periods(setting: Setting) -> list[str]:
    return [
        f"visitors' names, organisations and who they visited: {setting.visitor_days} days",
        f"unknown badges: {setting.unknown_badge_days} days; refused badges and wrong PINs: "
        f"{setting.refused_days} days",
        f"staff shift and device records: {setting.events_days} days",
    ]
