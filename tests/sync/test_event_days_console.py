"""Event-day notices end to end, in a real browser: the manager schedules the Christmas concert's
notice; the service's `policy_reference` JSON reaches the kiosk; on that day a parent acknowledges
it (the day before, the usual notice); the events CSV the browser downloads says which notice and
version each visitor acknowledged (issue 13)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kiosk.domain.types import VisitorType
from kiosk.services.reference import apply_policy_reference
from kiosk.sync.server.managers import set_password
from kiosk.sync.server.policy_reference import policy_reference
from tests.sync.chromium import navigate, needs_chromium
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running
from tests.sync.test_browser import wait_for_file
from tests.sync.test_equipment_console import setting_of
from tests.sync.test_open_exceptions import PASSWORD, log_in, push_all

pytestmark = needs_chromium
CONCERT = "Parents may photograph their own child, for personal use only. Not on social media."


def test_the_concert_day_notice(running: Running, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    app = make_kiosk(tmp_path, "entrance-1")
    push_all(app, running)
    setting = setting_of(running.engine, "entrance-1")
    concert = date.today() + timedelta(days=2)  # the service schedules today or later only
    set_password(running.engine, "amara", PASSWORD)
    log_in(browser, running.url)
    browser.get(f"{running.url}/manager/s/{setting}/event-days")
    browser.execute_script(f"document.getElementById('f-on_date').value = '{concert}'")
    browser.find_element(By.ID, "f-title").send_keys("Christmas concert")
    browser.find_element(By.ID, "f-version").send_keys("concert-2026")
    body = browser.find_element(By.ID, "f-body")
    body.clear()
    body.send_keys(CONCERT)
    navigate(browser, browser.find_element(By.ID, "schedule"))
    assert f"{concert}: Christmas concert (version concert-2026)" in browser.page_source

    with Session(running.engine) as session:
        section = policy_reference(session, setting)
    apply_policy_reference(app.ctx, section)
    clock: Any = app.ctx.clock
    day_before = datetime.combine(concert - timedelta(days=1), time(9), tzinfo=UTC)
    clock.advance((day_before - clock.now()).total_seconds())
    visitors = app.kiosk.visitors
    visitors.sign_in(VisitorType.PARENT, "Ann Lee", "", "Room 1", acknowledged=True,
                     lone_working=False)  # fmt: skip
    clock.advance(86400)
    visitors.sign_in(VisitorType.PARENT, "Jo Bloggs", "", "Room 1", acknowledged=True,
                     lone_working=False)  # fmt: skip
    push_all(app, running)
    app.close()

    browser.get(f"{running.url}/manager/s/{setting}/events")
    browser.find_element(By.ID, "export").click()
    with wait_for_file(tmp_path / "dl").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] == "visitor.in"]
    assert sorted((r["person"], r["notice"], r["notice_version"]) for r in rows) == [
        ("Ann Lee", "usual", "2026-09"),
        ("Jo Bloggs", "event: Christmas concert", "concert-2026"),
    ]
