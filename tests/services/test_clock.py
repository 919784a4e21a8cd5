"""A Pi has no battery clock: events say whether the clock was synchronised, and a clock that
jumps backwards changes neither the order of events nor who is on shift."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kiosk.app import App
from kiosk.clock import ManualClock, SystemClock
from kiosk.store.models import Event
from tests.conftest import staff_id


def test_a_clock_that_jumps_back_keeps_order_and_state(app: App, clock: ManualClock) -> None:
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, ["phone"], locker="2")
    booted_wrong = clock.now() - timedelta(days=365 * 50)  # 1976: no NTP yet after a power cut
    clock.set_wall(booted_wrong, synced=False)
    app.kiosk.end_shift(ben)
    clock.set_wall(booted_wrong + timedelta(days=365 * 50, hours=1), synced=True)
    app.kiosk.start_shift(ben, [], no_device=True)
    clock.set_wall(booted_wrong + timedelta(minutes=5), synced=False)  # and again
    app.kiosk.end_shift(ben)
    with app.ctx.reading() as session:
        rows = list(session.scalars(select(Event).where(Event.staff_id == ben).order_by(Event.seq)))
    shifts = [(e.kind, e.clock_synced) for e in rows if e.kind.startswith("shift")]
    assert shifts == [
        ("shift.start", True), ("shift.end", False), ("shift.start", True), ("shift.end", False)
    ]  # fmt: skip
    assert rows[-1].occurred_at < rows[-2].occurred_at  # the wall clock went back...
    # ...but seq, not the wall clock, orders events: Ben's last action ended his shift. (Ordered
    # by time, his 1976 end would come first and he would still look on shift.)
    assert app.kiosk.roll_call.now().staff == []


def test_the_system_clock_reports_boot_id_and_a_monotonic_clock() -> None:
    clock = SystemClock()
    assert len(clock.boot_id) == 36
    first = clock.mono_ns()
    assert clock.mono_ns() >= first
    assert isinstance(clock.synced(), bool)
    assert clock.now().tzinfo is not None
