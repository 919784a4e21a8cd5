"""Storing a pushed batch exactly once: events keyed by id with INSERT … ON CONFLICT DO NOTHING,
names upserted into `subjects`, and the batch's Idempotency-Key recorded in the same transaction.

A replayed key returns the first answer; a key reused for a different body is refused. Because the
key, the events and the names commit together, a response lost after the commit is answered the
same on retry, and a concurrent duplicate push (same or other key) adds nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kiosk.sync.server.models import IdempotencyKey, KioskReport, RecordEvent, Subject
from kiosk.sync.server.schema import EventIn, KioskStatusIn


class KeyReused(ValueError):
    """The Idempotency-Key was used before for a different batch."""


@dataclass(frozen=True)
class Stored:
    accepted: int
    duplicates: int
    replayed: bool = False


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _insert(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    name = session.get_bind().dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert


def _event_row(kiosk_id: str, event: EventIn, received: str) -> dict[str, Any]:
    subject = event.subject
    return {
        "id": event.id,
        "kiosk_id": kiosk_id,
        "seq": event.seq,
        "kind": event.kind,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "clock_synced": event.clock_synced,
        "boot_id": event.boot_id,
        "mono_ns": event.mono_ns,
        "subject_type": subject.type if subject else None,
        "subject_id": subject.id if subject else None,
        "payload": event.payload,
        "received_at": received,
    }


def _subject_rows(kiosk_id: str, events: list[EventIn], when: str) -> list[dict[str, Any]]:
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    for event in events:  # the newest mention of a person wins within a batch
        if event.subject is not None:
            row = event.subject.model_dump()
            latest[(row["type"], row["id"])] = {**row, "kiosk_id": kiosk_id, "updated_at": when}
    return [latest[key] for key in sorted(latest)]  # a fixed order: no deadlock between pushes


def _upsert_subjects(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = _insert(session)(Subject.__table__)
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
              "updated_at": new.updated_at},
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
        rows = [_event_row(kiosk_id, e, when) for e in events]
        # One statement compiled once (cached) and sent as executemany, which SQLAlchemy turns
        # into multi-row INSERTs with RETURNING: only the rows actually inserted come back.
        table = RecordEvent.__table__
        stmt = _insert(session)(table).on_conflict_do_nothing(index_elements=["id"])
        inserted = session.connection().execute(stmt.returning(table.c.id), rows)
        accepted = len(inserted.all())
        _upsert_subjects(session, _subject_rows(kiosk_id, events, when))
        result = Stored(accepted, len(events) - accepted)
        key_row = {"kiosk_id": kiosk_id, "key": key, "body_sha256": digest,
                   "accepted": result.accepted, "duplicates": result.duplicates,
                   "created_at": when}  # fmt: skip
        session.execute(_insert(session)(IdempotencyKey).values(key_row).on_conflict_do_nothing())
        return result


def store_report(engine: Engine, kiosk_id: str, report: KioskStatusIn) -> None:
    """Record a kiosk's own figures, and blank the names of visitors it has erased."""
    when = now_text()
    dead = [d.model_dump() for d in report.dead_events]
    row = {"kiosk_id": kiosk_id, "pending": report.pending, "dead": report.dead,
           "dead_events": dead, "reported_at": when}  # fmt: skip
    with Session(engine) as session, session.begin():
        stmt = _insert(session)(KioskReport).values(row)
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
    from sqlalchemy import func

    with Session(engine) as session:
        query = select(func.count()).select_from(RecordEvent)
        if kiosk_id is not None:
            query = query.where(RecordEvent.kiosk_id == kiosk_id)
        return int(session.scalar(query) or 0)
