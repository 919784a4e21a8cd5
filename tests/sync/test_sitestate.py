"""The on-site state kept at ingest is exactly the old page's fold of every stored event, on SQLite
and PostgreSQL, whatever order the events arrive in: batches out of seq order, events pushed twice,
visitors erased, old events removed by retention, and events the rules refuse."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from kiosk.domain.state import SiteState
from kiosk.sync.server import db, queries, sitestate
from kiosk.sync.server.ingest import body_digest, store_batch, store_report
from kiosk.sync.server.retention import Retention, prune
from kiosk.sync.server.schema import EventIn, KioskStatusIn

_kiosks = itertools.count(1)
START = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
DEVICES = ["phone", "watch"]


def _payload(kind: str, draw: st.DrawFn) -> dict[str, Any]:
    if kind == "shift.start":
        devices = draw(st.lists(st.sampled_from(DEVICES), unique=True))
        return {"locker": draw(st.sampled_from(["1", "2", None])), "devices": devices}
    if kind == "device.out":
        # "nap" is no reason: the rules refuse it, and the page has always failed on it.
        reason = draw(st.sampled_from(["emergency", "outing", "emergency", "outing", "nap"]))
        back = draw(st.sampled_from([None, "2026-11-30T15:00:00+01:00", "2026-11-30T16:00:00"]))
        approver = draw(st.sampled_from([None, 1, 2]))
        device = draw(st.sampled_from(DEVICES))
        return {"device": device, "reason": reason, "approver_id": approver,
                "expected_return": back}  # fmt: skip
    if kind == "device.in":
        return {"device": draw(st.sampled_from(DEVICES))}
    if kind == "visitor.in":
        return {"visitor_type": "contractor", "lone_working": draw(st.booleans())}
    return {}


@st.composite
def _event(draw: st.DrawFn, seq: int) -> EventIn:
    kind = draw(st.sampled_from(["shift.start", "shift.end", "device.out", "device.in",
                                 "visitor.in", "visitor.out", "badge.unknown"]))  # fmt: skip
    kind_of = "visitor" if kind.startswith("visitor") else "staff"
    ident = draw(st.integers(1, 3))
    subject = {"type": kind_of, "id": ident, "name": f"{kind_of} {ident}"}
    return EventIn.model_validate({
        "id": str(uuid.UUID(int=draw(st.integers(0, 2**120)))), "seq": seq, "kind": kind,
        "occurred_at": (START + timedelta(minutes=seq)).isoformat(), "clock_synced": True,
        "boot_id": "boot", "mono_ns": seq, "payload": _payload(kind, draw),
        "subject": None if kind == "badge.unknown" else subject,
    })  # fmt: skip


@st.composite
def _arrivals(draw: st.DrawFn) -> tuple[list[list[EventIn]], set[int], bool]:
    """Batches as they arrive (shuffled, some events twice), the seqs later made old, and
    whether a visitor is erased between pushes."""
    count = draw(st.integers(1, 30))
    events = [draw(_event(seq)) for seq in range(1, count + 1)]
    order = draw(st.permutations(events))
    order += draw(st.lists(st.sampled_from(events), max_size=5))  # pushed again
    cuts = sorted(draw(st.lists(st.integers(1, len(order)), max_size=6)))
    batches = [order[a:b] for a, b in itertools.pairwise([0, *cuts, len(order)]) if a < b]
    old = set(draw(st.lists(st.integers(1, count), max_size=5)))
    return batches, old, draw(st.booleans())


def _fold_or_error(engine: Engine, kiosk: str) -> SiteState | str:
    try:
        return queries.site_state(engine, kiosk)
    except Exception as error:  # the old page's answer for events the rules refuse
        return type(error).__name__


def _same_as_fold(engine: Engine, kiosk: str) -> None:
    expected = _fold_or_error(engine, kiosk)
    kept = sitestate.current(engine, [kiosk]).get(kiosk)
    if isinstance(expected, str):
        assert kept is None, f"the fold fails ({expected}) but a state was kept"
        return
    assert kept == expected
    # The page lists people in the dicts' order: that must be the same too.
    assert list(kept.staff) == list(expected.staff)
    assert list(kept.visitors) == list(expected.visitors)
    assert [list(p.out) for p in kept.staff.values()] == [
        list(p.out) for p in expected.staff.values()
    ]


def _push(engine: Engine, kiosk: str, batch: list[EventIn]) -> None:
    unique = list({e.id: e for e in batch}.values())  # a batch names an event once
    key = uuid.uuid4().hex
    store_batch(engine, kiosk, key, body_digest(key.encode()), unique)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(arrivals=_arrivals())
def test_kept_state_is_the_fold_of_every_stored_event(
    records_engine: Engine, arrivals: tuple[list[list[EventIn]], set[int], bool]
) -> None:
    db.upgrade(records_engine)
    batches, old, erase = arrivals
    kiosk = f"k{next(_kiosks)}"
    for n, batch in enumerate(batches):
        _push(records_engine, kiosk, batch)
        if erase and n == 0:
            store_report(records_engine, kiosk, KioskStatusIn(pending=0, dead=0,
                                                              erased_visitors=[1, 2]))  # fmt: skip
        _same_as_fold(records_engine, kiosk)
    with records_engine.begin() as conn:  # these arrived long ago: retention removes them
        for seq in sorted(old):
            conn.execute(
                text("UPDATE events SET received_at = '2020-01-01T00:00:00.000000+00:00'"
                     " WHERE kiosk_id = :k AND seq = :s"), {"k": kiosk, "s": seq},
            )  # fmt: skip
    prune(records_engine, Retention())
    _same_as_fold(records_engine, kiosk)


def test_a_kiosk_without_kept_state_is_folded_as_before(records_engine: Engine) -> None:
    """Events stored some other way than a push (no state row): `current` has nothing, so the
    page folds them; the next push makes the row from every stored event."""
    db.upgrade(records_engine)
    start = EventIn.model_validate({
        "id": str(uuid.uuid4()), "seq": 1, "kind": "shift.start",
        "occurred_at": START.isoformat(), "clock_synced": True, "boot_id": "b", "mono_ns": 1,
        "payload": {"locker": "1", "devices": ["phone"]}, "subject": {"type": "staff", "id": 4},
    })  # fmt: skip
    _push(records_engine, "door", [start])
    with records_engine.begin() as conn:
        conn.execute(text("DELETE FROM kiosk_states"))
    assert sitestate.current(records_engine, ["door"]) == {}
    visitor = start.model_copy(update={"id": str(uuid.uuid4()), "seq": 2, "kind": "badge.unknown",
                                       "subject": None, "payload": {}})  # fmt: skip
    _push(records_engine, "door", [visitor])
    kept = sitestate.current(records_engine, ["door"])["door"]
    assert list(kept.staff) == [4] and kept.staff[4].stored == {"phone"}
    _same_as_fold(records_engine, "door")


def _shift(seq: int) -> EventIn:
    """Every eighth seq is one push's, its own staff (so the pushes share no name rows, whose
    locks would make them take turns anyway): a start, then an end, for three of them."""
    staff = 10 * (seq % 8) + (seq // 8) % 3 + 1
    kind = "shift.start" if (seq // 24) % 2 == 0 else "shift.end"
    return EventIn.model_validate({
        "id": str(uuid.uuid4()), "seq": seq, "kind": kind,
        "occurred_at": (START + timedelta(minutes=seq)).isoformat(), "clock_synced": True,
        "boot_id": "b", "mono_ns": seq, "payload": {"devices": ["phone"]},
        "subject": {"type": "staff", "id": staff},
    })  # fmt: skip


def test_pushes_of_one_kiosk_at_once_keep_every_event(records_engine: Engine) -> None:
    """Eight pushes of the same kiosk at the same moment, each of every eighth event: each push
    folds onto what the others committed (they take turns on the kiosk's row), none overwrites
    another's."""
    db.upgrade(records_engine)
    _push(records_engine, "busy", [_shift(1)])  # the kiosk's row exists: the pushes meet on it
    events = [_shift(seq) for seq in range(2, 12 * 8 + 2)]
    barrier = threading.Barrier(8)

    def push(n: int) -> None:
        barrier.wait()
        _push(records_engine, "busy", events[n::8])

    threads = [threading.Thread(target=push, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert queries.site_state(records_engine, "busy").staff  # someone is on shift at the end
    _same_as_fold(records_engine, "busy")


def test_a_push_in_order_folds_only_its_own_events(records_engine: Engine) -> None:
    """What makes the page's cost flat: once a kiosk's row exists, a push in seq order folds its
    own events onto the kept state and reads nothing older. Shown by removing the first event
    behind ingest's back: a push that refolded the history would drop the person it started."""
    db.upgrade(records_engine)
    _push(records_engine, "door", [_shift(1)])  # staff 11 starts
    with records_engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE kiosk_id = 'door'"))
    _push(records_engine, "door", [_shift(2)])  # staff 21 starts
    kept = sitestate.current(records_engine, ["door"])["door"]
    assert sorted(kept.staff) == [11, 21]
