"""The roll call by real touches on the offscreen kiosk: one press and any staff badge start it
(no PIN), everyone on site is listed with the lone worker marked, ticks by touch, a member of
staff badging out on the way, the kiosk going home and coming back to it, and the explicit end.
No records service runs here: the roll call needs none."""

from __future__ import annotations

from typing import Any

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.types import EventKind, VisitorType
from tests.conftest import BEN_UID, CHLOE_UID, staff_id
from tests.ui.conftest import events


def people(app: App) -> None:
    app.kiosk.start_shift(staff_id(app, "Ben Carter"), [], no_device=True)
    app.kiosk.start_shift(staff_id(app, "Chloé Dubois"), [], no_device=True)
    app.kiosk.visitors.sign_in(VisitorType.CONTRACTOR, "Sam Sparks", "Sparks Ltd", "",
                               acknowledged=True, lone_working=True)  # fmt: skip


def name_button(screen: Any, name: str) -> Any:
    found = [b for b in screen.current.ids.people.children if f"{name}[/b]" in b.text]
    assert len(found) == 1, f"{name} is not listed once"
    return found[0]


def test_a_drill_by_touch_from_the_home_screen(app: App, screen: Any, clock: ManualClock) -> None:
    people(app)
    screen.touches = 0
    screen.press("fire")
    screen.wait_for("evacuation_start")
    screen.press("drill")  # a drill says so; in a fire this press is not needed
    screen.badge(BEN_UID)  # Ben is staff, not a manager: no PIN
    screen.wait_for("evacuation")
    assert screen.touches == 2
    assert screen.current.count_text == "0 of 3 safe"
    assert screen.current.banner.startswith("FIRE DRILL since 07:45")
    assert "LONE WORKING" in name_button(screen, "Sam Sparks").text
    assert "contractor" in name_button(screen, "Sam Sparks").text

    clock.advance(30)
    screen.touch(name_button(screen, "Sam Sparks"))
    screen.touch(name_button(screen, "Sam Sparks"))  # twice: still one mark
    assert screen.current.count_text == "1 of 3 safe"
    assert "SAFE" in name_button(screen, "Sam Sparks").text
    first = screen.current.ids.roll.data[0]  # the list's first row
    assert "SAFE" not in first["text"]  # those not yet accounted for stay first

    clock.advance(30)
    screen.badge(CHLOE_UID)  # Chloé leaves by this door on her way out
    assert screen.name == "evacuation" and screen.current.count_text == "2 of 3 safe"
    assert "signed out" in name_button(screen, "Chloé Dubois").text

    screen.root.go_home()  # whatever sends the kiosk home, the roll call is one press away
    assert screen.current.ids.fire.text == "Roll call running: open it"
    screen.press("fire")
    screen.wait_for("evacuation")
    assert screen.current.count_text == "2 of 3 safe"

    screen.press("end")
    assert screen.name == "evacuation" and screen.current.ids.end.text == "Press again to end"
    screen.press("end")
    screen.wait_for("done")
    assert "Roll call ended. 2 of 3 accounted for." in screen.texts()
    (start,) = events(app, EventKind.EVACUATION_STARTED)
    assert start.payload["mode"] == "drill" and start.staff_id == staff_id(app, "Ben Carter")
    (mark,) = events(app, EventKind.EVACUATION_MARKED)
    assert mark.visitor_id is not None and mark.payload["marked_by"] == start.staff_id
    assert len(events(app, EventKind.SHIFT_END)) == 1
    assert len(events(app, EventKind.EVACUATION_ENDED)) == 1


def test_a_real_evacuation_is_one_press_and_one_tap(app: App, screen: Any) -> None:
    people(app)
    screen.touches = 0
    screen.press("fire")
    screen.badge(BEN_UID)
    screen.wait_for("evacuation")
    assert screen.touches == 1
    assert screen.current.banner.startswith("EVACUATION since")
    (start,) = events(app, EventKind.EVACUATION_STARTED)
    assert start.payload["mode"] == "real"


def test_an_unknown_card_does_not_start_it(app: App, screen: Any) -> None:
    screen.press("fire")
    screen.badge("DEADBEEF")
    screen.wait_for("problem")
    assert "member of staff" in screen.texts()
    assert events(app, EventKind.EVACUATION_STARTED) == []


def test_the_manager_signs_out_a_visitor_left_in_after_closing(
    app: App, screen: Any, clock: ManualClock
) -> None:
    from tests.ui.test_manager import manager_mode

    app.kiosk.visitors.sign_in(VisitorType.VISITOR, "Jo Bloggs", "Acme", "", acknowledged=True,
                               lone_working=False)  # fmt: skip
    manager_mode(screen)
    assert screen.current.ids.late_visitors.text == "Visitors still in after closing (0)"
    screen.press("finish")
    clock.advance(12 * 3600)  # 19:45: the setting closed at 18:30
    manager_mode(screen)
    assert screen.current.ids.late_visitors.text == "Visitors still in after closing (1)"
    screen.press("late_visitors")
    screen.wait_for("manager_pick")
    screen.press_text("Jo Bloggs (visitor)\nsince Tue 24 Nov 07:45")
    screen.press_text("Left without signing out")
    screen.wait_for("done")
    (out,) = events(app, EventKind.VISITOR_OUT)
    assert out.payload == {"reason": "Left without signing out", "on_behalf": True,
                           "recorded_by": "Amara Okafor"}  # fmt: skip
    screen.press("ok")
    screen.wait_for("manager_menu")
    assert screen.current.ids.late_visitors.text == "Visitors still in after closing (0)"
    screen.press("finish")
    screen.press("fire")
    screen.badge(BEN_UID)
    screen.wait_for("evacuation")
    assert screen.current.count_text == "0 of 0 safe"  # tomorrow's roll call starts true


def test_with_the_reader_down_it_starts_without_a_badge(app: App, screen: Any) -> None:
    from kiosk.hardware.reader import ReaderHealth

    people(app)
    screen.press("fire")
    assert screen.current.ids.no_reader.disabled  # offered only when the reader is down
    screen.press("back")
    screen.root._reader_health(ReaderHealth.NOT_RESPONDING, "badge reader not responding")
    screen.frames()
    screen.press("fire")
    screen.wait_for("evacuation_start")
    screen.press("no_reader")
    screen.wait_for("evacuation")
    assert screen.current.count_text == "0 of 3 safe"
    (start,) = events(app, EventKind.EVACUATION_STARTED)
    assert start.staff_id is None and start.payload["no_badge"] is True
