"""A door's state with the other doors' events in it, on a real database file (hypothesis):
whatever this door and the others do, in whatever order, the state the door acts on (folded from
what can still be open) equals the merged fold of every event of every door, and a page of the
feed stored twice is stored once."""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from kiosk.app import App, initialise, open_app
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection
from kiosk.domain.types import PolicyError, Reason, StaffId, VisitorId
from kiosk.services.approvals import Approval
from kiosk.store import peers
from kiosk.store.events import load_full_state, load_site_state
from kiosk.store.models import PeerEvent, Visitor
from kiosk.store.peers import PeerIn, PeerVisitor
from tests.conftest import MANAGER_PIN, MORNING

STAFF = [StaffId(2), StaffId(3), StaffId(4)]
VISITS = [str(uuid.UUID(int=n)) for n in range(1, 4)]
PEER_KINDS = ["shift.start", "shift.end", "device.out", "device.in"]

action = st.one_of(
    st.tuples(st.just("start"), st.sampled_from(STAFF)),
    st.tuples(st.just("end"), st.sampled_from(STAFF)),
    st.tuples(st.just("out"), st.sampled_from(STAFF)),
    st.tuples(st.just("in"), st.sampled_from(STAFF)),
    st.tuples(st.just("peer"), st.sampled_from(PEER_KINDS), st.sampled_from(STAFF)),
    st.tuples(st.just("peer_visit"), st.sampled_from(["visitor.in", "visitor.out"]),
              st.sampled_from(VISITS)),
    st.tuples(st.just("sign_out"), st.sampled_from(VISITS)),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=4 * 3600)),
)  # fmt: skip


@pytest.fixture(scope="module")
def template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-peers-"))
    app, _ = initialise(Config(kiosk=KioskSection(data_dir=str(folder))), ManualClock(MORNING),
                        demo=True)  # fmt: skip
    app.close()
    return folder


class Garden:
    """The other door, as its events arrive through the feed."""

    def __init__(self, app: App, clock: ManualClock) -> None:
        self.app, self.clock = app, clock
        self.seq = itertools.count(1)
        self.visits: set[str] = set()

    def send(self, kind: str, staff: int | None = None, visit: str | None = None) -> None:
        n = next(self.seq)
        payload = {"devices": ["phone"], "locker": None, "device": "phone",
                   "reason": "emergency", "visitor_type": "visitor"}  # fmt: skip
        visitor = PeerVisitor(visit, "visitor", "Sam Lee") if visit else None
        event = PeerIn(id=str(uuid.uuid4()), kiosk_id="garden", seq=n, receipt=n, kind=kind,
                       occurred_at=self.clock.now(), staff_id=staff, visitor=visitor,
                       payload=payload)  # fmt: skip
        with self.app.store.transaction() as session:
            assert peers.store_page(session, [event], datetime.now(UTC)) == 1
            assert peers.store_page(session, [event], datetime.now(UTC)) == 0  # stored once


def act(app: App, garden: Garden, clock: ManualClock, step: tuple[object, ...]) -> None:
    kiosk = app.kiosk
    match step:
        case ("start", who):
            kiosk.start_shift(who, ["phone"])  # type: ignore[arg-type]
        case ("end", who):
            kiosk.end_shift(who)  # type: ignore[arg-type]
        case ("out", who):
            approval: Approval = kiosk.approvals.verify(StaffId(1), MANAGER_PIN)
            kiosk.device_out(who, "phone", Reason.EMERGENCY, replace(approval))  # type: ignore[arg-type]
        case ("in", who):
            kiosk.device_in(who, "phone")  # type: ignore[arg-type]
        case ("peer", kind, who):
            garden.send(str(kind), staff=int(who))  # type: ignore[call-overload]
        case ("peer_visit", kind, visit):
            # A visit (a uuid) begins once and ends at most once, at whichever door.
            if kind == "visitor.in" and visit not in garden.visits:
                garden.visits.add(str(visit))
                garden.send(str(kind), visit=str(visit))
            elif kind == "visitor.out" and visit in garden.visits:
                garden.send(str(kind), visit=str(visit))
        case ("sign_out", visit):
            with app.store.reading() as session:
                found = session.scalar(select(Visitor.id).where(Visitor.uuid == visit))
            if found is not None:
                kiosk.visitors.sign_out(VisitorId(found))
        case ("wait", seconds):
            clock.advance(float(seconds))  # type: ignore[arg-type]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(action, min_size=5, max_size=30))  # fmt: skip
def test_the_state_a_door_acts_on_is_the_merged_fold_of_every_door(
    template: Path, steps: list[tuple[object, ...]]
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-peers-case-"))
    try:
        shutil.copy(template / "kiosk.db", folder / "kiosk.db")
        clock = ManualClock(MORNING)
        app = open_app(Config(kiosk=KioskSection(data_dir=str(folder))), clock)
        garden = Garden(app, clock)
        for step in steps:
            # Refused by the rules or not, the door's state must still be the merged fold.
            with contextlib.suppress(PolicyError):
                act(app, garden, clock, step)
            clock.advance(1)
            with app.store.reading() as session:
                assert load_site_state(session) == load_full_state(session)
        with app.store.reading() as session:
            sent = next(garden.seq) - 1
            assert session.scalar(select(func.count()).select_from(PeerEvent)) == sent
        app.close()
    finally:
        shutil.rmtree(folder)
