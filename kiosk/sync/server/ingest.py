"""Storing a pushed batch exactly once: events keyed by id with INSERT … ON CONFLICT DO NOTHING,
each with its hash chain state (kiosk.sync.server.chain), names upserted into `subjects`, the
kiosk's on-site state advanced (sitestate) and the batch's Idempotency-Key recorded in the same
transaction.

A replayed key returns the first answer; a key reused for a different body is refused. Because the
key, the events and the names commit together, a response lost after the commit is answered the
same on retry, and a concurrent duplicate push (same or other key) adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, case, func, select, update
from sqlalchemy.orm import Session

from kiosk.sync.server import chain, dating, doors, evacuations, rekey, sitestate
from kiosk.sync.server.clock import now_text, stored_text
from kiosk.sync.server.dating import Dated
from kiosk.sync.server.db import insert_for
from kiosk.sync.server.erasure import erase_staff_copies
from kiosk.sync.server.models import IdempotencyKey, KioskReport, RecordEvent, Subject
from kiosk.sync.server.registry import link_staff, setting_of
from kiosk.sync.server.schema import EventIn, KioskStatusIn, SubjectIn


class KeyReused(ValueError):
    """The Idempotency-Key was used before for a different batch."""


@dataclass(frozen=True)
class Stored:
    accepted: int
    duplicates: int
    replayed: bool = False


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


# Written for each driver, not built with SQLAlchemy's insert(): its multi-row VALUES with
# RETURNING sent psycopg a 12,000-placeholder query to parse on every batch (~200 ms per 1,000
# events on PostgreSQL), and its per-row type processing was most of the SQLite time. SQLite runs
# one single-row statement as executemany; PostgreSQL gets the whole batch as one JSON array of
# rows and inserts it in one statement (jsonb: parsed once, by the server, not by Python), and
# in the same statement looks whether the kiosk has events waiting to be dated (`dating`; the
# snapshot is from before the insert): an ordinary push costs no extra round trip.
_SQLITE_INSERT = """
INSERT INTO events (id, kiosk_id, seq, kind, occurred_at, clock_synced, boot_id, mono_ns,
                    subject_type, subject_id, payload, received_at, setting_id, receipt, who,
                    prev_hash, hash, chain, dated_at, dated_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING
"""
_PG_INSERT = """
WITH new AS (
INSERT INTO events (id, kiosk_id, seq, kind, occurred_at, clock_synced, boot_id, mono_ns,
                    subject_type, subject_id, payload, received_at, setting_id, receipt, who,
                    prev_hash, hash, chain, dated_at, dated_by)
SELECT r->>0, r->>1, (r->>2)::bigint, r->>3, r->>4, (r->>5)::boolean, r->>6, (r->>7)::bigint,
       r->>8, (r->>9)::bigint, (r->10)::json, r->>11, (r->>12)::integer, (r->>13)::bigint, r->>14,
       r->>15, r->>16, r->>17, r->>18, r->>19
FROM jsonb_array_elements(%s::jsonb) AS r
ON CONFLICT (id) DO NOTHING
RETURNING 1)
SELECT (SELECT count(*) FROM new), EXISTS (SELECT 1 FROM events
                                           WHERE kiosk_id = %s AND dated_by = 'received')
"""


@dataclass(frozen=True)
class Inserted:
    accepted: int
    waiting: bool  # the kiosk had events dated by their receipt before this batch


@dataclass(frozen=True)
class Receipts:
    """Where a batch's events go in their setting's feed (none for a kiosk of no setting)."""

    setting_id: int | None
    after: int

    def number(self, index: int) -> int | None:
        return self.after + index + 1 if self.setting_id is not None else None


def _event_row(
    kiosk_id: str,
    event: EventIn,
    received: str,
    receipts: Receipts,
    index: int,
    *,
    chain_state: str,
    dated: Dated,
) -> tuple[Any, ...]:
    """One event's values, in the order of the INSERTs' columns."""
    subject = event.subject
    return (
        event.id,
        kiosk_id,
        event.seq,
        event.kind,
        stored_text(event.occurred_at),
        event.clock_synced,
        event.boot_id,
        event.mono_ns,
        subject.type if subject else None,
        subject.id if subject else None,
        event.payload,
        received,
        receipts.setting_id,
        receipts.number(index),
        doors.who_of(kiosk_id, subject),
        event.prev_hash,
        event.hash,
        chain_state,
        dated.at,
        dated.by,
    )


def _insert_events(session: Session, kiosk_id: str, rows: list[tuple[Any, ...]]) -> Inserted:
    """Insert the events not stored yet: how many were new, and whether the kiosk had events
    waiting to be dated before."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        new, waiting = conn.exec_driver_sql(_PG_INSERT, (json.dumps(rows), kiosk_id)).one()
        return Inserted(int(new), bool(waiting))
    waiting = dating.any_waiting(conn, kiosk_id)  # in-process: no round trip to save
    params = [(*row[:10], json.dumps(row[10]), *row[11:]) for row in rows]
    return Inserted(int(conn.exec_driver_sql(_SQLITE_INSERT, params).rowcount), waiting)


def _subject_rows(kiosk_id: str, events: list[EventIn], when: str) -> list[dict[str, Any]]:
    latest: dict[tuple[str, int], SubjectIn] = {}
    for event in events:  # the newest mention of a person wins within a batch
        if event.subject is not None:
            latest[(event.subject.type, event.subject.id)] = event.subject
    # A fixed order, so that two pushes naming the same people cannot deadlock.
    return [
        {**latest[key].model_dump(), "kiosk_id": kiosk_id, "updated_at": when}
        for key in sorted(latest)
    ]


def _upsert_subjects(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = insert_for(session)(Subject.__table__)
    new = stmt.excluded
    erased = Subject.erased | new.erased
    # Once erased, a name never comes back, whatever order pushes arrive in.
    keep = {
        col: case((erased, None), else_=getattr(new, col))
        for col in ("name", "organisation", "visiting")
    }
    stmt = stmt.on_conflict_do_update(
        index_elements=["kiosk_id", "type", "id"],
        set_={**keep, "role": new.role, "visitor_type": new.visitor_type, "erased": erased,
              "updated_at": new.updated_at, "uuid": func.coalesce(new.uuid, Subject.uuid)},
    )  # fmt: skip
    session.connection().execute(stmt, rows)


def _previous(session: Session, kiosk_id: str, key: str, digest: str) -> Stored | None:
    seen = session.get(IdempotencyKey, (kiosk_id, key))
    if seen is None:
        return None
    if seen.body_sha256 != digest:
        raise KeyReused(f"Idempotency-Key {key!r} was already used for a different batch")
    return Stored(seen.accepted, seen.duplicates, replayed=True)


def store_batch(
    engine: Engine, kiosk_id: str, key: str, digest: str, events: list[EventIn]
) -> Stored:
    """Store a validated batch in one transaction; the answer the kiosk gets."""
    when = now_text()
    with Session(engine) as session, session.begin():
        previous = _previous(session, kiosk_id, key, digest)
        if previous is not None:
            return previous
        # The setting first, then the kiosk: one setting's pushes take turns (its feed numbers
        # then grow in commit order), and no two pushes can lock in opposite orders.
        receipts = _receipts(session, kiosk_id)
        state, made = sitestate.lock(session, kiosk_id)
        rekey.first_roster(session, kiosk_id, events)  # before its events: they are renumbered
        judged = chain.check_batch(session, kiosk_id, events)
        anchors = dating.batch_anchors(events)
        rows = [
            _event_row(kiosk_id, e, when, receipts, i,
                       chain_state=judged.get(e.id, chain.UNCHAINED),
                       dated=dating.dated(e, anchors.get(e.id), when))
            for i, e in enumerate(events)
        ]  # fmt: skip
        inserted = _insert_events(session, kiosk_id, rows)
        accepted = inserted.accepted
        if inserted.waiting or any(row[-1] == dating.RECEIVED for row in rows):
            # Rows dated by their receipt whose boot this batch (or an earlier one) anchors.
            boots = dating.boots_to_refine(events, anchors)
            dating.refine(session.connection(), kiosk_id, boots)
        erase_staff_copies(session, kiosk_id, events)  # before the old names are overwritten
        _upsert_subjects(session, _subject_rows(kiosk_id, events, when))
        staff = [e.subject.id for e in events if e.subject and e.subject.type == "staff"]
        link_staff(session, kiosk_id, staff)
        sitestate.advance(session, state, made, accepted)
        if receipts.setting_id is not None and accepted:
            doors.set_receipt(session, receipts.setting_id, receipts.after + len(events))
            doors.refold(session, receipts.setting_id, _touched(kiosk_id, events))
        evacuations.fold_batch(session, kiosk_id, events)
        result = Stored(accepted, len(events) - accepted)
        key_row = {"kiosk_id": kiosk_id, "key": key, "body_sha256": digest,
                   "accepted": result.accepted, "duplicates": result.duplicates,
                   "created_at": when}  # fmt: skip
        session.execute(
            insert_for(session)(IdempotencyKey).values(key_row).on_conflict_do_nothing()
        )
        return result


def _receipts(session: Session, kiosk_id: str) -> Receipts:
    setting_id = setting_of(session, kiosk_id)
    if setting_id is None:
        return Receipts(None, 0)
    return Receipts(setting_id, doors.lock_setting(session, setting_id))


def _touched(kiosk_id: str, events: list[EventIn]) -> dict[str, str]:
    """who -> the earliest time among the batch's events that change who is on site."""
    touched: dict[str, str] = {}
    for event in events:
        who = doors.who_of(kiosk_id, event.subject)
        if who is None or event.kind not in doors.STATE_KINDS:
            continue
        at = stored_text(event.occurred_at)
        touched[who] = min(at, touched.get(who, at))
    return touched


def store_report(engine: Engine, kiosk_id: str, report: KioskStatusIn) -> None:
    """Record a kiosk's own figures, and blank the names of visitors it has erased."""
    when = now_text()
    dead = [d.model_dump() for d in report.dead_events]
    row = {"kiosk_id": kiosk_id, "pending": report.pending, "dead": report.dead,
           "dead_events": dead, "reported_at": when}  # fmt: skip
    with Session(engine) as session, session.begin():
        stmt = insert_for(session)(KioskReport).values(row)
        fresh = {
            col: stmt.excluded[col] for col in ("pending", "dead", "dead_events", "reported_at")
        }
        session.execute(stmt.on_conflict_do_update(index_elements=["kiosk_id"], set_=fresh))
        if report.erased_visitors:
            session.execute(
                update(Subject)
                .where(Subject.kiosk_id == kiosk_id, Subject.type == "visitor")
                .where(Subject.id.in_(report.erased_visitors))
                .values(name=None, organisation=None, visiting=None, erased=True, updated_at=when)
            )


def count_events(engine: Engine, kiosk_id: str | None = None) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(RecordEvent)
        if kiosk_id is not None:
            query = query.where(RecordEvent.kiosk_id == kiosk_id)
        return int(session.scalar(query) or 0)
