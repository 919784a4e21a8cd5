"""The console's journeys in a real browser (headless Chromium through Selenium), as a setting
manager on a phone-sized window: add a starter and enrol their badge from the door's unknown
taps, mark a leaver, reset a manager's PIN, publish a new notice version, register a kiosk and
see its token once. Screenshots at phone and desktop width go to $KIOSK_CONSOLE_SHOTS if set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.security import verify_pin
from kiosk.sync.server import db
from kiosk.sync.server.tenancy import Badge, Person, SettingText
from tests.sync.chromium import navigate, needs_chromium
from tests.sync.console import PASSWORD, Org, event, make_org, push, staff
from tests.sync.server import serve

pytestmark = needs_chromium
PHONE, DESKTOP = (390, 844), (1280, 900)


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'records.sqlite3'}")
    running = serve(engine)
    org = make_org(running)
    assert push(running, "a-door", [
        event("shift.start", subject=staff(1, "Ben Carter"), devices=["phone"], locker="2"),
        event("badge.unknown", uid="04A1B2C3"),
    ]).ok  # fmt: skip
    yield org
    running.stop()
    engine.dispose()


def sign_in(browser: Any, org: Org, name: str = "anna") -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(*PHONE)
    browser.get(org.records.url + "/manager")
    browser.find_element(By.NAME, "name").send_keys(name)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "On site now" in browser.find_element(By.TAG_NAME, "h1").text


def click(browser: Any, ident: str) -> None:
    from selenium.webdriver.common.by import By

    navigate(browser, browser.find_element(By.ID, ident))


def follow(browser: Any, text: str) -> None:
    from selenium.webdriver.common.by import By

    navigate(browser, browser.find_element(By.LINK_TEXT, text))


def fill(browser: Any, name: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    box = browser.find_element(By.ID, f"f-{name}")
    box.clear()
    box.send_keys(text)


def notice(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.CSS_SELECTOR, "p.notice").text)


def no_sideways_scroll(browser: Any) -> None:
    """Wide tables scroll inside their own box; the page itself never scrolls sideways."""
    sizes = browser.execute_script(
        "const d = document.documentElement; return [d.scrollWidth, d.clientWidth]"
    )
    assert sizes[0] <= sizes[1], f"the page scrolls sideways on a phone: {sizes}"


def add_starter(browser: Any, name: str, role: str = "staff") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    follow(browser, "Staff")
    fill(browser, "name", name)
    Select(browser.find_element(By.ID, "f-role")).select_by_value(role)
    click(browser, "add-person")
    assert name in browser.find_element(By.TAG_NAME, "h1").text


def person(org: Org, name: str) -> Person:
    with Session(org.records.engine) as s:
        return s.scalars(select(Person).where(Person.name == name)).one()


def test_add_a_starter_and_enrol_their_badge(org: Org, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(browser, org)
    add_starter(browser, "Dara Quinn")
    assert "Enrol their badge" in notice(browser)
    Select(browser.find_element(By.ID, "f-uid")).select_by_value("04A1B2C3")
    no_sideways_scroll(browser)
    click(browser, "enrol")
    assert notice(browser) == "Badge enrolled."
    assert "04A1B2C3" in browser.find_element(By.TAG_NAME, "table").text
    with Session(org.records.engine) as s:
        badge = s.scalars(select(Badge)).one()
    assert badge.person_id == person(org, "Dara Quinn").id and badge.revoked_at is None


def test_mark_a_leaver(org: Org, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, org)
    add_starter(browser, "Leo Lane")
    fill(browser, "typed", "0A0B0C0D")
    click(browser, "enrol")
    click(browser, "leave")
    assert "history is kept" in notice(browser)
    assert "(left)" in browser.find_element(By.TAG_NAME, "h1").text
    assert "revoked" in browser.find_element(By.TAG_NAME, "table").text
    assert person(org, "Leo Lane").left_at is not None


def test_reset_a_managers_pin(org: Org, browser: Any) -> None:
    sign_in(browser, org)
    add_starter(browser, "Gus Grant", role="manager")
    for pin in ("482615", "739104"):
        fill(browser, "pin", pin)
        fill(browser, "again", pin)
        click(browser, "set-pin")
        assert "never" in notice(browser) or "not shown" in notice(browser)
        assert pin not in browser.page_source
    stored = person(org, "Gus Grant").pin_hash
    assert stored and verify_pin("739104", stored) and not verify_pin("482615", stored)
    assert "Reset PIN" in browser.page_source


def test_publish_a_new_notice_version(org: Org, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, org)
    follow(browser, "Notices")
    for version, text in (("v1", "No phones, please."), ("v2", "No phones anywhere, please.")):
        fill(browser, "version", version)
        fill(browser, "body", text)
        click(browser, "publish")
        assert notice(browser) == "Published as a new version."
    section = browser.find_element(By.ID, "text-visitor_notice").text
    assert "Version v2 (current)" in section and "Version v1" in section
    assert "No phones, please." in section and "by anna" in section
    with Session(org.records.engine) as s:
        assert len(s.scalars(select(SettingText)).all()) == 2


def test_register_a_kiosk_and_see_its_token_once(org: Org, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, org)
    follow(browser, "Kiosks")
    fill(browser, "kiosk", "a-garden")
    fill(browser, "label", "Garden door")
    click(browser, "register")
    assert "Kiosk registered" in notice(browser)
    click(browser, "token-a-garden")
    token = browser.find_element(By.ID, "token").text
    assert token.startswith("kt_")
    no_sideways_scroll(browser)
    follow(browser, "Kiosks")
    assert token not in browser.page_source
    assert "a-garden" in browser.find_element(By.ID, "kiosk-a-garden").text


def test_screenshots_at_phone_and_desktop_width(org: Org, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    shots = Path(os.environ.get("KIOSK_CONSOLE_SHOTS") or tmp_path)
    sign_in(browser, org)
    add_starter(browser, "Dara Quinn")
    pages = {"onsite": org.url(org.a), "person": browser.current_url,
             "events": org.url(org.a, "/events")}  # fmt: skip
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        browser.set_window_size(*size)
        for name, url in pages.items():
            browser.get(url)
            assert browser.find_element(By.TAG_NAME, "h1").text
            if label == "phone":
                no_sideways_scroll(browser)
            path = shots / f"console-{name}-{label}.png"
            assert browser.save_screenshot(str(path)) and path.stat().st_size > 1000
