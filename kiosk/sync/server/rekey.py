"""A kiosk starting to run on its setting's snapshot (issue 11), as the service sees it.

Its first `roster.applied` event carries `rekeyed`: how the kiosk renumbered its own staff (old
number -> the setting's person id, or a number above every person id for someone it kept
inactive). The kiosk applies its first snapshot only once all its earlier events are here, so
renumbering the events, approvals and names stored before that event, in the transaction that
stores it, leaves both copies alike. From then on (`Kiosk.managed_from_seq`) a staff number
from this kiosk is the person id itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from kiosk.domain.people import normalise_uid
from kiosk.domain.types import EventKind, PolicyError
from kiosk.sync.server import sitestate
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.models import RecordEvent, Subject
from kiosk.sync.server.registry import bump_roster
from kiosk.sync.server.roster import live_badge
from kiosk.sync.server.schema import EventIn
from kiosk.sync.server.tenancy import Badge, Kiosk, Person, Setting

FIRST = EventKind.ROSTER_APPLIED.value


def first_roster(session: Session, kiosk_id: str, events: list[EventIn]) -> None:
    """If this batch brings the kiosk's first `roster.applied`, renumber what is stored."""
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.managed_from_seq is not None:
        return
    first = next((e for e in events if e.kind == FIRST and "rekeyed" in e.payload), None)
    if first is None:
        return
    mapping = _mapping(first.payload.get("rekeyed"))
    if mapping:
        _renumber_events(session, kiosk_id, first.seq, mapping)
        _renumber_subjects(session, kiosk, mapping)
        sitestate.rebuild(session, [kiosk_id])
    _enrol_kept(session, kiosk, first.payload.get("kept_badges"))
    kiosk.managed_from_seq = first.seq
    bump_roster(session, kiosk.setting_id)  # its snapshot's `links` are now empty


def _mapping(raw: Any) -> dict[int, int]:
    if not isinstance(raw, dict):
        return {}
    return {
        int(old): new
        for old, new in raw.items()
        if str(old).isdigit() and isinstance(new, int) and not isinstance(new, bool) and new > 0
    }


def _renumber_events(
    session: Session, kiosk_id: str, before_seq: int, mapping: dict[int, int]
) -> None:
    mine = (RecordEvent.kiosk_id == kiosk_id, RecordEvent.seq < before_seq)
    session.execute(
        update(RecordEvent)
        .where(*mine, RecordEvent.subject_type == "staff", RecordEvent.subject_id.in_(mapping))
        .values(subject_id=case(mapping, value=RecordEvent.subject_id))
        .execution_options(synchronize_session=False)
    )
    approved = session.scalars(
        select(RecordEvent).where(*mine, RecordEvent.kind == EventKind.DEVICE_OUT.value)
    )
    for event in approved:
        approver = (event.payload or {}).get("approver_id")
        if approver in mapping:
            event.payload = {**event.payload, "approver_id": mapping[approver]}


def _renumber_subjects(session: Session, kiosk: Kiosk, mapping: dict[int, int]) -> None:
    """Each old name row under its new number, linked to the person it now is."""
    old = list(session.scalars(select(Subject).where(*_staff_subjects(kiosk.id, mapping))))
    people = set(
        session.scalars(
            select(Person.id).where(
                Person.setting_id == kiosk.setting_id, Person.id.in_(mapping.values())
            )
        )
    )
    rows = {}
    for s in old:
        new = mapping[s.id]
        rows[new] = {"kiosk_id": s.kiosk_id, "type": "staff", "id": new, "name": s.name,
                     "role": s.role, "erased": s.erased, "updated_at": s.updated_at,
                     "person_id": new if new in people else s.person_id}  # fmt: skip
    session.execute(delete(Subject).where(*_staff_subjects(kiosk.id, mapping)))
    session.execute(delete(Subject).where(*_staff_subjects(kiosk.id, rows)))
    if rows:
        session.execute(insert(Subject), list(rows.values()))


def _staff_subjects(kiosk_id: str, ids: Iterable[int]) -> tuple[ColumnElement[bool], ...]:
    return (Subject.kiosk_id == kiosk_id, Subject.type == "staff", Subject.id.in_(list(ids)))


def _enrol_kept(session: Session, kiosk: Kiosk, raw: Any) -> None:
    """The badges the kiosk had enrolled itself and kept: the setting's too, unless it has
    given that badge to someone meanwhile."""
    if not isinstance(raw, dict):
        return
    people = set(session.scalars(select(Person.id).where(
        Person.setting_id == kiosk.setting_id, Person.left_at.is_(None))))  # fmt: skip
    setting = session.get(Setting, kiosk.setting_id)
    for raw_uid, person in sorted(raw.items()):
        try:
            uid = normalise_uid(str(raw_uid))
        except PolicyError:
            continue
        if setting is not None and person in people and live_badge(session, setting, uid) is None:
            session.add(Badge(setting_id=kiosk.setting_id, person_id=person, uid=uid,
                              enrolled_at=now_text()))  # fmt: skip
            session.flush()


def is_managed(session: Session, kiosk_id: str) -> bool:
    found = session.scalar(select(func.count()).select_from(Kiosk).where(
        Kiosk.id == kiosk_id, Kiosk.managed_from_seq.is_not(None)))  # fmt: skip
    return bool(found)
