"""Staff at the kiosk, by touch and badge: starting a shift, ending it, taking a device out with
a manager's approval (wrong PINs counted), an outing's return time, and putting a device back.
Every check is on the events in the database file, not only on what the screen shows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection
from kiosk.domain.types import EventKind
from tests.conftest import BEN_UID, CHLOE_UID, MANAGER_UID, MORNING, staff_id
from tests.ui.conftest import events


def start_shift(screen: Any, uid: str = BEN_UID, devices: tuple[str, ...] = ("Phone",)) -> None:
    screen.badge(uid)
    screen.wait_for("shift_start")
    for device in devices:
        screen.press_text(device)
    screen.press("start")
    screen.wait_for("done")


def test_shift_start_records_devices_and_the_preselected_locker(app: App, screen: Any) -> None:
    screen.badge(BEN_UID)
    screen.wait_for("shift_start")
    assert "Hello, Ben" in screen.texts()
    assert "Carter" not in screen.texts()  # first name only on a public screen
    screen.press_text("Phone")
    screen.press_text("Smartwatch")
    screen.press("start")
    screen.wait_for("done")
    (started,) = events(app, EventKind.SHIFT_START)
    assert started.staff_id == staff_id(app, "Ben Carter")
    assert started.payload["devices"] == ["phone", "smartwatch"]
    assert started.payload["locker"] == "2"  # Ben's assigned locker, preselected
    assert f"Recorded at {app.ctx.local_hhmm(started.occurred_at)}" in screen.texts()


def test_a_free_locker_can_be_chosen_and_no_device_needs_no_locker(app: App, screen: Any) -> None:
    screen.badge("9C8D7E6F")  # Priya has no assigned locker
    screen.wait_for("shift_start")
    screen.press_text("Phone")
    screen.press_text("5")
    screen.press("start")
    screen.wait_for("done")
    screen.press("ok")
    screen.badge(BEN_UID)
    screen.wait_for("shift_start")
    screen.press("no_device")
    screen.press("start")
    screen.wait_for("done")
    priya, ben = events(app, EventKind.SHIFT_START)
    assert priya.payload["locker"] == "5"
    assert ben.payload == {**ben.payload, "devices": [], "no_device": True, "locker": None}


def test_nothing_chosen_is_refused_and_nothing_recorded(app: App, screen: Any) -> None:
    screen.badge(BEN_UID)
    screen.wait_for("shift_start")
    screen.press("start")
    screen.wait_for("problem")
    assert "Choose the devices" in screen.texts()
    assert events(app, EventKind.SHIFT_START) == []
    screen.press("ok")  # back to the choices, to try again
    screen.wait_for("shift_start")


def test_end_shift_says_what_to_collect(app: App, screen: Any, clock: Any) -> None:
    start_shift(screen)
    screen.press("ok")
    clock.advance(8 * 3600)
    screen.badge(BEN_UID)
    screen.wait_for("on_shift")
    assert "In locker 2: phone" in screen.texts()
    screen.press("end_shift")
    screen.wait_for("done")
    (ended,) = events(app, EventKind.SHIFT_END)
    assert ended.payload["collected"] == ["phone"]
    assert "Please collect: phone from locker 2" in screen.texts()


def approve(screen: Any, pins: tuple[str, ...]) -> None:
    screen.wait_for("approval")
    screen.badge(MANAGER_UID)
    assert "Amara, please enter your PIN" in screen.texts()
    for pin in pins:
        for digit in pin:
            screen.press_text(digit)
        screen.press_text("OK")


def test_emergency_needs_a_manager_and_wrong_pins_count(app: App, screen: Any, clock: Any) -> None:
    start_shift(screen)
    screen.press("ok")
    clock.advance(3600)
    screen.badge(BEN_UID)
    screen.wait_for("on_shift")
    screen.press("take_out")
    screen.wait_for("device_out")
    screen.press_text("Emergency call (private area, away from children)")
    screen.press("next")
    approve(screen, ("1234",))
    assert screen.name == "approval"
    assert "That PIN is not right" in screen.texts()
    refused = events(app, EventKind.APPROVAL_REFUSED)
    assert [e.payload["why"] for e in refused] == ["wrong_pin"]
    for digit in "258036":
        screen.press_text(digit)
    screen.press_text("OK")
    screen.wait_for("done")
    (out,) = events(app, EventKind.DEVICE_OUT)
    assert out.payload["reason"] == "emergency"
    assert out.payload["approver_id"] == staff_id(app, "Amara Okafor")
    assert out.staff_id == staff_id(app, "Ben Carter")


def test_the_next_badge_on_a_greeting_starts_afresh(app: App, screen: Any) -> None:
    screen.badge(BEN_UID)
    screen.wait_for("shift_start")
    screen.press_text("Phone")
    screen.badge(CHLOE_UID)
    assert screen.name == "shift_start"
    assert "Hello, Chloé" in screen.texts()
    assert screen.current.chosen_devices() == []  # nothing of Ben's choice is left
    assert screen.current.chosen_locker() == "3"  # Chloé's own locker, not Ben's


def test_a_greeting_once_drawn_stops_redrawing(screen: Any) -> None:
    """Every frame is a full-window redraw (on the Pi's GPU, and far dearer on llvmpipe): a screen
    nobody touches must not keep drawing, as Kivy's fading scroll bar used to for half a second."""
    from kivy.core.window import Window

    screen.badge(BEN_UID)
    screen.wait_for("shift_start")
    flips: list[object] = []
    settle_until, watch_until = time.monotonic() + 0.2, time.monotonic() + 1.5
    while time.monotonic() < watch_until:
        if time.monotonic() > settle_until and not flips:
            Window.bind(on_flip=flips.append)
            flips.append("watching")
        screen.frames(1)
    Window.unbind(on_flip=flips.append)
    assert flips == ["watching"]


def test_an_outing_records_the_chosen_return_time(app: App, screen: Any, clock: Any) -> None:
    start_shift(screen)
    screen.press("ok")
    clock.advance(30 * 60)
    screen.badge(BEN_UID)
    screen.wait_for("on_shift")
    screen.press("take_out")
    screen.press_text("Outing (emergency use only, no photos of children)")
    screen.press("next")
    screen.wait_for("return_time")
    assert screen.current.ids.time.text == "10:15"  # 08:15 now + 2 h, on a quarter hour
    screen.press("plus")
    screen.press("next")
    approve(screen, ("258036",))
    screen.wait_for("done")
    (out,) = events(app, EventKind.DEVICE_OUT)
    assert out.payload["expected_return"].startswith("2026-11-24T10:30")


def test_home_visit_is_offered_to_managers_only(app: App, screen: Any, clock: Any) -> None:
    home_visit = "Home visit (managers only)"
    start_shift(screen)
    screen.press("ok")
    start_shift(screen, MANAGER_UID)
    screen.press("ok")
    for uid, offered in ((BEN_UID, False), (MANAGER_UID, True)):
        clock.advance(60)  # past the repeat-tap window
        screen.badge(uid)
        screen.wait_for("on_shift")
        screen.press("take_out")
        assert (home_visit in screen.texts()) is offered
        screen.press("cancel")


def test_put_a_device_back(app: App, screen: Any, clock: Any) -> None:
    test_emergency_needs_a_manager_and_wrong_pins_count(app, screen, clock)
    screen.press("ok")
    clock.advance(10 * 60)
    screen.badge(BEN_UID)
    screen.wait_for("on_shift")
    assert "Out now: phone" in screen.texts()
    screen.press("put_back")
    screen.wait_for("done")
    (back,) = events(app, EventKind.DEVICE_IN)
    assert back.payload == {"device": "phone", "locker": "2"}


@pytest.fixture
def quick_to_idle(tmp_path: Path, clock: ManualClock) -> Iterator[App]:
    """The demo setting with screens that go home after 0.3 s untouched."""
    config = Config(kiosk=KioskSection(data_dir=str(tmp_path / "data"), idle_timeout_s=0.3))
    app, _ = initialise(config, clock, demo=True)
    yield app
    app.close()


def test_every_screen_goes_home_when_idle_and_forgets_the_person(
    quick_to_idle: App, make_screen: Any, clock: ManualClock
) -> None:
    assert clock.now() == MORNING
    screen = make_screen(quick_to_idle)
    screen.badge(BEN_UID)
    screen.wait_for("shift_start")
    screen.wait_for("home", timeout_s=3)
    assert screen.root.get_screen("shift_start").greeting == ""
    assert "Ben" not in "\n".join(
        w.text for s in screen.root.screens for w in s.walk() if hasattr(w, "text")
    )
