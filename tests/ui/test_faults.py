"""Refusals and faults on screen: a revoked badge, a reader that is not responding, a full disk
(never a tick for what was not saved), and an electronic locker whose door the screen waits for."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, SignalsSection
from kiosk.domain.types import EventKind
from kiosk.hardware.signals import GpioSignals
from kiosk.hardware.simulated import SimulatedReader
from kiosk.services import NotRecorded
from kiosk.ui.ports import Ports
from tests.conftest import BEN_UID, MORNING, staff_id
from tests.test_disk_full import fill
from tests.ui.conftest import events


def test_a_revoked_badge_is_refused_plainly_and_recorded(app: App, screen: Any) -> None:
    app.admin.revoke_badge(BEN_UID)
    screen.badge(BEN_UID)
    screen.wait_for("problem")
    assert "This badge has been cancelled. Please see the manager." in screen.texts()
    (refused,) = events(app, EventKind.BADGE_REFUSED)
    assert refused.payload["why"] == "revoked"
    assert events(app, EventKind.SHIFT_START) == []


def test_a_reader_not_responding_is_shown_on_the_home_screen(
    app: App, make_screen: Any, tmp_path: Path
) -> None:
    screen = make_screen(app)
    assert screen.current.fault_text == ""
    assert "tap your badge" in screen.texts()
    # A second reader on a socket the first one holds cannot start: it reports "not responding".
    broken = SimulatedReader(screen.tap_socket)
    broken.start(screen.root.badge_from_reader, screen.root.health_from_reader)
    try:
        deadline = time.monotonic() + 5
        while "not responding" not in screen.current.fault_text and time.monotonic() < deadline:
            screen.frames(1)
    finally:
        broken.stop()
    assert "Badge reader not responding" in screen.texts()
    assert "Reader: needs attention" in screen.current.ids.marks.text
    assert "tap your badge" not in screen.texts()  # no invitation nobody will hear
    screen.press("visitor")  # visitors are not stopped by it
    screen.wait_for("visitor_notice")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_shows_not_recorded_and_no_tick(small_disk: Path, make_screen: Any) -> None:
    config = Config(kiosk=KioskSection(data_dir=str(small_disk / "data")))
    clock = ManualClock(MORNING)
    app, _ = initialise(config, clock, demo=True)
    screen = make_screen(app)
    filler = fill(small_disk)
    chloe = staff_id(app, "Chloé")
    with pytest.raises(NotRecorded):  # use up the pages SQLite had already allocated
        for _ in range(200):
            app.kiosk.start_shift(chloe, [], no_device=True)
            app.kiosk.end_shift(chloe)
    before = len(events(app, EventKind.SHIFT_START))
    screen.badge(BEN_UID)
    screen.wait_for("shift_start")
    screen.press("no_device")
    screen.press("start")
    screen.wait_for("problem")
    assert "Not recorded — please see the manager" in screen.texts()
    assert [e.staff_id for e in events(app, EventKind.SHIFT_START)][before:] == []
    filler.unlink()  # space again: the same journey now succeeds
    screen.press("ok")
    clock.advance(60)
    screen.badge(BEN_UID)
    screen.wait_for("shift_start")
    screen.press("no_device")
    screen.press("start")
    screen.wait_for("done")
    assert events(app, EventKind.SHIFT_START)[-1].staff_id == staff_id(app, "Ben")
    app.close()


def test_an_electronic_locker_opens_after_the_record_and_waits_for_its_door(
    tmp_path: Path, make_screen: Any
) -> None:
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    factory = MockFactory(pin_class=MockPWMPin)
    section = SignalsSection(relay_pins={"2": 5}, door_pins={"2": 6}, relay_pulse_s=0.2)
    config = Config(kiosk=KioskSection(data_dir=str(tmp_path / "data")), signals=section)
    app, _ = initialise(config, ManualClock(MORNING), demo=True)
    signals = GpioSignals(section, factory)
    door = factory.pin(6)
    door.drive_low()  # shut
    try:
        screen = make_screen(app, Ports(app, signals))
        screen.badge(BEN_UID)
        screen.wait_for("shift_start")
        screen.press_text("Phone")
        screen.press("start")
        screen.wait_for("locker_door")
        assert events(app, EventKind.SHIFT_START)[0].payload["locker"] == "2"  # recorded first
        assert len(factory.pin(5).states) > 1  # the latch was pulsed
        door.drive_high()  # opened
        screen.frames(20)
        assert screen.name == "locker_door"
        door.drive_low()  # closed again
        screen.wait_for("done")
        assert "Locker 2 is closed" in screen.texts()
    finally:
        signals.close()
        factory.reset()
        app.close()


def test_the_door_left_open_banner_goes_when_the_door_is_shut(
    tmp_path: Path, make_screen: Any
) -> None:
    from gpiozero.pins.mock import MockFactory

    factory = MockFactory()
    section = SignalsSection(door_pins={"3": 6}, door_open_alert_s=0.1)
    config = Config(kiosk=KioskSection(data_dir=str(tmp_path / "data")), signals=section)
    app, _ = initialise(config, ManualClock(MORNING), demo=True)
    signals = GpioSignals(section, factory)
    door = factory.pin(6)
    door.drive_low()  # shut
    try:
        screen = make_screen(app, Ports(app, signals))
        # Wired as `kiosk run` wires them.
        signals.on_door_alert, signals.on_door_shut = screen.root.door_alert, screen.root.door_shut
        door.drive_high()  # opened, and left open past the alert time
        wait_until(screen, lambda: "Locker 3: door left open" in screen.texts())
        door.drive_low()  # shut
        wait_until(screen, lambda: screen.current.fault_text == "")
        assert "door left open" not in screen.texts()
        assert screen.root.door_alerts == set()
    finally:
        signals.close()
        factory.reset()
        app.close()


def wait_until(screen: Any, condition: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        screen.frames(1)
    assert condition()
