"""At the kiosk: a device not back at its owner's shift end shows in manager mode until the
manager closes it by touch (issue 13)."""

from __future__ import annotations

from typing import Any

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.types import EventKind
from tests.services.test_open_exceptions import ben_leaves_with_his_phone_out
from tests.ui.conftest import events
from tests.ui.test_manager import manager_mode


def test_the_manager_sees_and_closes_an_open_exception_by_touch(
    app: App, screen: Any, clock: ManualClock
) -> None:
    ben = ben_leaves_with_his_phone_out(app, clock)
    manager_mode(screen)
    assert screen.current.ids.exceptions.text == "Not back at shift end (1)"
    screen.press("devices_out")
    screen.wait_for("manager_list")
    assert "Ben Carter: phone, shift ended Tue 24 Nov 07:55" in screen.texts()
    screen.press("back")
    screen.wait_for("manager_menu")
    screen.press("exceptions")
    screen.wait_for("manager_pick")
    screen.press_text("Ben Carter: phone\nshift ended Tue 24 Nov 07:55")
    screen.wait_for("done")
    (closed,) = events(app, EventKind.EXCEPTION_CLOSE)
    assert closed.staff_id == ben
    assert closed.payload["device"] == "phone" and closed.payload["note"] == "closed at the kiosk"
    screen.press("ok")
    screen.wait_for("manager_menu")
    assert screen.current.ids.exceptions.text == "Not back at shift end (0)"
