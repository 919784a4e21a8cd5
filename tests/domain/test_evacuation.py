"""The roll call's rules: the roll is everyone on site, a mark counts once, someone who signs out
on their way counts as accounted for, an arrival joins the list, and those missing come first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain import evacuation as rules
from kiosk.domain.evacuation import Mode, Status
from kiosk.domain.state import EventFact, fold
from kiosk.domain.types import EventKind, PolicyError, StaffId, VisitorId

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def on_site() -> list[EventFact]:
    return [
        EventFact("shift.start", at(-60), staff_id=StaffId(1), payload={"devices": []}),
        EventFact("shift.start", at(-50), staff_id=StaffId(2), payload={"devices": []}),
        EventFact("visitor.in", at(-10), visitor_id=VisitorId(7),
                  payload={"visitor_type": "contractor", "lone_working": True}),
    ]  # fmt: skip


def started(state_events: list[EventFact]) -> EventFact:
    payload = rules.start_payload("e1", Mode.DRILL, fold(state_events), "door-1", None)
    return EventFact(EventKind.EVACUATION_STARTED, T0, staff_id=StaffId(2), payload=payload)


def marked(minutes: float, **subject: int) -> EventFact:
    ids = {k: StaffId(v) if k == "staff_id" else VisitorId(v) for k, v in subject.items()}
    payload = {"evacuation_id": "e1", "kiosk": "door-1", "marked_by": 2}
    return EventFact(EventKind.EVACUATION_MARKED, at(minutes), payload=payload, **ids)  # type: ignore[arg-type]


def test_the_roll_is_everyone_on_site_with_lone_workers_marked() -> None:
    start = started(on_site())
    assert [e["type"] + str(e["id"]) for e in start.payload["roll"]] == [
        "staff1",
        "staff2",
        "visitor7",
    ]
    evacuation = rules.fold_latest([start])
    assert evacuation is not None and evacuation.open and evacuation.mode is Mode.DRILL
    lines = rules.roll_lines(evacuation, fold(on_site()))
    assert [line.status for line in lines] == [Status.MISSING] * 3
    assert lines[2].entry.lone_working and lines[2].entry.visitor_type == "contractor"
    assert rules.headcount(lines) == (0, 3)


def test_a_second_mark_of_one_person_keeps_the_first() -> None:
    evacuation = rules.fold_latest([started(on_site()), marked(1, staff_id=1),
                                    marked(3, staff_id=1)])  # fmt: skip
    assert evacuation is not None
    assert evacuation.marks[("staff", 1)].at == at(1)
    lines = rules.roll_lines(evacuation, fold(on_site()))
    assert [(line.entry.key, line.status) for line in lines] == [
        (("staff", 2), Status.MISSING), (("visitor", 7), Status.MISSING),
        (("staff", 1), Status.MARKED),
    ]  # fmt: skip


def test_signing_out_counts_and_an_arrival_joins_the_list() -> None:
    evacuation = rules.fold_latest([started(on_site())])
    assert evacuation is not None
    arrival = EventFact("shift.start", at(3), staff_id=StaffId(9), payload={"devices": []})
    later = [*on_site(), EventFact("visitor.out", at(2), visitor_id=VisitorId(7)), arrival]
    lines = {line.entry.key: line.status for line in rules.roll_lines(evacuation, fold(later))}
    assert lines == {("staff", 1): Status.MISSING, ("staff", 2): Status.MISSING,
                     ("visitor", 7): Status.LEFT, ("staff", 9): Status.MISSING}  # fmt: skip


def test_one_roll_call_at_a_time_and_none_to_mark_once_ended() -> None:
    start = started(on_site())
    running = rules.fold_latest([start])
    with pytest.raises(PolicyError, match="already running"):
        rules.start_payload("e2", Mode.REAL, fold(on_site()), "door-1", running)
    end = EventFact(EventKind.EVACUATION_ENDED, at(5), payload={"evacuation_id": "e1"})
    ended = rules.fold_latest([start, end])
    assert ended is not None and not ended.open and ended.ended_at == at(5)
    with pytest.raises(PolicyError, match="no roll call"):
        rules.mark_payload(ended, ("staff", 1), "door-1")
    assert rules.start_payload("e2", Mode.REAL, fold(on_site()), "door-1", ended)["mode"] == "real"


def test_events_of_an_earlier_roll_call_do_not_count_in_the_next() -> None:
    first = started(on_site())
    second = EventFact(EventKind.EVACUATION_STARTED, at(30), staff_id=StaffId(1),
                       payload={**first.payload, "evacuation_id": "e2"})  # fmt: skip
    evacuation = rules.fold_latest([first, second, marked(31, staff_id=1)])
    assert evacuation is not None and evacuation.evacuation_id == "e2"
    assert evacuation.marks == {}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["mark", "out"]), st.sampled_from([1, 2, 7])),
                max_size=12))  # fmt: skip
def test_whatever_happens_each_person_is_listed_once_and_counted_once(
    steps: list[tuple[str, int]],
) -> None:
    events = on_site()
    log = [started(events)]
    for n, (what, ident) in enumerate(steps, 1):
        subject = {"visitor_id": ident} if ident == 7 else {"staff_id": ident}
        if what == "mark":
            log.append(marked(n, **subject))
        else:
            kind = "visitor.out" if ident == 7 else "shift.end"
            events.append(EventFact(kind, at(n), **subject))  # type: ignore[arg-type]
    evacuation = rules.fold_latest(log)
    assert evacuation is not None
    lines = rules.roll_lines(evacuation, fold(events))
    keys = [line.entry.key for line in lines]
    assert sorted(keys) == [("staff", 1), ("staff", 2), ("visitor", 7)]
    accounted, total = rules.headcount(lines)
    done = {("visitor", i) if i == 7 else ("staff", i) for _w, i in steps}
    assert total == 3 and accounted == len(done)
    missing = [line for line in lines if not line.accounted]
    assert lines[: len(missing)] == missing  # those not yet accounted for come first
