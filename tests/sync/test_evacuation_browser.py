"""The roll call board in a real browser (headless Chromium), on two phones at once: both see
everyone on site across the setting's doors (one of them offline), tick people safe by touch, and
each phone's board refreshes by itself with the other's ticks and the kiosk's; the printable list
hides the console's controls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.evacuation import Mode
from kiosk.sync.server import db
from tests.conftest import BEN_UID, staff_id
from tests.sync.chromium import navigate, needs_chromium, start_browser
from tests.sync.console import Org, make_org
from tests.sync.evacuation_site import back_door, front_door, push_all, second_door_and_manager
from tests.sync.server import serve
from tests.sync.test_console_browser import sign_in

pytestmark = needs_chromium


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'records.sqlite3'}")
    running = serve(engine)
    org = make_org(running)
    second_door_and_manager(org)
    yield org
    running.stop()
    engine.dispose()


@pytest.fixture
def second_browser(tmp_path: Path) -> Iterator[Any]:
    (tmp_path / "second").mkdir()
    yield from start_browser(tmp_path / "second")


def row_of(browser: Any, name: str) -> Any:
    from selenium.webdriver.common.by import By

    rows = browser.find_elements(By.CSS_SELECTOR, "ul#roll li")
    found = [li for li in rows if li.find_element(By.TAG_NAME, "strong").text == name]
    assert len(found) == 1, f"{name} is not on the board once"
    return found[0]


def wait_until(browser: Any, check: Any) -> None:
    """Wait (for the page's own refresh) until `check(browser)` holds."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # Mid-reload the list may be gone or half there: look again until the time is up.
    patient = WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,
                                                             AssertionError))  # fmt: skip
    patient.until(check)


def press_safe(browser: Any, name: str) -> None:
    """Touch `name`'s Safe button. The page may reload itself (the other phone's tick) between
    finding the button and touching it: then find it again on the new page."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    for _attempt in range(5):
        try:
            navigate(browser, row_of(browser, name).find_element(By.TAG_NAME, "button"))
            return
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"could not touch {name}'s Safe button")


def status(browser: Any, name: str) -> str:
    return str(row_of(browser, name).get_attribute("class"))


def test_two_phones_tick_at_once_and_each_board_refreshes_itself(
    org: Org, browser: Any, second_browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    front, _back = front_door(tmp_path, org), back_door(tmp_path, org)  # the back door: offline
    front.kiosk.evacuation.start(BEN_UID, Mode.DRILL)
    push_all(front, org)
    sign_in(browser, org, "anna")
    sign_in(second_browser, org, "amy")
    for phone in (browser, second_browser):
        phone.get(org.url(org.a, "/evacuation"))
        assert phone.find_element(By.ID, "count").text == "0 of 4 safe"
        first = phone.find_element(By.CSS_SELECTOR, "ul#roll li")
        assert first.get_attribute("class") == "missing"
        assert "LONE WORKING" in row_of(phone, "=cmd|' /C calc'!A0").text
        color = first.value_of_css_property("background-color")
        assert color == "rgba(253, 226, 226, 1)", "not yet accounted for is shown in red"

    for phone, name in ((browser, "Chloé Dubois"), (second_browser, "Pat Parent")):
        press_safe(phone, name)
    wait_until(browser, lambda b: status(b, "Pat Parent") == "safe")  # amy's tick, by itself
    wait_until(second_browser, lambda b: status(b, "Chloé Dubois") == "safe")
    assert "ticked on the board by amy" in row_of(browser, "Pat Parent").text

    front.kiosk.evacuation.mark(("staff", int(staff_id(front, "Ben Carter"))))  # at the door
    push_all(front, org)
    for phone in (browser, second_browser):
        wait_until(phone, lambda b: b.find_element(By.ID, "count").text == "3 of 4 safe")
        names = [li.find_element(By.TAG_NAME, "strong").text
                 for li in phone.find_elements(By.CSS_SELECTOR, "ul#roll li")]  # fmt: skip
        assert names[0] == "=cmd|' /C calc'!A0", "who is not yet accounted for stays on top"


def test_the_printable_list_is_the_roll_as_it_began(org: Org, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    front = front_door(tmp_path, org)
    front.kiosk.evacuation.start(BEN_UID, Mode.REAL)
    push_all(front, org)
    front.kiosk.start_shift(staff_id(front, "Priya Shah"), [], no_device=True)  # arrives later
    push_all(front, org)
    sign_in(browser, org, "anna")
    browser.get(org.url(org.a, "/evacuation"))
    assert row_of(browser, "Priya Shah").get_attribute("class") == "missing"  # on the board
    browser.get(org.url(org.a, "/evacuation/print"))
    printed = browser.find_element(By.CSS_SELECTOR, "table.print-list").text
    assert "Ben Carter" in printed and "LONE WORKING" in printed and "Priya" not in printed
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not browser.find_element(By.TAG_NAME, "header").is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, "table.print-list").is_displayed()
    front.kiosk.evacuation.end()
    push_all(front, org)
    browser.get(org.url(org.a, "/drills"))  # printed as the inspector reads it
    assert not browser.find_element(By.ID, "csv").is_displayed()
    drill = browser.find_element(By.ID, "drill-1")
    assert drill.is_displayed() and "REAL evacuation" in drill.text
    never = drill.find_element(By.CSS_SELECTOR, "dd.never").text
    assert "Ben Carter" in never and "Priya" not in never  # the roll as it began
