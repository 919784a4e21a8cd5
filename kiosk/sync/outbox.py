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
    body: dict[str, Any]


# Plain SQL and plain rows, not ORM objects: building 1,000 entities per batch cost more than the
# HTTP round trip. Times are sent exactly as stored (UTC ISO-8601 text, see UtcIso).
_PENDING = text(
    "SELECT e.id, e.seq, e.kind, e.occurred_at, e.clock_synced, e.boot_id, e.mono_ns, e.payload, "
    "s.id, s.name, s.role, v.id, v.name, v.visitor_type, v.organisation, v.visiting, v.erased_at "
    "FROM events AS e LEFT JOIN staff AS s ON s.id = e.staff_id "
    "LEFT JOIN visitors AS v ON v.id = e.visitor_id "
    "WHERE e.sync_state = 'pending' ORDER BY e.seq LIMIT :limit"
)


def _subject(row: Any) -> dict[str, Any] | None:
    if row[8] is not None:
        return {"type": "staff", "id": row[8], "name": row[9], "role": row[10]}
    if row[11] is not None:
        return {
            "type": "visitor",
            "id": row[11],
            "name": row[12],
            "visitor_type": row[13],
            "organisation": row[14],
            "visiting": row[15],
            "erased": row[16] is not None,
        }
    return None


def _wire(row: Any) -> Outgoing:
    body = {
        "id": row[0],
        "seq": row[1],
        "kind": row[2],
        "occurred_at": row[3],
        "clock_synced": bool(row[4]),
        "boot_id": row[5],
        "mono_ns": row[6],
        "payload": json.loads(row[7]) if row[7] else {},
        "subject": _subject(row),
    }
    return Outgoing(row[0], row[1], row[2], body)


def pending_batch(store: Store, limit: int) -> list[Outgoing]:
    """The oldest pending events, in seq order, with their subjects."""
    with store.reading() as session:
        return [_wire(row) for row in session.execute(_PENDING, {"limit": limit})]


def _mark(store: Store, ids: Sequence[str], state: SyncState, error: str | None) -> None:
    with store.transaction() as session:
        session.execute(
            update(Event)
            .where(Event.id.in_(ids), Event.sync_state == SyncState.PENDING.value)
            .values(sync_state=state.value, sync_attempts=Event.sync_attempts + 1, sync_error=error)
        )


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
