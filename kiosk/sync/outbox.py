"""The kiosk's side of the outbox: reading pending events as wire JSON and recording what became
of them, each in its own short transaction so a badge tap never waits behind the network.

Batches are read in a DEFERRED read transaction (WAL: taps keep writing meanwhile); marking sent or
dead is one small UPDATE by id. Names are not in events: each event's `subject` is resolved from
`staff`/`visitors` here, at push time, so an erased visitor goes out with name null.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from kiosk.store.db import Store
from kiosk.store.models import Event, SyncState, Visitor


@dataclass(frozen=True)
class Outgoing:
    id: str
    seq: int
    kind: str
    wire: str  # the event as the JSON the API takes (one element of a batch's "events")


# SQLite writes each event's wire JSON itself (json_object): turning 1,000 rows into dicts and
# back into JSON in Python cost more than the HTTP round trip. Times are sent exactly as stored
# (UTC ISO-8601 text, see UtcIso); json() marks nested values as JSON rather than text.
_PENDING = text(
    """
SELECT e.id, e.seq, e.kind, json_object(
    'id', e.id, 'seq', e.seq, 'kind', e.kind, 'occurred_at', e.occurred_at,
    'clock_synced', json(CASE WHEN e.clock_synced THEN 'true' ELSE 'false' END),
    'boot_id', e.boot_id, 'mono_ns', e.mono_ns,
    'payload', json(coalesce(nullif(e.payload, ''), '{}')),
    'prev_hash', e.prev_hash, 'hash', e.hash,
    'subject', json(CASE
        WHEN s.id IS NOT NULL THEN json_object(
            'type', 'staff', 'id', s.id, 'name', s.name, 'role', s.role)
        WHEN v.id IS NOT NULL THEN json_object(
            'type', 'visitor', 'id', v.id, 'uuid', v.uuid, 'name', v.name,
            'visitor_type', v.visitor_type,
            'organisation', v.organisation, 'visiting', v.visiting,
            'erased', json(CASE WHEN v.erased_at IS NULL THEN 'false' ELSE 'true' END))
    END))
FROM events AS e
LEFT JOIN staff AS s ON s.id = e.staff_id
LEFT JOIN visitors AS v ON v.id = e.visitor_id
WHERE e.sync_state = 'pending' AND e.seq > :after ORDER BY e.seq LIMIT :limit
"""
)


def pending_batch(store: Store, limit: int, after_seq: int = 0) -> list[Outgoing]:
    """The oldest pending events (after `after_seq`), in seq order, with their subjects."""
    with store.reading() as session:
        query = {"limit": limit, "after": after_seq}
        rows = session.execute(_PENDING, query).all()  # one fetchall, not 1,000 fetches
    return [Outgoing(*row) for row in rows]


def batch_body(batch: Sequence[Outgoing]) -> bytes:
    """The request body for a batch: {"events": [...]} in the batch's order."""
    return ('{"events":[' + ",".join(e.wire for e in batch) + "]}").encode()


# The batch's ids go in as one JSON array: an IN list of 1,000 bound parameters was rendered by
# SQLAlchemy on every call and cost more than the UPDATE itself.
_MARK = text(
    "UPDATE events SET sync_state = :state, sync_attempts = sync_attempts + 1, sync_error = :error "
    "WHERE id IN (SELECT value FROM json_each(:ids)) AND sync_state = 'pending'"
)


def _mark(store: Store, ids: Sequence[str], state: SyncState, error: str | None) -> None:
    with store.transaction() as session:
        session.execute(_MARK, {"state": state.value, "error": error, "ids": json.dumps(ids)})


def mark_sent(store: Store, ids: Sequence[str]) -> None:
    _mark(store, ids, SyncState.SENT, None)


def mark_dead(store: Store, ids: Sequence[str], error: str) -> None:
    """Refused by the server: kept for the manager, out of the way of the events behind them."""
    _mark(store, ids, SyncState.DEAD, error[:500])


def note_failure(store: Store, ids: Sequence[str], error: str) -> None:
    """A try that will be retried: the events stay pending, the attempt and reason are kept."""
    _mark(store, ids, SyncState.PENDING, error[:500])


def requeue_dead(store: Store) -> int:
    """Dead letters back to pending (after the cause, e.g. a revoked token, is fixed)."""
    with store.transaction() as session:
        result = session.execute(
            update(Event)
            .where(Event.sync_state == SyncState.DEAD.value)
            .values(sync_state=SyncState.PENDING.value)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def has_pending(store: Store) -> bool:
    """Anything to push? One probe of the (sync_state, seq) index: cheap enough to ask often."""
    with store.reading() as session:
        found = session.execute(text("SELECT 1 FROM events WHERE sync_state = 'pending' LIMIT 1"))
        return found.first() is not None


def counts(store: Store) -> dict[str, int]:
    with store.reading() as session:
        rows = session.execute(select(Event.sync_state, func.count()).group_by(Event.sync_state))
        found = {state: int(n) for state, n in rows}
    return {s.value: found.get(s.value, 0) for s in SyncState}


def report(store: Store, sample: int = 100) -> dict[str, Any]:
    """What the kiosk tells the service about itself (the body of PUT …/status)."""
    with store.reading() as session:
        dead = session.execute(
            select(Event.id, Event.seq, Event.kind, Event.sync_error)
            .where(Event.sync_state == SyncState.DEAD.value)
            .order_by(Event.seq.desc())
            .limit(sample)
        )
        dead_events = [
            {"id": i, "seq": s, "kind": k, "error": (e or "")[:500]} for i, s, k, e in dead
        ]
        erased = _erased_visitors(session)
    figures = counts(store)
    return {
        "pending": figures["pending"],
        "dead": figures["dead"],
        "dead_events": dead_events,
        "erased_visitors": erased,
    }


def _erased_visitors(session: Session) -> list[int]:
    query = select(Visitor.id).where(Visitor.erased_at.is_not(None)).order_by(Visitor.id.desc())
    return list(session.scalars(query.limit(10000)))
