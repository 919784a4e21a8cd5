"""The journal must not hold personal data or secrets: run whole journeys (including refusals and
wrong PINs) with logging at DEBUG and look for any name, badge number or PIN in what was logged."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from kiosk.app import App
from kiosk.domain.types import PolicyError, Reason, VisitorType
from kiosk.hardware.reader import ReaderHealth
from kiosk.hardware.simulated import SimulatedReader, send_tap
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


def test_a_failing_badge_handler_is_logged_without_the_badge_number(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The reader logs when the kiosk's handler fails on a badge: the one place a badge number
    reaches a log call. The failure must be in the journal, the number must not."""
    caplog.set_level(logging.DEBUG)
    handled = threading.Event()

    def broken_handler(uid: str) -> None:
        handled.set()
        raise RuntimeError("handler bug")

    reader = SimulatedReader(tmp_path / "tap.sock")
    reader.start(broken_handler)
    try:
        deadline = time.monotonic() + 5
        while reader.health != ReaderHealth.OK and time.monotonic() < deadline:
            time.sleep(0.01)
        send_tap(tmp_path / "tap.sock", BEN_UID)
        assert handled.wait(5)
        time.sleep(0.05)  # the reader logs after the handler returns
    finally:
        reader.stop()
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "on_badge failed" in logged
    assert BEN_UID not in logged
