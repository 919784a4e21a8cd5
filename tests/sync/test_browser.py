"""The manager's page in a real browser: Debian's Chromium, headless, driven by Selenium through
Debian's chromedriver (never a downloaded browser). Log in, read who is on site on a phone-sized
window, filter the events on a desktop-sized one, and export the CSV through the download."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kiosk.export import HEADER
from kiosk.sync.server import db
from kiosk.sync.server.managers import set_password
from tests.sync.chromium import navigate, needs_chromium
from tests.sync.server import Running, serve
from tests.sync.site import morning

pytestmark = needs_chromium


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Running]:
    engine: Engine = db.make_engine(f"sqlite:///{tmp_path / 'records.sqlite3'}")
    running = serve(engine)
    morning(running, tmp_path).close()
    set_password(engine, "amara", "correct horse battery")
    yield running
    running.stop()
    engine.dispose()


def wait_for_file(folder: Path, timeout_s: float = 10) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = [p for p in folder.glob("*.csv")] if folder.exists() else []
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError("no CSV downloaded")


def test_log_in_filter_and_export_in_chromium(site: Running, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.set_window_size(390, 844)  # a phone
    browser.get(site.url + "/manager")
    assert "Manager log in" in browser.page_source
    browser.find_element(By.NAME, "name").send_keys("amara")
    browser.find_element(By.NAME, "password").send_keys("wrong password")
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "Wrong name or password" in browser.find_element(By.CSS_SELECTOR, ".error").text
    browser.find_element(By.NAME, "name").send_keys("amara")
    browser.find_element(By.NAME, "password").send_keys("correct horse battery")
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    section = browser.find_element(By.ID, "kiosk-entrance-1")
    assert "Ben Carter" in section.text and "Chloé Dubois" not in section.text
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"

    browser.set_window_size(1280, 900)  # a desktop
    navigate(browser, browser.find_element(By.LINK_TEXT, "Events"))
    browser.find_element(By.ID, "f-person").send_keys("Chlo")
    Select(browser.find_element(By.ID, "f-kind")).select_by_value("shift")
    navigate(browser, browser.find_element(By.ID, "apply"))
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 2 and all("Chloé Dubois" in r.text for r in rows)
    browser.find_element(By.ID, "export").click()
    with wait_for_file(tmp_path / "dl").open(newline="", encoding="utf-8") as handle:
        exported = list(csv.reader(handle))
    assert exported[0] == HEADER
    assert sorted(r[HEADER.index("kind")] for r in exported[1:]) == ["shift.end", "shift.start"]
