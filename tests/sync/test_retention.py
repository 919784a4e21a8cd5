"""The records service's own retention, on SQLite and PostgreSQL: ages counted from when the
service received each record (its own clock), visitors erased per kiosk, nothing else touched."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from kiosk.cli import main
from kiosk.sync.server import db
from kiosk.sync.server.ingest import store_batch
from kiosk.sync.server.managers import start_session
from kiosk.sync.server.models import IdempotencyKey, RecordEvent, Subject, WebSession
from kiosk.sync.server.registry import ensure_kiosk, setting_of
from kiosk.sync.server.retention import Pruned, Retention, prune
from kiosk.sync.server.schema import EventIn
from kiosk.sync.server.tenancy import Setting
from tests.sync.server import serve

NOW = datetime.now(UTC)  # web sessions are started on the real clock


def _ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat(timespec="microseconds")


def _event(kind: str, subject: dict[str, object] | None, occurred: str) -> EventIn:
    return EventIn.model_validate(
        {"id": str(uuid.uuid4()), "seq": 1, "kind": kind, "occurred_at": occurred,
         "clock_synced": True, "boot_id": "b", "mono_ns": 0, "subject": subject}
    )  # fmt: skip


def _push(engine: Engine, kiosk: str, received_days_ago: float, *events: EventIn) -> None:
    """Store as the service would, then move `received_at` (and the batch's key) into the past."""
    key = f"k-{uuid.uuid4()}"
    store_batch(engine, kiosk, key, key, list(events))
    with engine.begin() as conn:
        conn.execute(
            update(RecordEvent)
            .where(RecordEvent.id.in_([e.id for e in events]))
            .values(received_at=_ago(received_days_ago))
        )
        conn.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == key)
            .values(created_at=_ago(received_days_ago))
        )


def visitor(vid: int, name: str) -> dict[str, object]:
    return {"type": "visitor", "id": vid, "name": name, "organisation": "Sparks Ltd"}


STAFF = {"type": "staff", "id": 2, "name": "Ben Carter", "role": "staff"}


@pytest.fixture
def engine(records_engine: Engine) -> Engine:
    db.upgrade(records_engine)
    e = records_engine
    now = NOW.isoformat()
    _push(e, "k1", 40, _event("visitor.in", visitor(7, "Old Visitor"), now))
    _push(e, "k1", 40, _event("visitor.in", visitor(8, "Back Again"), now))
    _push(e, "k1", 2, _event("visitor.out", visitor(8, "Back Again"), now))
    _push(e, "k1", 40, _event("visitor.in", visitor(9, "Same Id Kiosk One"), now))
    _push(e, "k2", 1, _event("visitor.in", visitor(9, "Same Id Kiosk Two"), now))
    _push(e, "k1", 31, _event("badge.unknown", None, now))
    _push(e, "k1", 5, _event("badge.unknown", None, now))
    _push(e, "k1", 401, _event("shift.start", STAFF, now))
    _push(e, "k1", 399, _event("shift.end", STAFF, now))
    # A Pi that booted without the time: stamped 1970, but received today, so it stays.
    _push(e, "k1", 0, _event("shift.start", STAFF, "1970-01-01T00:00:10+00:00"))
    start_session(e, "amara")
    start_session(e, "amara")
    with e.begin() as conn:  # one of the two sessions has expired
        first = conn.scalars(select(WebSession.id_sha256)).first()
        conn.execute(
            update(WebSession).where(WebSession.id_sha256 == first).values(expires_at=_ago(1))
        )
    return e


def test_prune_applies_each_limit_once(engine: Engine) -> None:
    pruned = prune(engine, Retention(), now=NOW)
    assert pruned == Pruned(
        visitors_erased=2, unknown_badge_events=1, old_events=1, idempotency_keys=6,
        web_sessions=1,
    )  # fmt: skip
    with Session(engine) as session:
        names = {
            (s.kiosk_id, s.id): s.name
            for s in session.scalars(select(Subject).where(Subject.type == "visitor"))
        }
        kinds = sorted(session.scalars(select(RecordEvent.kind)))
        sessions = session.scalar(text("SELECT count(*) FROM web_sessions"))
    assert names == {
        ("k1", 7): None,  # nothing heard of them for 40 days
        ("k1", 8): "Back Again",  # signed out two days ago
        ("k1", 9): None,  # kiosk one's visitor 9 is old ...
        ("k2", 9): "Same Id Kiosk Two",  # ... kiosk two's is someone else, and recent
    }
    assert kinds == [
        "badge.unknown", "shift.end", "shift.start",
        "visitor.in", "visitor.in", "visitor.in", "visitor.in", "visitor.out",
    ]  # fmt: skip
    assert sessions == 1
    assert prune(engine, Retention(), now=NOW) == Pruned(0, 0, 0, 0, 0)


def test_a_setting_with_shorter_periods_is_pruned_sooner(engine: Engine) -> None:
    """k1's setting keeps visitors 3 days, unknown badges 3 days and events 30: its records go
    sooner than the service's own periods; k2's setting keeps the defaults."""
    with Session(engine) as session, session.begin():
        for kiosk in ("k1", "k2"):
            ensure_kiosk(session, kiosk)
        session.execute(
            update(Setting)
            .where(Setting.id == setting_of(session, "k1"))
            .values(visitor_days=3, unknown_badge_days=3, events_days=30)
        )
    pruned = prune(engine, Retention(), now=NOW)
    assert (pruned.visitors_erased, pruned.unknown_badge_events, pruned.old_events) == (2, 2, 1 + 4)
    with Session(engine) as session:
        names = {(s.kiosk_id, s.id): s.name for s in session.scalars(select(Subject))}
        left = sorted(session.execute(select(RecordEvent.kiosk_id, RecordEvent.kind)).all())
    assert names[("k1", 8)] == "Back Again" and names[("k2", 9)] == "Same Id Kiosk Two"
    # k1 keeps only what arrived in the last 30 days: the 1970-stamped shift and the sign-out.
    assert left == [("k1", "shift.start"), ("k1", "visitor.out"), ("k2", "visitor.in")]


def test_the_command_applies_the_periods_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    _push(engine, "k1", 3, _event("badge.unknown", None, NOW.isoformat()))
    assert main(["records", "prune", "--db", url]) == 0
    assert "unknown-badge events removed: 0" in capsys.readouterr().out
    assert main(["records", "prune", "--db", url, "--unknown-badge-days", "2"]) == 0
    assert "unknown-badge events removed: 1" in capsys.readouterr().out
    assert main(["records", "prune", "--db", url, "--events-days", "0"]) == 1
    assert "at least 1" in capsys.readouterr().err
    engine.dispose()


def test_the_running_service_applies_retention_when_it_starts(engine: Engine) -> None:
    running = serve(engine, lifespan=True)
    try:
        deadline = time.monotonic() + 10
        while _count(engine, "idempotency_keys") > 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        running.stop()
    # The six keys older than 30 days went; the four newer ones stay.
    assert _count(engine, "idempotency_keys") == 4
    assert _count(engine, "web_sessions") == 1


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
