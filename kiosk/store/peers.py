"""The other doors' events on this kiosk: stored as the records service's feed brings them, and
read back with this kiosk's own for the fold (kiosk.domain.doors).

A feed page is stored in the caller's one transaction, so it is all there or none of it; each
event once (by id), so a page fetched twice changes nothing. A visitor who signed in at another
door gets a `visitors` row here, found again by the visit's uuid, so this door can show them and
sign them out like its own. A staff member is the setting's person id, which the roster fetched
down makes this kiosk's own staff id too.

Reading the state folds only what can still be open: for each member of staff whose latest shift
boundary at some door is a start, the events of all doors since the earliest such start; and the
visits no door has ended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from kiosk.domain.doors import DoorEvent
from kiosk.domain.state import STAFF_KINDS, VISITOR_KINDS
from kiosk.store.models import PeerEvent, Visitor


@dataclass(frozen=True)
class PeerVisitor:
    uuid: str
    visitor_type: str
    name: str | None  # what a door shows: first name and initial (kiosk.domain.visits)


@dataclass(frozen=True)
class PeerIn:
    """One event of another door, as the feed gave it (checked by the caller)."""

    id: str
    kiosk_id: str
    seq: int
    receipt: int
    kind: str
    occurred_at: datetime
    staff_id: int | None = None
    visitor: PeerVisitor | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def cursor(session: Session) -> int:
    """The feed's receipt number up to which this kiosk has stored the other doors' events."""
    return int(session.scalar(select(func.max(PeerEvent.receipt))) or 0)


def _visitor_row(session: Session, visitor: PeerVisitor, at: datetime) -> int:
    found = session.scalar(select(Visitor.id).where(Visitor.uuid == visitor.uuid))
    if found is not None:
        return int(found)
    row = Visitor(uuid=visitor.uuid, visitor_type=visitor.visitor_type, name=visitor.name,
                  organisation=None, visiting=None, signed_in_at=at)  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def store_page(session: Session, events: Sequence[PeerIn], received_at: datetime) -> int:
    """Store a feed page in the caller's transaction; how many events were new."""
    new = 0
    for event in events:
        visitor = event.visitor
        visitor_id = _visitor_row(session, visitor, event.occurred_at) if visitor else None
        row = {"id": event.id, "kiosk_id": event.kiosk_id, "seq": event.seq,
               "receipt": event.receipt, "kind": event.kind, "occurred_at": event.occurred_at,
               "staff_id": event.staff_id, "visitor_id": visitor_id, "payload": event.payload,
               "received_at": received_at}  # fmt: skip
        result = session.execute(insert(PeerEvent).values(row).on_conflict_do_nothing())
        new += int(result.rowcount)  # type: ignore[attr-defined]
    return new


def any_peer_events(session: Session) -> bool:
    return session.scalar(text("SELECT 1 FROM peer_events LIMIT 1")) is not None


# Only the kinds that say who is on site, as the feed sends and the service folds: another kind
# (a `roster.applied` stamped by the sync process's clock) would hold up this door's stream in
# the merge, and the doors would order the same events differently.
_FOLDED = ", ".join(f"'{kind}'" for kind in sorted(STAFF_KINDS | VISITOR_KINDS))
_OWN = (
    "SELECT seq, kind, occurred_at, staff_id, visitor_id, payload, id, kiosk_id FROM events "  # noqa: S608
    f"WHERE kind IN ({_FOLDED})"
)
_PEER = (
    "SELECT seq, kind, occurred_at, staff_id, visitor_id, payload, id, kiosk_id FROM peer_events "
    "WHERE staff_id IS NOT NULL OR visitor_id IS NOT NULL"  # an event about nobody never folds
)
# Per member of staff, the earliest start that is still the latest boundary at its door.
_OPEN_STARTS = text(
    """
    SELECT e.staff_id, min(e.occurred_at) FROM (
        SELECT p.staff_id, p.occurred_at FROM peer_events AS p
        WHERE p.kind = 'shift.start' AND p.staff_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM peer_events AS q WHERE q.staff_id = p.staff_id
            AND q.kiosk_id = p.kiosk_id AND q.seq > p.seq
            AND q.kind IN ('shift.start', 'shift.end'))
        UNION ALL
        SELECT o.staff_id, o.occurred_at FROM events AS o
        WHERE o.kind = 'shift.start' AND o.id = (
            SELECT b.id FROM events AS b WHERE b.staff_id = o.staff_id
            AND b.kind IN ('shift.start', 'shift.end') ORDER BY b.seq DESC LIMIT 1)
    ) AS e GROUP BY e.staff_id
    """
)
# The kiosk's own events are read from the first seq at or after the time (its seq and its clock
# go forward together), so the (staff_id, seq) index bounds the read.
_STAFF_SINCE = text(
    """
    SELECT seq, kind, occurred_at, staff_id, visitor_id, payload, id, kiosk_id FROM events
    WHERE staff_id = :staff_id
    AND seq >= coalesce((SELECT min(seq) FROM events WHERE occurred_at >= :since), 0)
    AND occurred_at >= :since AND kind IN ('shift.start', 'shift.end', 'device.out', 'device.in')
    UNION ALL
    SELECT seq, kind, occurred_at, staff_id, visitor_id, payload, id, kiosk_id FROM peer_events
    WHERE staff_id = :staff_id
    AND occurred_at >= :since AND kind IN ('shift.start', 'shift.end', 'device.out', 'device.in')
    """
)
_VISITORS_ON_SITE = text(
    """
    SELECT * FROM (
        SELECT seq, kind, occurred_at, staff_id, visitor_id, payload, id, kiosk_id
        FROM events WHERE kind = 'visitor.in'
        UNION ALL
        SELECT seq, kind, occurred_at, staff_id, visitor_id, payload, id, kiosk_id
        FROM peer_events WHERE kind = 'visitor.in' AND visitor_id IS NOT NULL) AS t
    WHERE NOT EXISTS (SELECT 1 FROM events AS o
                      WHERE o.visitor_id = t.visitor_id AND o.kind = 'visitor.out')
    AND NOT EXISTS (SELECT 1 FROM peer_events AS o
                    WHERE o.visitor_id = t.visitor_id AND o.kind = 'visitor.out')
    """
)


def open_door_events(session: Session, to_event: Callable[[Any], DoorEvent]) -> list[DoorEvent]:
    """The events of every door that can still matter to who is on site now."""
    found: list[DoorEvent] = []
    for staff_id, since in session.execute(_OPEN_STARTS).all():
        rows = session.execute(_STAFF_SINCE, {"staff_id": staff_id, "since": since})
        found.extend(to_event(row) for row in rows)
    found.extend(to_event(row) for row in session.execute(_VISITORS_ON_SITE))
    return found


def all_door_events(session: Session, to_event: Callable[[Any], DoorEvent]) -> list[DoorEvent]:
    """Every event of every door (slow; for checks and tests)."""
    own = session.execute(text(_OWN))
    peer = session.execute(text(_PEER))
    return [to_event(row) for row in [*own, *peer]]
