"""The records service checks each kiosk's hash chain as it arrives, over real HTTP on SQLite and
PostgreSQL: a real kiosk's pushes are all `ok`; an event edited on the kiosk before it was pushed
is stored and marked `altered` at its seq; a forged link is `broken`; a missing event leaves a
`gap` that turns `ok` when the event arrives late; an older kiosk's events are `unchained`.
Nothing is refused, so no kiosk retries for ever."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.chain import GENESIS, Link, event_hash
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.server.models import RecordEvent
from tests.conftest import BEN_UID, staff_id
from tests.sync.console import event, push
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running


def chain_states(records: Running, kiosk: str) -> dict[int, tuple[str, str]]:
    with Session(records.engine) as s:
        rows = s.execute(
            select(RecordEvent.seq, RecordEvent.kind, RecordEvent.chain)
            .where(RecordEvent.kiosk_id == kiosk)
            .order_by(RecordEvent.seq)
        )
        return {seq: (kind, chain) for seq, kind, chain in rows}


def push_all(records: Running, app: Any, kiosk: str) -> None:
    settings = PushSettings(url=records.url, kiosk_id=kiosk, token=records.token(kiosk),
                            backoff=Backoff(0.01, 0.05))  # fmt: skip
    pusher = Pusher(app.store, settings)
    assert pusher.push().finished
    pusher.close()


def test_a_real_kiosks_chain_arrives_intact(records: Running, tmp_path: Path) -> None:
    app = make_kiosk(tmp_path, "door-1")
    app.kiosk.tap(BEN_UID)
    app.kiosk.start_shift(staff_id(app, "Ben"), ["phone"], locker="2")
    push_all(records, app, "door-1")
    app.kiosk.end_shift(staff_id(app, "Ben"))  # the next push continues from the last one
    push_all(records, app, "door-1")
    app.close()
    states = chain_states(records, "door-1")
    assert len(states) > 5 and {chain for _, chain in states.values()} == {"ok"}


def test_an_event_edited_before_its_push_is_marked_at_its_seq(
    records: Running, tmp_path: Path
) -> None:
    app = make_kiosk(tmp_path, "door-1")
    ben = staff_id(app, "Ben")
    shift = app.kiosk.start_shift(ben, ["phone"], locker="2")
    app.kiosk.end_shift(ben)
    with sqlite3.connect(app.config.database_path) as db:
        db.execute("UPDATE events SET payload = json_set(payload, '$.locker', '9') WHERE seq = ?",
                   (shift.seq,))  # fmt: skip
    push_all(records, app, "door-1")  # accepted, so the kiosk has nothing left to retry
    assert app.kiosk.roll_call.status()["sync"]["pending"] == 0
    app.close()
    states = chain_states(records, "door-1")
    assert states[shift.seq] == ("shift.start", "altered")
    assert [s for s, (_, chain) in states.items() if chain != "ok"] == [shift.seq]


def chained(kiosk: str, events: list[dict[str, Any]], prev: str = GENESIS) -> list[dict[str, Any]]:
    """The test events with the hashes a kiosk would send."""
    for e in events:
        subject = e.get("subject") or {}
        link = Link(kiosk, e["seq"], e["id"], e["kind"], datetime.fromisoformat(e["occurred_at"]),
                    e["clock_synced"], e["boot_id"], e["mono_ns"],
                    subject.get("id") if subject.get("type") == "staff" else None, None,
                    e["payload"])  # fmt: skip
        e["prev_hash"], e["hash"] = prev, event_hash(link, prev)
        prev = e["hash"]
    return events


def renumbered(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for n, e in enumerate(events, 1):
        e["seq"] = n
    return events


def test_a_gap_is_shown_until_the_late_event_fills_it(records: Running) -> None:
    one, two, three = chained("k1", renumbered([event("badge.unknown", uid="AB") for _ in "123"]))
    assert push(records, "k1", [one, three]).status_code == 200
    assert [c for _, c in chain_states(records, "k1").values()] == ["ok", "gap"]
    assert push(records, "k1", [two]).status_code == 200  # e.g. a dead letter, requeued
    assert [c for _, c in chain_states(records, "k1").values()] == ["ok", "ok", "ok"]


def test_a_forged_link_is_broken_and_a_late_fill_that_does_not_fit_too(records: Running) -> None:
    one, two, three = chained("k1", renumbered([event("badge.unknown", uid="AB") for _ in "123"]))
    forged = chained("k1", [dict(two, id=str(uuid.uuid4()))], prev="1" * 64)[0]
    assert push(records, "k1", [one, three]).status_code == 200
    assert push(records, "k1", [forged]).status_code == 200
    assert [c for _, c in chain_states(records, "k1").values()] == ["ok", "broken", "broken"]


def test_an_older_kiosks_events_are_unchained_and_accepted(records: Running) -> None:
    answer = push(records, "k1", renumbered([event("shift.start"), event("shift.end")]))
    assert answer.json() == {"accepted": 2, "duplicates": 0}
    assert [c for _, c in chain_states(records, "k1").values()] == ["unchained", "unchained"]


def test_an_event_saying_the_kiosk_rehashed_from_the_held_head_continues_the_chain(
    records: Running,
) -> None:
    one, two = chained("k1", renumbered([event("badge.unknown", uid="AB") for _ in "12"]))
    assert push(records, "k1", [one, two]).status_code == 200
    # The kiosk rewrote its rows on purpose and re-hashed them: its new head is not the held one.
    said = event("roster.applied", rehashed_from=two["hash"])
    said["seq"] = 3
    (said,) = chained("k1", [said], prev="2" * 64)
    lying = event("roster.applied", rehashed_from="3" * 64)
    lying["seq"] = 3
    (lying,) = chained("k1", [lying], prev="2" * 64)
    assert push(records, "k1", [said, lying]).status_code == 200
    with Session(records.engine) as s:
        got = dict(s.execute(select(RecordEvent.id, RecordEvent.chain)
                             .where(RecordEvent.seq == 3)).all())  # fmt: skip
    assert got == {said["id"]: "ok", lying["id"]: "broken"}
