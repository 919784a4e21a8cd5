"""A device still out when its owner ends their shift stays an open exception — in the roll call,
the CSV and after a restart — until a manager closes it (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.app import App, open_app
from kiosk.clock import ManualClock
from kiosk.domain.types import PolicyError, Reason
from kiosk.store.events import load_full_state, load_site_state
from tests.conftest import MANAGER_PIN, staff_id
from tests.test_export import export


def ben_leaves_with_his_phone_out(app: App, clock: ManualClock) -> int:
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, ["phone"], locker="2")
    approval = app.kiosk.approvals.verify(staff_id(app, "Amara"), MANAGER_PIN)
    app.kiosk.device_out(ben, "phone", Reason.EMERGENCY, approval)
    clock.advance(600)
    app.kiosk.end_shift(ben)
    return ben


def test_a_device_out_at_shift_end_stays_open_until_a_manager_closes_it(
    app: App, clock: ManualClock
) -> None:
    ben = ben_leaves_with_his_phone_out(app, clock)
    roll = app.kiosk.roll_call.now()
    assert roll.staff == []
    assert [(x.name, x.device) for x in roll.exceptions] == [("Ben Carter", "phone")]

    clock.advance(24 * 3600)  # next day: Ben works again, and the exception is still there
    app.kiosk.start_shift(ben, [], no_device=True)
    app.kiosk.end_shift(ben)
    assert [x.device for x in app.kiosk.roll_call.now().exceptions] == ["phone"]
    with app.ctx.reading() as session:
        assert load_site_state(session) == load_full_state(session)

    approval = app.kiosk.approvals.verify(staff_id(app, "Amara"), MANAGER_PIN)
    done = app.kiosk.close_exception(ben, "phone", approval, note="returned next morning")
    assert done.message == "Closed: Ben's phone is accounted for."
    assert app.kiosk.roll_call.now().exceptions == []
    with pytest.raises(PolicyError, match="no open exception"):
        app.kiosk.close_exception(ben, "phone", approval)
    with app.ctx.reading() as session:
        assert load_site_state(session) == load_full_state(session)


def test_only_a_manager_closes_one(app: App, clock: ManualClock) -> None:
    ben = ben_leaves_with_his_phone_out(app, clock)
    from kiosk.services.approvals import Approval
    from kiosk.services.lookup import get_staff, staff_info

    with app.ctx.reading() as session:
        chloe = staff_info(get_staff(session, staff_id(app, "Chloé")))
    with pytest.raises(PolicyError, match="not a manager"):
        app.kiosk.close_exception(ben, "phone", Approval(chloe, clock.now()))
    assert len(app.kiosk.roll_call.now().exceptions) == 1


def test_it_survives_a_restart_and_reads_back_from_the_export(
    app: App, clock: ManualClock, tmp_path: Path
) -> None:
    ben = ben_leaves_with_his_phone_out(app, clock)
    approval = app.kiosk.approvals.verify(staff_id(app, "Amara"), MANAGER_PIN)
    app.kiosk.close_exception(ben, "phone", approval, note="=found in the garden")
    reopened = open_app(app.config, clock)
    try:
        assert reopened.kiosk.roll_call.now().exceptions == []
        rows = export(reopened, tmp_path / "out.csv")
    finally:
        reopened.close()
    ended = next(r for r in rows if r["kind"] == "shift.end")
    assert ended["still_out"] == "phone"
    closed = next(r for r in rows if r["kind"] == "exception.close")
    assert (closed["person"], closed["devices"], closed["approver"]) == (
        "Ben Carter",
        "phone",
        "Amara Okafor",
    )
    assert closed["note"] == "'=found in the garden"  # a formula is neutralised
