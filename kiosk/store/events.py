"""Appending to the event log, and reading back the state of the site from it.

`append` hands out the next `seq` from a counter row inside the caller's transaction (which began
IMMEDIATE), so seq strictly increases across processes, restarts and purges. `load_site_state`
folds only the events that can still matter (open shifts, visitors not signed out) so a tap stays
fast however long the log grows; `load_full_state` folds everything, for checks.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from kiosk.clock import Clock
from kiosk.domain.state import STAFF_KINDS, EventFact, SiteState, fold
from kiosk.domain.types import EventKind, StaffId, VisitorId
from kiosk.store.models import Event, KioskCounter


def _next_seq(session: Session, kiosk_id: str) -> int:
    counter = session.get(KioskCounter, kiosk_id)
    if counter is None:
        # A renamed kiosk continues from the highest seq any name reached: seq never goes back.
        highest = session.scalar(select(func.max(KioskCounter.last_seq))) or 0
        counter = KioskCounter(kiosk_id=kiosk_id, last_seq=highest)
        session.add(counter)
    counter.last_seq += 1
    return counter.last_seq


def append(
    session: Session,
    clock: Clock,
    kiosk_id: str,
    kind: EventKind,
    *,
    staff_id: int | None = None,
    visitor_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Add one event to the log in the caller's transaction."""
    event = Event(
        id=str(uuid.uuid4()),
        kiosk_id=kiosk_id,
        seq=_next_seq(session, kiosk_id),
        kind=kind.value,
        occurred_at=clock.now(),
        clock_synced=clock.synced(),
        boot_id=clock.boot_id,
        mono_ns=clock.mono_ns(),
        staff_id=staff_id,
        visitor_id=visitor_id,
        payload=payload or {},
    )
    session.add(event)
    session.flush()
    return event


def to_fact(event: Event) -> EventFact:
    return EventFact(
        kind=event.kind,
        occurred_at=event.occurred_at,
        staff_id=StaffId(event.staff_id) if event.staff_id is not None else None,
        visitor_id=VisitorId(event.visitor_id) if event.visitor_id is not None else None,
        payload=event.payload,
    )


def open_shift_starts(session: Session) -> dict[int, int]:
    """staff id -> seq of the shift.start that is still open (no shift.end after it)."""
    boundary = (EventKind.SHIFT_START.value, EventKind.SHIFT_END.value)
    last = (
        select(Event.staff_id, func.max(Event.seq).label("seq"))
        .where(Event.kind.in_(boundary))
        .group_by(Event.staff_id)
        .subquery()
    )
    rows = session.execute(
        select(Event.staff_id, Event.seq)
        .join(last, and_(Event.staff_id == last.c.staff_id, Event.seq == last.c.seq))
        .where(Event.kind == EventKind.SHIFT_START.value)
    )
    return {int(sid): int(seq) for sid, seq in rows if sid is not None}


def _open_staff_events(session: Session) -> list[Event]:
    starts = open_shift_starts(session)
    if not starts:
        return []
    rows = session.scalars(
        select(Event)
        .where(Event.staff_id.in_(starts), Event.seq >= min(starts.values()))
        .where(Event.kind.in_([k.value for k in STAFF_KINDS]))
        .order_by(Event.seq)
    )
    return [e for e in rows if e.staff_id is not None and e.seq >= starts[e.staff_id]]


def _open_visitor_events(session: Session) -> list[Event]:
    out = aliased(Event)
    signed_out = (
        select(out.id)
        .where(out.visitor_id == Event.visitor_id, out.kind == EventKind.VISITOR_OUT.value)
        .exists()
    )
    query = select(Event).where(Event.kind == EventKind.VISITOR_IN.value, ~signed_out)
    return list(session.scalars(query.order_by(Event.seq)))


def load_site_state(session: Session) -> SiteState:
    """The current state, from the events of open shifts and visits only."""
    events = sorted(
        _open_staff_events(session) + _open_visitor_events(session), key=lambda e: e.seq
    )
    return fold(to_fact(e) for e in events)


def load_full_state(session: Session) -> SiteState:
    """The current state, from every event ever recorded (slow; for checks and tests)."""
    return fold(to_fact(e) for e in session.scalars(select(Event).order_by(Event.seq)))
