"""Retention covers the roll calls the service keeps: a roll call and its marks go when the events
they were folded from go (aged by the service's clock at ingest), and a recent one stays."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from kiosk.sync.server import db
from kiosk.sync.server.ingest import store_batch
from kiosk.sync.server.models import EvacuationMark, EvacuationRow
from kiosk.sync.server.registry import ensure_kiosk
from kiosk.sync.server.retention import Retention, prune
from kiosk.sync.server.schema import EventIn

NOW = datetime.now(UTC)
BEN = {"type": "staff", "id": 2, "name": "Ben Carter", "role": "staff"}


def _event(seq: int, kind: str, **payload: object) -> EventIn:
    return EventIn.model_validate(
        {"id": str(uuid.uuid4()), "seq": seq, "kind": kind, "occurred_at": NOW.isoformat(),
         "clock_synced": True, "boot_id": "b", "mono_ns": seq, "subject": BEN, "payload": payload}
    )  # fmt: skip


def roll_call(engine: Engine, seq: int, evacuation_id: str) -> None:
    roll = [{"type": "staff", "id": 2, "visitor_type": None, "lone_working": False}]
    about = {"evacuation_id": evacuation_id, "kiosk": "k1"}
    events = [
        _event(seq, "evacuation.started", mode="drill", roll=roll, **about),
        _event(seq + 1, "evacuation.marked", marked_by=2, **about),
        _event(seq + 2, "evacuation.ended", **about),
    ]
    key = str(uuid.uuid4())
    store_batch(engine, "k1", key, key, events)


def test_old_roll_calls_go_with_their_events(records_engine: Engine) -> None:
    db.upgrade(records_engine)
    with Session(records_engine) as session, session.begin():
        ensure_kiosk(session, "k1")
    roll_call(records_engine, 1, "old-drill")
    roll_call(records_engine, 4, "new-drill")
    with records_engine.begin() as conn:
        old = (NOW - timedelta(days=401)).isoformat(timespec="microseconds")
        conn.execute(update(EvacuationRow).where(EvacuationRow.id == "old-drill")
                     .values(received_at=old))  # fmt: skip
    with Session(records_engine) as session:
        assert session.scalar(select(func.count()).select_from(EvacuationMark)) == 2
    prune(records_engine, Retention(), now=NOW)
    with Session(records_engine) as session:
        assert list(session.scalars(select(EvacuationRow.id))) == ["new-drill"]
        marks = list(session.scalars(select(EvacuationMark.evacuation_id)))
    assert marks == ["new-drill"]
