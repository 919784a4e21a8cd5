"""The merged log of several doors and the conflicts two doors cut off from each other make."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.doors import DoorEvent, fold_doors, merged
from kiosk.domain.state import EventFact
from kiosk.domain.types import StaffId, VisitorId

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def at(kiosk: str, seq: int, minute: int, kind: str, **payload: object) -> DoorEvent:
    who = {"visitor_id": VisitorId(7)} if kind.startswith("visitor.") else {"staff_id": StaffId(2)}
    fact = EventFact(kind=kind, occurred_at=T0 + timedelta(minutes=minute), payload=payload,
                     **who)  # type: ignore[arg-type]  # fmt: skip
    return DoorEvent(f"{kiosk}-{seq}", kiosk, seq, fact)


def test_a_shift_started_at_one_door_ends_at_the_other() -> None:
    start = at("front", 1, 0, "shift.start", devices=["phone"])
    state, conflicts = fold_doors([at("garden", 1, 60, "shift.end"), start])
    assert state.staff == {} and conflicts == []


def test_a_kiosk_whose_clock_stepped_back_keeps_its_own_order() -> None:
    events = [at("front", 1, 30, "shift.start", devices=["phone"]),
              at("front", 2, 10, "device.out", device="phone", reason="emergency"),
              at("garden", 1, 20, "visitor.in", visitor_type="visitor")]  # fmt: skip
    order = [e.event_id for e in merged(events)]
    assert order.index("front-1") < order.index("front-2")


CONFLICTS = [
    ([("front", 1, 0, "shift.start"), ("garden", 1, 5, "shift.start")],
     "shift started while already on shift (started at another door?)"),
    ([("front", 1, 0, "shift.start"), ("front", 2, 9, "shift.end"), ("garden", 1, 10, "shift.end")],
     "shift ended but no shift was open (ended at two doors?)"),
    ([("front", 1, 0, "visitor.in"), ("front", 2, 5, "visitor.out"),
      ("garden", 1, 6, "visitor.out")],
     "visitor signed out but was not on site (signed out at two doors?)"),
]  # fmt: skip


@pytest.mark.parametrize(("events", "why"), CONFLICTS)
def test_what_two_doors_cannot_both_have_seen_is_a_conflict(
    events: list[tuple[str, int, int, str]], why: str
) -> None:
    _state, conflicts = fold_doors(at(*e, devices=["phone"]) for e in events)
    assert [c.why for c in conflicts] == [why]
    assert conflicts[0].kiosk_id == events[-1][0]


def test_a_device_out_at_both_doors_is_a_conflict_and_the_later_is_kept() -> None:
    events = [at("front", 1, 0, "shift.start", devices=["phone"]),
              at("front", 2, 5, "device.out", device="phone", reason="emergency"),
              at("garden", 1, 7, "device.out", device="phone", reason="outing")]  # fmt: skip
    state, conflicts = fold_doors(events)
    assert [c.event_id for c in conflicts] == ["garden-1"]
    assert state.staff[StaffId(2)].out["phone"].reason.value == "outing"


KINDS = ["shift.start", "shift.end", "device.out", "device.in", "visitor.in", "visitor.out"]
door_logs = st.lists(
    st.tuples(st.sampled_from(["front", "garden", "hall"]), st.integers(0, 50),
              st.sampled_from(KINDS)),
    max_size=30,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(door_logs, st.randoms(use_true_random=False))
def test_the_merged_log_does_not_depend_on_the_order_events_arrive_in(
    log: list[tuple[str, int, str]], rng: random.Random
) -> None:
    seqs: dict[str, int] = {}
    events = []
    for kiosk, minute, kind in log:
        seqs[kiosk] = seqs.get(kiosk, 0) + 1
        events.append(at(kiosk, seqs[kiosk], minute, kind, devices=["phone"], device="phone",
                         reason="emergency", visitor_type="visitor"))  # fmt: skip
    first = fold_doors(events)
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert fold_doors(shuffled) == first
    order = [e for e in merged(shuffled)]
    for kiosk in seqs:  # each kiosk's own events stay in its seq order
        mine = [e.seq for e in order if e.kiosk_id == kiosk]
        assert mine == sorted(mine)
