"""The one-time renumbering of a kiosk's own staff when it first runs on its setting's snapshot.

Before, the kiosk numbered staff itself; after, a staff number is the setting's person id. Each
local member of staff becomes the person the records service linked them to when they were pushed
(the snapshot's `links`), else the person holding one of their live badges; anyone else is kept,
inactive, under KEPT_OFFSET + their old number, which no person id reaches. Their events, badges
and approvals move with them, so no history is lost; badges the kiosk enrolled itself stay with
their holders and are reported, so the setting enrols them too. The service makes the same move
on its copy when the `roster.applied` event carrying this mapping reaches it, which is why the
first snapshot is applied only when every earlier event has been pushed (`pending_events`).
"""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from kiosk.domain.types import EventKind
from kiosk.store.models import Badge, Event, Staff, SyncState
from kiosk.store.roster_check import Roster

# Above any person id (roster_check refuses ids over 2**31 - 1): where kept staff go.
KEPT_OFFSET = 2**40


class PendingFirst(Exception):
    """The first snapshot waits until the kiosk's earlier events are all pushed."""


def pending_events(session: Session) -> int:
    query = select(func.count()).where(Event.sync_state == SyncState.PENDING.value)
    return int(session.scalar(query) or 0)


def rekey_local_staff(session: Session, roster: Roster) -> dict[int, int]:
    """Renumber the kiosk's own staff (old number -> new), in the caller's transaction."""
    local = list(session.scalars(select(Staff).order_by(Staff.id)))
    if not local:
        return {}
    if pending_events(session):
        raise PendingFirst("earlier events are still to be pushed")
    mapping = _targets(session, roster, [s.id for s in local])
    # Checked at commit: in between, a number may be half moved.
    session.execute(text("PRAGMA defer_foreign_keys = ON"))
    for old in local:  # every row out of the way first: a new number may be an old one
        _move(session, old.id, -old.id)
    taken: set[int] = set()
    for old in local:
        new = mapping[old.id]
        if new < KEPT_OFFSET and new not in taken:
            taken.add(new)
            _move(session, -old.id, new)
            continue
        if new < KEPT_OFFSET:  # two local rows were one person: the history joins them
            _repoint(session, -old.id, new)
            session.execute(text("DELETE FROM staff WHERE id = :id"), {"id": -old.id})
            continue
        _move(session, -old.id, new)
    session.expire_all()
    return mapping


def badges_to_keep(session: Session, roster: Roster) -> dict[str, int]:
    """Live badges the kiosk enrolled itself, of people in the snapshot, that the setting does
    not know: kept (the console never saw them enrolled), and reported to the service in the
    `roster.applied` event, which enrols them there. Call after `rekey_local_staff`."""
    people = {s.id for s in roster.staff if s.active}
    return {
        b.uid: b.staff_id
        for b in session.scalars(select(Badge).where(Badge.revoked_at.is_(None)))
        if b.staff_id in people and b.uid not in roster.badges
    }


def _targets(session: Session, roster: Roster, local_ids: list[int]) -> dict[int, int]:
    listed = {s.id for s in roster.staff}
    by_badge = {
        b.staff_id: roster.badges[b.uid]
        for b in session.scalars(select(Badge).where(Badge.revoked_at.is_(None)))
        if b.uid in roster.badges
    }
    mapping = {}
    for local in local_ids:
        linked = roster.links.get(local)
        person = linked if linked in listed else by_badge.get(local)
        mapping[local] = person if person is not None else KEPT_OFFSET + local
    return mapping


def _move(session: Session, old: int, new: int) -> None:
    session.execute(text("UPDATE staff SET id = :new WHERE id = :old"), {"new": new, "old": old})
    _repoint(session, old, new)


def _repoint(session: Session, old: int, new: int) -> None:
    session.execute(update(Event).where(Event.staff_id == old).values(staff_id=new))
    session.execute(update(Badge).where(Badge.staff_id == old).values(staff_id=new))
    approvals = session.scalars(
        select(Event).where(Event.kind == EventKind.DEVICE_OUT.value)
        .where(func.json_extract(Event.payload, "$.approver_id") == old)
    )  # fmt: skip
    for event in approvals:
        event.payload = {**event.payload, "approver_id": new}
    session.flush()
