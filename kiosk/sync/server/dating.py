"""The time the console dates an event by (issue 14): `events.dated_at`, and `dated_by` saying how
it is known.

A Pi with no network time yet stamps its events 1970 (`clock_synced` false). Dated by that stored
time, such an event is missing from the console's "today" and sorts after everything else. So each
event also gets the time it is dated by, by the kiosk's own rule (kiosk.domain.times.right_time):

- `clock`: the kiosk's clock was synchronised; its stored time.
- `boot`: worked out from a later event of the same kiosk and boot that was stamped by a
  synchronised clock (the anchor): the monotonic clock counts on across the correction.
- `received`: neither known yet; the time the service received it, which it certainly happened
  before. Refined to `boot` when its boot's anchor arrives in a later push.

The rows still dated `received` are few and have a partial index of their own, so a push of
synchronised events checks for them without reading anything else.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

from kiosk.domain.times import Anchor, right_time
from kiosk.sync.server.clock import stored_text
from kiosk.sync.server.schema import EventIn

CLOCK, BOOT, RECEIVED = "clock", "boot", "received"
BATCH_ROWS = 1000

# The literal 'received' (not a bound value) lets SQLite use the partial index on those rows.
_WAITING = (
    "SELECT id, seq, occurred_at, mono_ns, boot_id FROM events WHERE kiosk_id = :kiosk "
    "AND dated_by = 'received' AND seq > :after ORDER BY seq LIMIT :rows"
)
_ANCHOR = text(
    "SELECT seq, occurred_at, mono_ns FROM events WHERE kiosk_id = :kiosk AND boot_id = :boot "
    "AND seq > :seq AND clock_synced ORDER BY seq LIMIT 1"
)
_SET = text("UPDATE events SET dated_at = :at, dated_by = 'boot' WHERE id = :id")
# Run by every push on SQLite and almost always empty: sent as the driver's own SQL (half the
# time of the same query through text(), measured). PostgreSQL asks it in the INSERT (ingest).
_ANY_WAITING = "SELECT 1 FROM events WHERE kiosk_id = ? AND dated_by = 'received' LIMIT 1"


@dataclass(frozen=True)
class Dated:
    at: str
    by: str


def dated(event: EventIn, anchor: Anchor | None, received: str) -> Dated:
    """What a new event is dated by, given its anchor (if one is known) and its receipt time."""
    moment = right_time(event.occurred_at, event.clock_synced, event.mono_ns, anchor, None)
    if moment is None:
        return Dated(received, RECEIVED)
    return Dated(stored_text(moment), CLOCK if event.clock_synced else BOOT)


def batch_anchors(events: Sequence[EventIn]) -> dict[str, Anchor]:
    """Each unsynchronised event's anchor within the batch (by event id), where it has one."""
    anchors: dict[str, Anchor] = {}
    first_after: dict[str, Anchor] = {}  # boot -> its first synchronised event after this one
    for event in sorted(events, key=lambda e: e.seq, reverse=True):
        if event.clock_synced:
            first_after[event.boot_id] = Anchor(event.occurred_at, event.mono_ns)
        elif event.boot_id in first_after:
            anchors[event.id] = first_after[event.boot_id]
    return anchors


def boots_to_refine(events: Iterable[EventIn], anchored: Collection[str]) -> set[str]:
    """The boots whose waiting rows this batch may date: those it brings a synchronised event
    of, and those of its own unanchored events (their anchor may be stored already)."""
    return {e.boot_id for e in events if e.clock_synced or e.id not in anchored}


def refine(conn: Connection, kiosk_id: str, boots: Collection[str] | None = None) -> int:
    """Date by their boot the kiosk's events still dated `received` whose boot has an anchor
    now (all boots when `boots` is None); how many were."""
    done = 0
    for rows in _waiting(conn, kiosk_id, boots):
        found = list(_worked_out(conn, kiosk_id, rows))
        if found:
            conn.execute(_SET, found)
        done += len(found)
    return done


def any_waiting(conn: Connection, kiosk_id: str) -> bool:
    """Has the kiosk any row dated `received`? One probe of their partial index (SQLite)."""
    return conn.exec_driver_sql(_ANY_WAITING, (kiosk_id,)).first() is not None


def _waiting(
    conn: Connection, kiosk_id: str, boots: Collection[str] | None
) -> Iterator[Sequence[Any]]:
    """The kiosk's rows dated `received`, a batch at a time, in seq order."""
    query = text(_WAITING)
    params: dict[str, Any] = {"kiosk": kiosk_id, "rows": BATCH_ROWS}
    if boots is not None:
        if not boots:
            return
        query = text(_WAITING.replace(" ORDER BY", " AND boot_id IN :boots ORDER BY"))
        query = query.bindparams(bindparam("boots", expanding=True))
        params["boots"] = sorted(boots)
    after = 0
    while rows := conn.execute(query, {**params, "after": after}).all():
        yield rows
        after = rows[-1].seq


def _worked_out(conn: Connection, kiosk_id: str, rows: Sequence[Any]) -> Iterator[dict[str, str]]:
    """The new dated_at of each row whose boot has an anchor after it. Rows come in seq order,
    so one look-up serves every row of a boot before the anchor it finds."""
    found: dict[str, tuple[int, Anchor] | None] = {}  # boot -> (anchor's seq, anchor) or none
    for row in rows:
        if row.boot_id not in found or _passed(found[row.boot_id], row.seq):
            found[row.boot_id] = _anchor(conn, kiosk_id, row.boot_id, row.seq)
        known = found[row.boot_id]
        if known is None:
            continue  # no synchronised event after it in its boot: nor after any later row
        stamped = datetime.fromisoformat(row.occurred_at)
        moment = right_time(stamped, False, int(row.mono_ns), known[1], None)
        if moment is not None:
            yield {"id": row.id, "at": stored_text(moment)}


def _passed(known: tuple[int, Anchor] | None, seq: int) -> bool:
    """Is this row after the anchor found for an earlier row of its boot?"""
    return known is not None and seq > known[0]


def _anchor(conn: Connection, kiosk_id: str, boot: str, seq: int) -> tuple[int, Anchor] | None:
    hit = conn.execute(_ANCHOR, {"kiosk": kiosk_id, "boot": boot, "seq": seq}).first()
    if hit is None:
        return None
    return hit.seq, Anchor(datetime.fromisoformat(hit.occurred_at), int(hit.mono_ns))
