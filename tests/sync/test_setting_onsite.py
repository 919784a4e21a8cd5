"""The setting's On-site state on the records service folds every door's events (issue 11), on
SQLite and PostgreSQL: a shift started at one door and ended at the other is not on site, and the
state and the conflicts are the same whichever door's events arrive first."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session

from kiosk.sync.server import doors
from kiosk.sync.server.registry import register_kiosk
from tests.sync.console import Org, make_org, push, staff
from tests.sync.server import Running


@pytest.fixture
def org(records: Running) -> Org:
    found = make_org(records)
    with Session(records.engine) as session, session.begin():
        register_kiosk(session, found.a, "a-garden")
        register_kiosk(session, found.b, "b-garden")
    return found


def at(seq: int, minute: int, kind: str, subject: dict[str, Any], **payload: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "seq": seq, "kind": kind, "clock_synced": True,
            "occurred_at": f"2026-11-24T{8 + minute // 60:02d}:{minute % 60:02d}:00+00:00",
            "boot_id": "boot", "mono_ns": seq, "payload": payload,
            "subject": subject}  # fmt: skip


def day(visit: str) -> dict[str, list[dict[str, Any]]]:
    """Both doors' logs of a day with the front door's link down in the middle of it."""
    ben, chloe = staff(2, "Ben Carter"), staff(3, "Chloé Dubois")
    sam = {"type": "visitor", "id": 1, "uuid": visit, "name": "Sam Lee", "visitor_type": "parent"}
    garden_sam = {**sam, "id": 9}  # the same visit, under the garden's own id
    front = [at(1, 0, "shift.start", ben, devices=["phone"], locker="2"),
             at(2, 1, "shift.start", chloe, devices=["phone"], locker="3"),
             at(3, 2, "visitor.in", sam, visitor_type="parent", lone_working=False),
             at(4, 30, "device.out", chloe, device="phone", reason="emergency")]  # fmt: skip
    garden = [at(1, 20, "shift.start", chloe, devices=["tablet"], locker="4"),
              at(2, 40, "device.out", chloe, device="phone", reason="emergency"),
              at(3, 50, "shift.end", ben),
              at(4, 55, "visitor.out", garden_sam)]  # fmt: skip
    return {"door": front, "garden": garden}


def summary(records: Running, setting_id: int) -> tuple[Any, ...]:
    with Session(records.engine) as session:
        state = doors.on_site(session, setting_id)
        clashes = doors.conflicts(session, setting_id)
    people = sorted((kiosk[2:], sid, p.locker, sorted(p.stored), sorted(p.out))
                    for kiosk, s in state.items() for sid, p in s.staff.items())  # fmt: skip
    visitors = sorted(kiosk[2:] for kiosk, s in state.items() for _ in s.visitors)
    found = sorted((c.kiosk_id[2:], c.kind, c.why) for c in clashes)
    return people, visitors, found


def test_the_state_and_conflicts_do_not_depend_on_which_door_arrives_first(
    records: Running, org: Org
) -> None:
    a_day, b_day = day(str(uuid.uuid4())), day(str(uuid.uuid4()))
    for door in ("door", "garden"):  # setting A: the front door's events first
        assert push(records, f"a-{door}", a_day[door]).ok
    for door in ("garden", "door"):  # setting B: the garden's first (the front reconnects late)
        for event in b_day[door]:  # one at a time, as a trickle over a bad link would
            assert push(records, f"b-{door}", [event]).ok
    a_summary = summary(records, org.a)
    assert a_summary == summary(records, org.b)
    people, visitors, found = a_summary
    # Ben ended at the garden; Chloé's later start (garden) wins; Sam signed out at the garden.
    assert people == [("garden", 3, "4", ["tablet"], ["phone"])]
    assert visitors == []
    assert found == [
        ("garden", "device.out", "phone taken out while already out"),
        (
            "garden",
            "shift.start",
            "shift started while already on shift (started at another door?)",
        ),
    ]


def test_an_event_the_rules_refuse_is_stored_and_changes_nothing(
    records: Running, org: Org
) -> None:
    """A kiosk of another version could send a visit about a member of staff: stored as sent (a
    push the service would refuse for ever would hold up the kiosk), the kept state untouched."""
    ben = staff(2, "Ben Carter")
    assert push(records, "a-door", [at(1, 0, "shift.start", ben, devices=[], locker=None)]).ok
    odd = at(2, 5, "visitor.in", ben, visitor_type="visitor")
    answer = push(records, "a-garden", [odd])
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    people, visitors, found = summary(records, org.a)
    assert people == [("door", 2, None, [], [])] and visitors == [] and found == []
