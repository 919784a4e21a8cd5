"""The journal must not hold personal data or secrets: run whole journeys (including refusals and
wrong PINs) with logging at DEBUG and look for any name, badge number or PIN in what was logged."""

from __future__ import annotations

import logging

import pytest

from kiosk.app import App
from kiosk.domain.types import PolicyError, Reason, VisitorType
from kiosk.services.operations import OperationsService
from tests.conftest import BEN_UID, MANAGER_PIN, MANAGER_UID, staff_id

SECRETS = ["Ben", "Carter", "Amara", "Okafor", "Siobhán", "Acme", BEN_UID, MANAGER_UID,
           MANAGER_PIN, "DEADBEEF", "1357"]  # fmt: skip


def test_nothing_personal_reaches_the_logs(app: App, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ben = app.kiosk.tap(BEN_UID).staff
    assert ben is not None
    app.kiosk.start_shift(ben.staff_id, ["phone"], locker="2")
    manager = app.kiosk.approvals.manager_for_badge(MANAGER_UID)
    with pytest.raises(PolicyError):
        app.kiosk.approvals.verify(manager.staff_id, "1357")
    approval = app.kiosk.approvals.verify(manager.staff_id, MANAGER_PIN)
    app.kiosk.device_out(ben.staff_id, "phone", Reason.EMERGENCY, approval)
    app.kiosk.tap("DEADBEEF")
    app.kiosk.visitors.sign_in(
        VisitorType.CONTRACTOR, "Siobhán Kelly", "Acme", "", acknowledged=True, lone_working=True
    )
    OperationsService(app.ctx).backup()
    app.kiosk.end_shift(staff_id(app, "Ben"))
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for secret in SECRETS:
        assert secret not in logged
