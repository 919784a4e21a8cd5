"""Invariants over random sequences of actions, on a real database file (hypothesis).

Whatever staff do, in whatever order: nobody is on shift twice, no locker holds two people's
devices, `seq` strictly increases, and the state the kiosk acts on equals a fold of the whole log.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from kiosk.app import App, initialise, open_app
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, LockersSection
from kiosk.domain.state import EventFact, fold
from kiosk.domain.types import PolicyError, Reason, StaffId
from kiosk.services.approvals import Approval
from kiosk.store.events import load_full_state, load_site_state, to_fact
from kiosk.store.models import Event
from tests.conftest import MANAGER_PIN, MORNING

STAFF = [StaffId(1), StaffId(2), StaffId(3), StaffId(4)]  # the demo people; 1 is the manager
DEVICES = ["phone", "smartwatch", "tablet"]
LOCKERS = ["1", "2", "3"]  # fewer lockers than people, so they are contended

action = st.one_of(
    st.tuples(st.just("start"), st.sampled_from(STAFF), st.sets(st.sampled_from(DEVICES)),
              st.sampled_from([*LOCKERS, None])),
    st.tuples(st.just("end"), st.sampled_from(STAFF)),
    st.tuples(st.just("out"), st.sampled_from(STAFF), st.sampled_from(DEVICES),
              st.sampled_from(list(Reason))),
    st.tuples(st.just("in"), st.sampled_from(STAFF), st.sampled_from(DEVICES)),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=4 * 3600)),
)  # fmt: skip


@pytest.fixture(scope="module")
def template() -> Path:
    """The demo database built once; each example starts from a copy of the file."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-template-"))
    config = Config(kiosk=KioskSection(data_dir=str(folder)), lockers=LockersSection(LOCKERS))
    app, _ = initialise(config, ManualClock(MORNING), demo=True)
    app.close()
    return folder


def run(config: Config, clock: ManualClock, actions: list[tuple[object, ...]]) -> None:
    app = open_app(config, clock)
    kiosk = app.kiosk
    approval: Approval = kiosk.approvals.verify(StaffId(1), MANAGER_PIN)
    for act in actions:
        try:
            match act:
                case ("start", who, devices, locker):
                    kiosk.start_shift(who, sorted(devices), no_device=not devices, locker=locker)  # type: ignore[arg-type]
                case ("end", who):
                    kiosk.end_shift(who)  # type: ignore[arg-type]
                case ("out", who, device, reason):
                    fresh = replace(approval, verified_at=clock.now())
                    back = clock.now() + timedelta(hours=1)
                    kiosk.device_out(who, device, reason, fresh, expected_return=back)  # type: ignore[arg-type]
                case ("in", who, device):
                    kiosk.device_in(who, device)  # type: ignore[arg-type]
                case ("wait", seconds):
                    clock.advance(float(seconds))  # type: ignore[arg-type]
        except PolicyError:
            pass  # refused by the rules: the invariants below must hold all the same
    check_invariants(app)
    app.close()


def check_invariants(app: App) -> None:
    with app.ctx.reading() as session:
        seqs = list(session.scalars(text("SELECT seq FROM events ORDER BY rowid")))
        events = list(session.scalars(select(Event).order_by(Event.seq)))
        assert load_site_state(session) == load_full_state(session)
    assert all(a < b for a, b in pairwise(seqs)), "seq must strictly increase"
    state = fold([])
    for event in events:
        fact: EventFact = to_fact(event)
        if fact.kind == "shift.start":
            assert fact.staff_id not in state.staff, "nobody is on shift twice"
        fold([fact], state)
        holders = Counter(p.locker for p in state.staff.values() if p.locker and p.devices)
        assert all(n == 1 for n in holders.values()), (
            f"a locker holds two people's devices: {holders}"
        )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, min_size=8, max_size=40))
def test_invariants_hold_for_any_sequence(
    template: Path, actions: list[tuple[object, ...]]
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-case-"))
    try:
        shutil.copy(template / "kiosk.db", folder / "kiosk.db")
        config = Config(kiosk=KioskSection(data_dir=str(folder)), lockers=LockersSection(LOCKERS))
        run(config, ManualClock(MORNING), actions)
    finally:
        shutil.rmtree(folder)
