"""Doors of one setting and one records service, as a setting runs them (issue 11): each
kiosk's own `kiosk sync` process, a fault proxy between each door and the service, over real
HTTP on loopback, on SQLite and PostgreSQL. Staff and visitors go in at one door and out at
another; one door's network is cut (for a day, with two doors; with three, while the other two
go on), then restored. Every scenario ends with every door's roll call and the manager's page
agreeing, each event stored once at the service and once at each other door, and conflicts
shown to the manager.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.doors import DoorEvent, fold_doors
from kiosk.domain.taps import TapKind
from kiosk.domain.types import Reason, StaffId, VisitorId, VisitorType
from kiosk.store.events import load_full_state
from kiosk.store.models import AppliedSetting, Event, PeerEvent, SyncState
from kiosk.sync.server.doors import STATE_KINDS, _door_event
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.overview import conflict_rows
from kiosk.sync.server.tenancy import Setting
from tests.conftest import BEN_UID, MANAGER_PIN, MANAGER_UID, staff_id
from tests.sync.console import Client, make_org
from tests.sync.faultproxy import Act
from tests.sync.peer_doors import Door, Doors, door_view, setting_with_doors
from tests.sync.server import Running

NOBODY: dict[str, set[str]] = {"staff": set(), "out": set(), "visitors": set()}


def own_ids(door: Door) -> set[str]:
    with door.app.store.reading() as session:
        return set(session.scalars(select(Event.id)))


def settled(door: Door) -> bool:
    with door.app.store.reading() as session:
        states = set(session.scalars(select(Event.sync_state)))
    return states <= {SyncState.SENT.value}


def on_current_snapshot(doors: Doors, door: Door) -> bool:
    """The door runs on its setting's latest snapshot. A door's first `roster.applied` reaching
    the service bumps the setting's version (its `links` empty), so each door applies one more
    snapshot, and records one more event, some time after its first: until then it is not done."""
    with door.app.store.reading() as session:
        applied = session.get(AppliedSetting, 1)
    with Session(doors.records.engine) as session:
        latest = session.scalar(select(Setting.roster_version).where(Setting.id == doors.org.a))
    return applied is not None and applied.version == latest


def peer_ids(door: Door) -> set[str]:
    with door.app.store.reading() as session:
        return set(session.scalars(select(PeerEvent.id)))


def stored(doors: Doors, kiosk_id: str, kinds: list[str] | None = None) -> set[str]:
    query = select(RecordEvent.id).where(RecordEvent.kiosk_id == kiosk_id)
    if kinds is not None:
        query = query.where(RecordEvent.kind.in_(kinds))
    with Session(doors.records.engine) as session:
        return set(session.scalars(query))


def converged(doors: Doors) -> bool:
    """Everything pushed, every door holding the others' events, all views alike."""
    first = doors.doors[0]
    if not all(on_current_snapshot(doors, d) and settled(d) for d in doors.doors):
        return False
    for door in doors.doors:
        theirs = set().union(*(stored(doors, o.id, STATE_KINDS) for o in doors.doors if o != door))
        if peer_ids(door) != theirs:
            return False
    page = doors.page()
    if not all(door_view(d) == door_view(first) == page for d in doors.doors):
        return False
    # Again: a door's first push may have bumped the version after the first look above.
    return all(on_current_snapshot(doors, d) and settled(d) for d in doors.doors)


def assert_each_event_stored_once(doors: Doors) -> None:
    for door in doors.doors:
        assert stored(doors, door.id) == own_ids(door)  # exactly its own, none lost or added
        others = [o for o in doors.doors if o != door]
        expected = set().union(*(stored(doors, o.id, STATE_KINDS) for o in others))
        assert peer_ids(door) == expected
        assert not peer_ids(door) & own_ids(door)  # never its own events back


def approval(door: Door):  # type: ignore[no-untyped-def]
    approvals = door.app.kiosk.approvals
    return approvals.verify(approvals.manager_for_badge(MANAGER_UID).staff_id, MANAGER_PIN)


@pytest.fixture
def doors(records: Running, tmp_path: Path) -> Iterator[Doors]:
    """Setting A's front door (a-door) and garden gate (a-garden), each with its sync process."""
    with setting_with_doors(make_org(records), tmp_path, "a-door", "a-garden") as both:
        yield both


def test_staff_and_visitors_go_in_at_one_door_and_out_at_the_other(
    records: Running, doors: Doors
) -> None:
    front, garden = doors.doors
    # The fault proxy as the sync tests use it: lost answers and resets on both links.
    front.proxy.script.extend([Act("reset"), Act("drop_response"), Act("reset_after"),
                               Act("status", 503, (("Retry-After", "0"),))])  # fmt: skip
    garden.proxy.script.extend([Act("drop_response"), Act("reset"), Act("reset_after")])
    ben, chloe = staff_id(front.app, "Ben Carter"), staff_id(front.app, "Chloé Dubois")
    front.app.kiosk.start_shift(ben, ["phone"], locker="2")
    front.app.kiosk.start_shift(chloe, ["phone", "tablet"], locker="3")
    front.app.kiosk.visitors.sign_in(VisitorType.VISITOR, "Jo Smith", "Council", "Amara",
                               acknowledged=True, lone_working=False)  # fmt: skip
    doors.advance(600)
    front.app.kiosk.device_out(chloe, "phone", Reason.EMERGENCY, approval(front))
    doors.until("the garden door knows who came in at the front", lambda: converged(doors))
    assert door_view(garden) == {
        "staff": {"Ben Carter", "Chloé Dubois"},
        "out": {"Chloé Dubois: phone"},
        "visitors": {"Jo Smith"},
    }

    doors.advance(3600)
    assert garden.app.kiosk.tap(BEN_UID).kind == TapKind.ON_SHIFT
    garden.app.kiosk.end_shift(ben)
    garden.app.kiosk.device_in(chloe, "phone")
    [jo] = garden.app.kiosk.visitors.find("Jo")
    garden.app.kiosk.visitors.sign_out(jo.visitor_id)
    doors.until("the front door knows who left by the garden", lambda: converged(doors))
    assert door_view(front) == {"staff": {"Chloé Dubois"}, "out": set(), "visitors": set()}

    doors.advance(600)
    front.app.kiosk.end_shift(chloe)
    doors.until("nobody on site anywhere", lambda: converged(doors) and doors.page() == NOBODY)
    assert_each_event_stored_once(doors)
    assert "pass" in front.proxy.seen and "reset" in front.proxy.seen
    assert conflict_rows(records.engine, setting(doors)) == []  # nothing to resolve


def setting(doors: Doors) -> Setting:
    with Session(doors.records.engine) as session:
        found = session.get(Setting, doors.org.a)
        assert found is not None
        return found


def test_a_door_cut_off_for_a_day_catches_up_and_its_conflicts_are_shown(
    records: Running, doors: Doors
) -> None:
    org = doors.org
    front, garden = doors.doors
    ben, chloe = staff_id(front.app, "Ben Carter"), staff_id(front.app, "Chloé Dubois")
    priya = staff_id(front.app, "Priya Shah")
    front.app.kiosk.start_shift(chloe, ["phone"], locker="3")
    doors.until("both doors know Chloé is on shift", lambda: converged(doors))

    garden.proxy.cut_off()
    doors.advance(60)
    front.app.kiosk.start_shift(ben, ["phone"], locker="2")  # both doors, cut off
    front.app.kiosk.device_out(chloe, "phone", Reason.EMERGENCY, approval(front))
    doors.advance(300)
    garden.app.kiosk.start_shift(ben, ["smartwatch"], locker="5")
    garden.app.kiosk.device_out(chloe, "phone", Reason.EMERGENCY, approval(garden))
    garden.app.kiosk.visitors.sign_in(VisitorType.PARENT, "Sam Lee", "", "Room 2",
                                acknowledged=True, lone_working=False)  # fmt: skip
    # The front door keeps working through the day, and the page follows it.
    for _ in range(3):
        doors.advance(3 * 3600)
        front.app.kiosk.start_shift(priya, [], no_device=True)
        doors.advance(3600)
        front.app.kiosk.end_shift(priya)
    doors.until("the page follows the front door while the garden is cut off",
                lambda: settled(front) and "Ben Carter" in doors.page()["staff"])  # fmt: skip
    assert "Sam Lee" not in doors.page()["visitors"]  # still only at the garden

    doors.advance(12 * 3600)
    garden.proxy.restore()
    doors.until("both doors and the page agree again", lambda: converged(doors))
    view = door_view(front)
    assert view["staff"] == {"Ben Carter", "Chloé Dubois"}  # Ben's later start (garden) wins
    assert view["visitors"] == {"Sam Lee"}
    assert_each_event_stored_once(doors)

    rows = conflict_rows(records.engine, setting(doors))
    seen = {(row[1], row[2], row[4]) for row in rows}
    assert (
        "a-garden",
        "Ben Carter",
        "shift started while already on shift (started at another door?)",
    ) in seen
    assert ("a-garden", "Chloé Dubois", "phone taken out while already out") in seen
    anna = Client(records)
    assert anna.login("anna").status_code == 303
    page = anna.get(org.url(org.a)).text
    assert "Conflicts between doors" in page and "phone taken out while already out" in page

    # The merged log is one log: each door's whole history folds to the same state, in
    # whatever order the events are handed over, and so does the service's copy.
    front_state, garden_state = (load_state(d) for d in doors.doors)
    assert front_state == garden_state
    assert shuffled_folds_agree(doors)


def load_state(door: Door):  # type: ignore[no-untyped-def]
    with door.app.store.reading() as session:
        return load_full_state(session)


def shuffled_folds_agree(doors: Doors) -> bool:
    with Session(doors.records.engine) as session:
        rows = list(session.scalars(select(RecordEvent).where(RecordEvent.kind.in_(STATE_KINDS))))
        events: list[DoorEvent] = [_door_event_local(e) for e in rows]
    first = fold_doors(events)
    rng = random.Random(11)
    for _ in range(5):
        rng.shuffle(events)
        if fold_doors(events) != first:
            return False
    return bool(first[1])


def _door_event_local(e: RecordEvent) -> DoorEvent:
    """As the service folds one person, but with an id per person, so all fold together."""
    event = _door_event(e)
    ident = zlib.crc32((e.who or "").encode())
    fact = event.fact
    if fact.staff_id is not None:
        fact = replace(fact, staff_id=StaffId(ident))
    else:
        fact = replace(fact, visitor_id=VisitorId(ident))
    return DoorEvent(event.event_id, event.kiosk_id, event.seq, fact)


def test_three_doors_one_cut_off_agree_again(records: Running, tmp_path: Path) -> None:
    """Three doors: each person's events spread over all three, one door cut off while the
    others go on; once it is back, every door, the page and the service hold one story."""
    org = make_org(records)
    with setting_with_doors(org, tmp_path, "a-door", "a-garden", "a-side") as doors:
        front, garden, side = doors.doors
        ben, chloe = staff_id(front.app, "Ben Carter"), staff_id(front.app, "Chloé Dubois")
        front.app.kiosk.start_shift(ben, ["phone"], locker="2")
        garden.app.kiosk.start_shift(chloe, ["phone"], locker="3")
        side.app.kiosk.visitors.sign_in(VisitorType.VISITOR, "Jo Smith", "Council", "Amara",
                                        acknowledged=True, lone_working=False)  # fmt: skip
        doors.until("every door knows who came in at each", lambda: converged(doors))
        assert doors.page() == {"staff": {"Ben Carter", "Chloé Dubois"}, "out": set(),
                                "visitors": {"Jo Smith"}}  # fmt: skip

        side.proxy.cut_off()
        doors.advance(3600)
        garden.app.kiosk.end_shift(ben)  # started at the front
        [jo] = garden.app.kiosk.visitors.find("Jo")  # came in at the side
        garden.app.kiosk.visitors.sign_out(jo.visitor_id)
        side.app.kiosk.device_out(chloe, "phone", Reason.EMERGENCY, approval(side))
        doors.until("the two connected doors and the page agree without the side door",
                    lambda: settled(front) and settled(garden)
                    and door_view(front) == door_view(garden) == doors.page()
                    == {"staff": {"Chloé Dubois"}, "out": set(), "visitors": set()})  # fmt: skip
        assert door_view(side)["visitors"] == {"Jo Smith"}  # it has not heard yet

        side.proxy.restore()
        doors.until("all three doors and the page agree again", lambda: converged(doors))
        assert door_view(front) == {"staff": {"Chloé Dubois"}, "out": {"Chloé Dubois: phone"},
                                    "visitors": set()}  # fmt: skip
        assert_each_event_stored_once(doors)
        assert conflict_rows(records.engine, setting(doors)) == []
