"""The service over a real SQLite file: whole shifts, exceptions with approval, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.taps import TapKind
from kiosk.domain.types import EventKind, PolicyError, Reason, VisitorType
from kiosk.store.events import load_full_state
from kiosk.store.models import Event, Staff
from tests.conftest import BEN_UID, CHLOE_UID, MANAGER_PIN, MANAGER_UID, staff_id


def kinds(app: App, since_seq: int = 0) -> list[str]:
    with app.ctx.reading() as session:
        return list(
            session.scalars(select(Event.kind).where(Event.seq > since_seq).order_by(Event.seq))
        )


def last_seq(app: App) -> int:
    with app.ctx.reading() as session:
        return session.scalar(select(Event.seq).order_by(Event.seq.desc()).limit(1)) or 0


def test_a_whole_shift_with_an_emergency_call(app: App, clock: ManualClock) -> None:
    before = last_seq(app)
    tap = app.kiosk.tap(BEN_UID)
    assert tap.kind == TapKind.START_SHIFT
    assert tap.staff is not None and tap.suggested_locker == "2"
    ben = tap.staff.staff_id
    started = app.kiosk.start_shift(ben, ["phone", "smartwatch"], locker="2")
    assert started.message == "Shift started 07:45: phone, smartwatch in locker 2."

    clock.advance(3600)
    assert app.kiosk.tap(BEN_UID).kind == TapKind.ON_SHIFT
    manager = app.kiosk.approvals.manager_for_badge(MANAGER_UID)
    approval = app.kiosk.approvals.verify(manager.staff_id, MANAGER_PIN)
    out = app.kiosk.device_out(ben, "phone", Reason.EMERGENCY, approval)
    assert "until 09:15" in out.message
    clock.advance(600)
    app.kiosk.device_in(ben, "phone")
    clock.advance(8 * 3600)
    ended = app.kiosk.end_shift(ben)
    assert "Please collect: phone, smartwatch from locker 2" in ended.message

    assert kinds(app, before) == [
        "shift.start", "approval.granted", "device.out", "device.in", "shift.end"
    ]  # fmt: skip
    with app.ctx.reading() as session:
        out_event = session.scalars(select(Event).where(Event.kind == "device.out")).one()
    assert out_event.payload["approver_id"] == manager.staff_id
    assert out_event.payload["reason"] == "emergency"
    assert out_event.payload["location"] == "private area, away from children"
    assert app.kiosk.roll_call.now().staff == []


def test_unknown_badge_is_recorded_and_refused(app: App) -> None:
    outcome = app.kiosk.tap("deadbeef")
    assert outcome.kind == TapKind.UNKNOWN
    assert "not recognised" in outcome.message
    assert kinds(app)[-1] == EventKind.BADGE_UNKNOWN
    assert [u.uid for u in app.admin.unknown_badges()] == ["DEADBEEF"]


def test_unreadable_badge_asks_to_tap_again_and_records_nothing(app: App) -> None:
    before = last_seq(app)
    assert "tap again" in app.kiosk.tap("\x00\x7f??").message
    assert last_seq(app) == before


def test_revoked_badge_and_a_leaver_are_refused(app: App) -> None:
    app.admin.revoke_badge(BEN_UID)
    assert app.kiosk.tap(BEN_UID).kind == TapKind.REVOKED
    app.admin.staff_leaves(staff_id(app, "Chloé"))
    assert app.kiosk.tap(CHLOE_UID).kind == TapKind.REVOKED
    assert kinds(app)[-1] == EventKind.BADGE_REFUSED


def test_a_repeat_within_the_debounce_window_is_one_tap(app: App, clock: ManualClock) -> None:
    assert app.kiosk.tap(BEN_UID).kind == TapKind.START_SHIFT
    clock.advance(1.0)
    assert app.kiosk.tap(BEN_UID).kind == TapKind.REPEAT
    clock.advance(app.config.policy.debounce_s + 0.1)
    assert app.kiosk.tap(BEN_UID).kind == TapKind.START_SHIFT


def test_wrong_pins_count_survive_a_restart_and_lock(app: App, clock: ManualClock) -> None:
    manager = staff_id(app, "Amara")
    for _ in range(app.config.policy.pin_max_failures):
        with pytest.raises(PolicyError, match="not right"):
            app.kiosk.approvals.verify(manager, "1357")
    with pytest.raises(PolicyError, match="locked"):
        app.kiosk.approvals.verify(manager, MANAGER_PIN)  # even the right PIN, while locked
    assert kinds(app).count(EventKind.APPROVAL_REFUSED) == 5
    clock.advance(app.config.policy.pin_lockout_s)
    assert app.kiosk.approvals.verify(manager, MANAGER_PIN).approver.staff_id == manager


def test_the_pin_is_stored_hashed(app: App) -> None:
    with app.ctx.reading() as session:
        stored = session.scalars(select(Staff.pin_hash).where(Staff.pin_hash.is_not(None))).one()
    assert stored.startswith("scrypt$ln=17,r=8,p=1$")
    assert MANAGER_PIN not in stored


def test_a_staff_badge_cannot_approve(app: App) -> None:
    with pytest.raises(PolicyError, match="not a manager"):
        app.kiosk.approvals.manager_for_badge(BEN_UID)
    with pytest.raises(PolicyError, match="not a manager's badge"):
        app.kiosk.approvals.manager_for_badge("00000000")


def test_an_approval_expires(app: App, clock: ManualClock) -> None:
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, ["phone"], locker="2")
    approval = app.kiosk.approvals.verify(staff_id(app, "Amara"), MANAGER_PIN)
    clock.advance(121)
    with pytest.raises(PolicyError, match="expired"):
        app.kiosk.device_out(ben, "phone", Reason.EMERGENCY, approval)


def test_overdue_outing_appears_in_the_roll_call(app: App, clock: ManualClock) -> None:
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, ["phone"], locker="2")
    approval = app.kiosk.approvals.verify(staff_id(app, "Amara"), MANAGER_PIN)
    back = clock.now() + timedelta(hours=1)
    app.kiosk.device_out(ben, "phone", Reason.OUTING, approval, expected_return=back)
    assert app.kiosk.roll_call.now().overdue == []
    clock.advance(3601)
    roll = app.kiosk.roll_call.now()
    assert [(o.name, o.device, o.kind) for o in roll.overdue] == [("Ben Carter", "phone", "out")]
    assert roll.staff[0].out[0].overdue


def test_visitor_in_find_and_out_keep_personal_details_out_of_events(app: App) -> None:
    visitors = app.kiosk.visitors
    done = visitors.sign_in(
        VisitorType.CONTRACTOR, "Siobhán O'Brien", "Acme Boilers", "Office",
        acknowledged=True, lone_working=True,
    )  # fmt: skip
    assert done.message == "Thank you, Siobhán. You are signed in."
    with app.ctx.reading() as session:
        event = session.get(Event, done.event_id)
        assert event is not None
        assert "Siobhán" not in str(event.payload) and "Acme" not in str(event.payload)
        assert event.payload["quiet_space"] == app.config.notice.quiet_space
        assert event.payload["notice_version"] == app.config.notice.version
    roll = app.kiosk.roll_call.now()
    assert [(v.name, v.lone_working) for v in roll.visitors] == [("Siobhán O'Brien", True)]
    matches = visitors.find("sio")
    assert [m.label for m in matches] == ["Siobhán O."]
    visitors.sign_out(matches[0].visitor_id)
    assert visitors.find("sio") == []
    with pytest.raises(PolicyError, match="not signed in"):
        visitors.sign_out(matches[0].visitor_id)


def test_on_behalf_is_marked(app: App) -> None:
    done = app.kiosk.start_shift(
        staff_id(app, "Priya"), [], no_device=True, on_behalf="Amara Okafor"
    )
    with app.ctx.reading() as session:
        event = session.get(Event, done.event_id)
        assert event is not None and event.payload["on_behalf"] is True
        assert event.payload["recorded_by"] == "Amara Okafor"


def test_badge_enrolment_rules(app: App) -> None:
    priya = staff_id(app, "Priya")
    with pytest.raises(PolicyError, match="already belongs to someone else"):
        app.admin.enrol_badge(priya, BEN_UID)
    app.admin.revoke_badge(BEN_UID)
    app.admin.enrol_badge(priya, BEN_UID)  # a returned badge handed to someone else
    tap = app.kiosk.tap(BEN_UID)
    assert tap.staff is not None and tap.staff.staff_id == priya


def test_state_from_the_open_events_equals_the_full_fold(app: App, clock: ManualClock) -> None:
    ben, chloe = staff_id(app, "Ben"), staff_id(app, "Chloé")
    app.kiosk.start_shift(chloe, ["tablet"], locker="3")
    for _ in range(3):
        app.kiosk.start_shift(ben, ["phone"], locker="2")
        clock.advance(60)
        app.kiosk.end_shift(ben)
    with app.ctx.reading() as session:
        from kiosk.store.events import load_site_state

        assert load_site_state(session) == load_full_state(session)
    assert [s.name for s in app.kiosk.roll_call.now().staff] == ["Chloé Dubois"]
