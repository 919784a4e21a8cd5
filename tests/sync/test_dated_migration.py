"""r0006_dated dates every stored event (SQLite and PostgreSQL): an r0005_policy database's
synchronised events by their own time, the ones stamped by an unset clock by their boot's later
synchronised event where one is stored, else by their receipt; and a push after the upgrade
dates what was left waiting."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, text

from kiosk.sync.server import db
from kiosk.sync.server.ingest import body_digest, store_batch
from kiosk.sync.server.schema import EventIn

EVENT = text(
    "INSERT INTO events (id, kiosk_id, seq, kind, occurred_at, clock_synced, boot_id, mono_ns,"
    " subject_type, subject_id, payload, received_at) VALUES (:id, :kiosk, :seq, 'badge.unknown',"
    " :at, :synced, :boot, :mono, NULL, NULL, '{}', :received)"
)
RECEIVED = "2026-11-20T12:00:00.000000+00:00"
UNSET = "1970-01-01T00:00:05.000000+00:00"
# kiosk, seq, stamped, synced, boot, mono_ns
STORED = [
    ("door-a", 1, "2026-11-20T08:00:00.000000+00:00", True, "b1", 10**9),
    ("door-a", 2, UNSET, False, "b2", 5 * 10**9),  # its boot's clock was set 2.5 s later
    ("door-a", 3, UNSET, False, "b2", 6 * 10**9),
    ("door-a", 4, "2026-11-20T09:00:00.000000+00:00", True, "b2", 7_500_000_000),
    ("door-a", 5, UNSET, False, "b3", 10**9),  # never set during its boot
    ("door-a", 6, "2026-11-20T10:00:00.000000+00:00", True, "b4", 10**9),
    ("door-b", 1, UNSET, False, "b2", 10**9),  # another kiosk: door-a's b2 does not date it
]


def _ident(kiosk: str, seq: int) -> str:
    return str(uuid.UUID(int=(ord(kiosk[-1]) << 64) + seq))


def _dated(engine: Engine) -> dict[tuple[str, int], tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kiosk_id, seq, dated_at, dated_by FROM events"))
        return {(r.kiosk_id, r.seq): (r.dated_at, r.dated_by) for r in rows}


def _upgraded(records_engine: Engine) -> None:
    """An r0005_policy database holding STORED, upgraded."""
    db.upgrade(records_engine, "r0005_policy")
    with records_engine.begin() as conn:
        conn.execute(EVENT, [
            {"id": _ident(k, seq), "kiosk": k, "seq": seq, "at": at, "synced": synced,
             "boot": boot, "mono": mono, "received": RECEIVED}
            for k, seq, at, synced, boot, mono in STORED
        ])  # fmt: skip
    db.upgrade(records_engine)
    db.check_current(records_engine)


def test_an_r0005_policy_database_is_dated_by_the_rule(records_engine: Engine) -> None:
    _upgraded(records_engine)
    assert _dated(records_engine) == {
        ("door-a", 1): ("2026-11-20T08:00:00.000000+00:00", "clock"),
        ("door-a", 2): ("2026-11-20T08:59:57.500000+00:00", "boot"),
        ("door-a", 3): ("2026-11-20T08:59:58.500000+00:00", "boot"),
        ("door-a", 4): ("2026-11-20T09:00:00.000000+00:00", "clock"),
        ("door-a", 5): (RECEIVED, "received"),
        ("door-a", 6): ("2026-11-20T10:00:00.000000+00:00", "clock"),
        ("door-b", 1): (RECEIVED, "received"),
    }


def _pushed(kiosk: str, seq: int, boot: str, mono_ns: int, at: str) -> EventIn:
    return EventIn.model_validate({"id": _ident(kiosk, seq), "seq": seq, "kind": "badge.unknown",
                                   "occurred_at": at, "clock_synced": True, "boot_id": boot,
                                   "mono_ns": mono_ns, "payload": {}})  # fmt: skip


def test_a_push_after_the_upgrade_dates_what_was_waiting(records_engine: Engine) -> None:
    _upgraded(records_engine)
    anchor = _pushed("door-b", 2, "b2", 3 * 10**9, "2026-11-21T07:00:00+00:00")
    store_batch(records_engine, "door-b", "k1", body_digest(b"k1"), [anchor])
    dated = _dated(records_engine)
    assert dated[("door-b", 1)] == ("2026-11-21T06:59:58.000000+00:00", "boot")
    assert dated[("door-a", 5)] == (RECEIVED, "received")  # its boot has no anchor still
