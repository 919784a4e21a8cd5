"""Manager mode by badge and PIN: who is on site (lone workers marked), devices out, enrolling an
unknown badge, recording for someone without their badge, and exporting to a USB stick."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from kiosk.app import App
from kiosk.domain.types import EventKind, VisitorType
from kiosk.export import HEADER
from kiosk.hardware.signals import NullSignals
from kiosk.services.context import os_user
from kiosk.ui.drives import find_drives
from kiosk.ui.ports import Ports
from tests.conftest import BEN_UID, MANAGER_UID, staff_id
from tests.ui.conftest import events
from tests.ui.test_staff import start_shift


def manager_mode(screen: Any) -> None:
    screen.badge(MANAGER_UID)
    screen.wait_for("shift_start")
    screen.press("manager")
    screen.wait_for("approval")
    for digit in "258036":
        screen.press_text(digit)
    screen.press_text("OK")
    screen.wait_for("manager_menu")


def test_on_site_lists_staff_devices_and_marks_lone_workers(app: App, screen: Any) -> None:
    start_shift(screen, BEN_UID, ("Phone",))
    screen.press("ok")
    visitors = app.kiosk.visitors
    visitors.sign_in(VisitorType.VISITOR, "Jo Bloggs", "Acme", "", acknowledged=True,
                     lone_working=True)  # fmt: skip
    manager_mode(screen)
    screen.press("on_site")
    screen.wait_for("manager_list")
    text = screen.texts()
    assert "Ben Carter — since 07:45 — locker 2: phone" in text
    assert "Jo Bloggs (visitor, Acme)" in text and "LONE WORKING" in text
    screen.press("back")
    screen.press("devices_out")
    assert "Devices out now" in screen.texts()


def test_an_unknown_badge_is_enrolled_to_a_person(app: App, screen: Any, clock: Any) -> None:
    screen.badge("DEADBEEF")
    screen.wait_for("problem")
    assert "not recognised" in screen.texts()
    assert len(events(app, EventKind.BADGE_UNKNOWN)) == 1
    screen.press("ok")
    manager_mode(screen)
    assert screen.current.ids.badges.text == "Unknown badges (1)"
    screen.press("badges")
    screen.wait_for("manager_pick")
    screen.touch(screen.current.ids.options.children[0])
    screen.press_text("Priya Shah")
    screen.wait_for("done")
    (enrolled,) = events(app, EventKind.ADMIN_BADGE_ENROL)[-1:]
    # The audit trail names who did it: the manager whose badge and PIN opened manager mode.
    amara = staff_id(app, "Amara Okafor")
    assert enrolled.payload == {"uid": "DEADBEEF", "actor": {"by": "badge", "staff_id": amara}}
    (entered,) = events(app, EventKind.APPROVAL_GRANTED)
    assert (entered.staff_id, entered.payload["purpose"]) == (amara, "manager_mode")
    assert enrolled.staff_id == staff_id(app, "Priya Shah")
    clock.advance(60)
    screen.press("ok")  # back to manager mode
    screen.press("finish")
    screen.badge("DEADBEEF")
    screen.wait_for("shift_start")
    assert "Hello, Priya" in screen.texts()
    # Home again: what follows is no longer the manager's doing.
    assert app.ctx.actor == {"by": "command_line", "user": os_user()}


def test_a_check_in_recorded_for_someone_without_a_badge(app: App, screen: Any) -> None:
    manager_mode(screen)
    screen.press("behalf")
    screen.press_text("Chloé Dubois")
    screen.wait_for("shift_start")
    assert "Recording for Chloé" in screen.texts()
    screen.press("no_device")
    screen.press("start")
    screen.wait_for("done")
    (started,) = events(app, EventKind.SHIFT_START)
    assert started.staff_id == staff_id(app, "Chloé Dubois")
    assert started.payload["on_behalf"] is True
    assert started.payload["recorded_by"] == "Amara Okafor"


def test_export_to_the_mounted_usb_stick(app: App, make_screen: Any, tmp_path: Path) -> None:
    stick = tmp_path / "media" / "kiosk" / "USBSTICK"
    stick.mkdir(parents=True)
    (tmp_path / "media" / "leftover").mkdir()  # an empty folder is not a drive

    def drives() -> list[Path]:
        return find_drives([tmp_path / "media"], is_mount=lambda p: p == stick)

    screen = make_screen(app, Ports(app, NullSignals(), drives=drives))
    start_shift(screen, BEN_UID, ("Phone",))
    screen.press("ok")
    manager_mode(screen)
    screen.press("export")
    screen.wait_for("manager_export")
    screen.press_text("Today")
    screen.press_text("Save to USBSTICK")
    screen.wait_for("done")
    (written,) = stick.glob("kiosk-*.csv")
    assert written.name == "kiosk-entrance-1-2026-11-24-to-2026-11-24.csv"
    with written.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADER
    assert "shift.start" in {row[HEADER.index("kind")] for row in rows[1:]}
    (exported,) = events(app, EventKind.ADMIN_EXPORT)
    assert exported.payload["file"] == written.name


def test_export_any_date_range_by_day_and_week_steps(
    app: App, make_screen: Any, tmp_path: Path
) -> None:
    stick = tmp_path / "STICK"
    stick.mkdir()
    screen = make_screen(app, Ports(app, NullSignals(), drives=lambda: [stick]))
    manager_mode(screen)
    screen.press("export")
    screen.wait_for("manager_export")
    steps = screen.current.ids
    assert "Wed 18 Nov 2026" in steps.start.text and "Tue 24 Nov 2026" in steps.end.text
    start_steps = [b for b in steps.start_steps.children if hasattr(b, "step")]
    end_steps = [b for b in steps.end_steps.children if hasattr(b, "step")]
    by_step = {b.step: b for b in start_steps + end_steps}
    screen.touch(by_step[("start", -7)])
    screen.touch(by_step[("start", -7)])
    screen.touch(by_step[("end", -7)])
    screen.touch(by_step[("end", 1)])
    screen.touch(by_step[("end", 7)])  # never past today
    screen.touch(by_step[("start", 1)])
    assert [t.state for t in steps.ranges.children] == ["normal"] * 3
    screen.press_text("Save to STICK")
    screen.wait_for("done")
    (written,) = stick.glob("kiosk-*.csv")
    assert written.name == "kiosk-entrance-1-2026-11-05-to-2026-11-24.csv"


def test_the_first_day_never_passes_the_last() -> None:
    from datetime import date

    from kiosk.ui.export import stepped

    today = date(2026, 11, 24)
    start, end = date(2026, 11, 20), date(2026, 11, 22)
    assert stepped(start, end, "start", 7, today) == (today, today)
    assert stepped(start, end, "end", -7, today) == (date(2026, 11, 15), date(2026, 11, 15))
    assert stepped(start, end, "end", 7, today) == (start, today)
