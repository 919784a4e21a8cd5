"""Appending to the event log, and reading back the state of the site from it.

`append` hands out the next `seq` from a counter row inside the caller's transaction (which began
IMMEDIATE), so seq strictly increases across processes, restarts and purges. `load_site_state`
folds only the events that can still matter (open shifts, visitors not signed out) so a tap stays
fast however long the log grows; `load_full_state` folds everything, for checks.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.domain.chain import GENESIS, Link, event_hash
from kiosk.domain.doors import DoorEvent, fold_doors
from kiosk.domain.equipment import fold_equipment
from kiosk.domain.state import EventFact, SiteState, fold
from kiosk.domain.types import EventKind, StaffId, VisitorId
from kiosk.store import peers
from kiosk.store.models import Event, KioskCounter


def _counter(session: Session, kiosk_id: str) -> KioskCounter:
    counter = session.get(KioskCounter, kiosk_id)
    if counter is None:
        # A renamed kiosk continues from the highest seq any name reached: seq never goes back.
        highest = session.scalar(select(func.max(KioskCounter.last_seq))) or 0
        counter = KioskCounter(kiosk_id=kiosk_id, last_seq=highest, last_hash=GENESIS)
        session.add(counter)
    return counter


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
    """Add one event to the log in the caller's transaction, chained to the kiosk's last one."""
    counter = _counter(session, kiosk_id)
    counter.last_seq += 1
    event = Event(
        id=str(uuid.uuid4()),
        kiosk_id=kiosk_id,
        seq=counter.last_seq,
        kind=kind.value,
        occurred_at=clock.now(),
        clock_synced=clock.synced(),
        boot_id=clock.boot_id,
        mono_ns=clock.mono_ns(),
        staff_id=staff_id,
        visitor_id=visitor_id,
        # As JSON will give it back, so the hash is of what is stored (tuples become lists).
        payload=json.loads(json.dumps(payload or {})),
    )
    event.prev_hash = counter.last_hash or GENESIS
    event.hash = counter.last_hash = event_hash(chain_link(event), event.prev_hash)
    session.add(event)
    session.flush()
    return event


def chain_link(event: Event) -> Link:
    return Link(
        kiosk_id=event.kiosk_id, seq=event.seq, id=event.id, kind=event.kind,
        occurred_at=event.occurred_at, clock_synced=event.clock_synced, boot_id=event.boot_id,
        mono_ns=event.mono_ns, staff_id=event.staff_id, visitor_id=event.visitor_id,
        payload=event.payload, prev_hash=event.prev_hash, hash=event.hash,
    )  # fmt: skip


def to_fact(event: Event) -> EventFact:
    return EventFact(
        kind=event.kind,
        occurred_at=event.occurred_at,
        staff_id=StaffId(event.staff_id) if event.staff_id is not None else None,
        visitor_id=VisitorId(event.visitor_id) if event.visitor_id is not None else None,
        payload=event.payload,
    )


# The tap path runs these on every tap, so they are plain SQL built once (no per-call statement
# construction) and each is an index probe per person rather than a scan of the whole log:
# ix_events_staff_seq finds a person's latest shift boundary by reading their events backwards.
_OPEN_SHIFTS = text(
    """
    SELECT e.staff_id, e.seq FROM staff AS s
    JOIN events AS e ON e.id = (
        SELECT b.id FROM events AS b
        WHERE b.staff_id = s.id AND b.kind IN ('shift.start', 'shift.end')
        ORDER BY b.seq DESC LIMIT 1)
    WHERE e.kind = 'shift.start'
    """
)
_STAFF_EVENTS_SINCE = text(
    "SELECT e.seq, e.kind, e.occurred_at, e.staff_id, e.visitor_id, e.payload, e.id, e.kiosk_id "
    "FROM events AS e WHERE e.staff_id = :staff_id AND e.seq >= :since "
    "AND e.kind IN ('shift.start', 'shift.end', 'device.out', 'device.in', 'exception.close')"
)
_VISITORS_NOT_OUT = text(
    "SELECT e.seq, e.kind, e.occurred_at, e.staff_id, e.visitor_id, e.payload, e.id, e.kiosk_id "
    "FROM events AS e WHERE e.kind = 'visitor.in' AND NOT EXISTS ("
    "SELECT 1 FROM events AS o WHERE o.visitor_id = e.visitor_id AND o.kind = 'visitor.out')"
)

# Exceptions outlive their shift: every shift end that left a device out, and every closing.
# Each half is an index search (ix_events_still_out, on kind and the length of `still_out`), so a
# tap does not parse every shift end ever kept: 0.2 ms instead of 6 ms at 20,000 shift ends.
_EXCEPTION_EVENTS = text(
    "SELECT e.seq, e.kind, e.occurred_at, e.staff_id, e.visitor_id, e.payload, e.id, e.kiosk_id "
    "FROM events AS e "
    "WHERE e.kind = 'shift.end' AND json_array_length(e.payload, '$.still_out') > 0 "
    "UNION ALL "
    "SELECT e.seq, e.kind, e.occurred_at, e.staff_id, e.visitor_id, e.payload, e.id, e.kiosk_id "
    "FROM events AS e WHERE e.kind = 'exception.close'"
)


def row_event(row: Any) -> DoorEvent:
    """A row of (seq, kind, occurred_at, staff_id, visitor_id, payload, id, kiosk_id)."""
    seq, kind, occurred, staff_id, visitor_id, payload, event_id, kiosk_id = row
    fact = EventFact(
        kind=kind,
        occurred_at=datetime.fromisoformat(occurred),
        staff_id=StaffId(staff_id) if staff_id is not None else None,
        visitor_id=VisitorId(visitor_id) if visitor_id is not None else None,
        payload=(json.loads(payload) if isinstance(payload, str) else payload) or {},
    )
    return DoorEvent(event_id, kiosk_id, seq, fact)


def _row_fact(row: Any) -> tuple[int, EventFact]:
    """(seq, fact) of a row of (seq, kind, occurred_at, staff_id, visitor_id, payload, ...)."""
    event = row_event((*tuple(row)[:6], "", ""))
    return event.seq, event.fact


def open_shift_starts(session: Session) -> dict[int, int]:
    """staff id -> seq of the shift.start that is still open (no shift.end after it)."""
    return {int(sid): int(seq) for sid, seq in session.execute(_OPEN_SHIFTS)}


def _own_open_events(session: Session) -> list[DoorEvent]:
    found: list[DoorEvent] = []
    for staff_id, since in open_shift_starts(session).items():
        rows = session.execute(_STAFF_EVENTS_SINCE, {"staff_id": staff_id, "since": since})
        found.extend(row_event(row) for row in rows)
    found.extend(row_event(row) for row in session.execute(_VISITORS_NOT_OUT))
    # Exceptions outlive their shift: a device still out at a shift's end, until closed.
    found.extend(row_event(row) for row in session.execute(_EXCEPTION_EVENTS))
    return list({e.event_id: e for e in found}.values())


def load_site_state(session: Session) -> SiteState:
    """The current state, from the events of open shifts and visits, and open exceptions,
    only: this kiosk's own and, when the setting has other doors, theirs (merged as
    kiosk.domain.doors says)."""
    if not peers.any_peer_events(session):
        own = sorted(_own_open_events(session), key=lambda e: e.seq)
        return fold(e.fact for e in own)
    found = peers.open_door_events(session, row_event)
    found += [row_event(row) for row in session.execute(_EXCEPTION_EVENTS)]
    state, _conflicts = fold_doors({e.event_id: e for e in found}.values())
    return state


def load_full_state(session: Session) -> SiteState:
    """The current state, from every event ever recorded (slow; for checks and tests)."""
    if peers.any_peer_events(session):
        return fold_doors(peers.all_door_events(session, row_event))[0]
    return fold(to_fact(e) for e in session.scalars(select(Event).order_by(Event.seq)))


_EVACUATION_KINDS = ("evacuation.started", "evacuation.marked", "evacuation.ended")


def latest_evacuation_facts(session: Session) -> list[EventFact]:
    """The events of the latest evacuation (its start and everything after), in seq order.

    Two probes of ix_events_kind_seq: the last start, then the evacuation kinds since it.
    """
    since = session.scalar(
        select(func.max(Event.seq)).where(Event.kind == EventKind.EVACUATION_STARTED.value)
    )
    if since is None:
        return []
    query = (
        select(Event)
        .where(Event.kind.in_(_EVACUATION_KINDS), Event.seq >= since)
        .order_by(Event.seq)
    )
    return [to_fact(e) for e in session.scalars(query)]


# The lockouts since the manager's last right PIN: each one in a row locks for twice as long.
_LOCKOUTS_IN_A_ROW = text(
    "SELECT count(*) FROM events WHERE staff_id = :staff AND kind = 'approval.refused' "
    "AND json_extract(payload, '$.locked') = 1 AND seq > coalesce((SELECT max(seq) FROM events "
    "WHERE staff_id = :staff AND kind = 'approval.granted'), 0)"
)


def lockouts_in_a_row(session: Session, staff_id: int) -> int:
    return int(session.scalar(_LOCKOUTS_IN_A_ROW, {"staff": staff_id}) or 0)


def rechain(session: Session, kiosk_id: str, from_seq: int) -> tuple[str, str]:
    """Re-hash this kiosk's chain from `from_seq` on, after a recorded, deliberate rewrite of
    its rows (a one-time renumbering of staff). Returns (the head before, the head after): the
    event recording the rewrite carries the old head, so the records service, which holds the
    old hashes, can see the chain continue (docs/sync.md, "The hash chain")."""
    rows = list(session.scalars(
        select(Event).where(Event.kiosk_id == kiosk_id, Event.seq >= from_seq).order_by(Event.seq)
    ))  # fmt: skip
    counter = _counter(session, kiosk_id)
    old_head = counter.last_hash or GENESIS
    before = session.scalar(
        select(Event.hash).where(Event.kiosk_id == kiosk_id, Event.seq < from_seq)
        .order_by(Event.seq.desc()).limit(1)
    )  # fmt: skip
    prev = before or GENESIS
    for row in rows:
        row.prev_hash = prev
        row.hash = prev = event_hash(chain_link(row), prev)
    counter.last_hash = prev
    return old_head, prev


_EQUIPMENT_EVENTS = text(
    "SELECT e.seq, e.kind, e.occurred_at, e.staff_id, e.visitor_id, e.payload FROM events AS e "
    "WHERE e.kind IN ('equipment.out', 'equipment.in') ORDER BY e.seq"
)


def equipment_facts(session: Session) -> list[EventFact]:
    """Every equipment event kept, in seq order (through ix_events_kind_seq: a few a day, and
    retention bounds them), for `kiosk.domain.equipment.fold_equipment`."""
    return [_row_fact(row)[1] for row in session.execute(_EQUIPMENT_EVENTS)]


def still_open(session: Session) -> list[int]:
    """The seqs of what retention must keep though old: the shift ends whose devices are still
    open exceptions, and the sign-outs of equipment not back yet."""
    state = fold(_row_fact(row)[1] for row in session.execute(_EXCEPTION_EVENTS))
    opened = {(x.staff_id, x.since) for x in state.exceptions.values()}
    seqs = [seq for seq, fact in map(_row_fact, session.execute(_EXCEPTION_EVENTS))
            if (fact.staff_id, fact.occurred_at) in opened]  # fmt: skip
    facts = [_row_fact(row) for row in session.execute(_EQUIPMENT_EVENTS)]
    out = fold_equipment(fact for _, fact in facts)
    seqs += [seq for seq, fact in facts if fact.kind == "equipment.out"
             and int(fact.payload["equipment_id"]) in out
             and out[int(fact.payload["equipment_id"])].since == fact.occurred_at]  # fmt: skip
    return seqs


_AGREEMENT_EVENTS = text(
    "SELECT e.seq, e.kind, e.occurred_at, e.staff_id, e.visitor_id, e.payload FROM events AS e "
    "WHERE e.staff_id = :staff_id AND e.kind IN ('agreement.ack', 'agreement.defer') "
    "ORDER BY e.seq"
)


def agreement_facts(session: Session, staff_id: int) -> list[EventFact]:
    """One person's acknowledgements and deferrals, in seq order (ix_events_staff_seq)."""
    rows = session.execute(_AGREEMENT_EVENTS, {"staff_id": staff_id})
    return [_row_fact(row)[1] for row in rows]
