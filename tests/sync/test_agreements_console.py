"""Staff agreements and declarations end to end, in a real browser: the manager publishes the
e-safety agreement and sets the renewal period; the service's `policy_reference` JSON reaches
the kiosk; one member of staff agrees, another puts it off once; the console shows who has
acknowledged which version, and a new version published mid-week makes it due again. A
declaration is recorded with a review date, shown to managers only (issue 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.services.reference import apply_policy_reference
from kiosk.sync.server.managers import set_password
from kiosk.sync.server.policy_reference import policy_reference
from kiosk.sync.server.tenancy import Declaration
from tests.conftest import staff_id
from tests.sync.chromium import navigate, needs_chromium
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running
from tests.sync.test_equipment_console import setting_of
from tests.sync.test_open_exceptions import PASSWORD, log_in, push_all

pytestmark = needs_chromium


def publish(browser: Any, url: str, version: str, body: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(url + "/texts")
    Select(browser.find_element(By.ID, "f-kind")).select_by_value("esafety_agreement")
    box = browser.find_element(By.ID, "f-version")
    box.clear()
    box.send_keys(version)
    browser.find_element(By.ID, "f-body").send_keys(body)
    navigate(browser, browser.find_element(By.ID, "publish"))


def row_of(browser: Any, name: str) -> str:
    from selenium.webdriver.common.by import By

    rows = browser.find_element(By.ID, "acknowledged").find_elements(By.CSS_SELECTOR, "tbody tr")
    (found,) = [r.text for r in rows if r.text.startswith(name)]
    return str(found)


def test_agreements_and_declarations(running: Running, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    app = make_kiosk(tmp_path, "entrance-1")
    clock: Any = app.ctx.clock
    app.kiosk.start_shift(staff_id(app, "Priya"), [], no_device=True)  # known to the service
    app.kiosk.start_shift(staff_id(app, "Ben"), [], no_device=True)
    app.kiosk.start_shift(staff_id(app, "Chloé"), [], no_device=True)
    push_all(app, running)
    setting = setting_of(running.engine, "entrance-1")
    url = f"{running.url}/manager/s/{setting}"
    set_password(running.engine, "amara", PASSWORD)
    log_in(browser, running.url)
    publish(browser, url, "2026-11", "I use only the setting's devices with the children.")
    browser.get(url + "/agreements")
    days = browser.find_element(By.ID, "f-days")
    days.clear()
    days.send_keys("365")
    navigate(browser, browser.find_element(By.ID, "save-renewal"))

    with Session(running.engine) as session:
        section = policy_reference(session, setting)
    assert section["agreements"][0]["version"] == "2026-11"
    apply_policy_reference(app.ctx, section)
    ben, chloe = staff_id(app, "Ben"), staff_id(app, "Chloé")
    app.kiosk.agreements.acknowledge(ben, "esafety", "2026-11")
    app.kiosk.agreements.defer(chloe, "esafety")
    push_all(app, running)
    browser.get(url + "/agreements")
    assert "E-safety and internet agreement (v2026-11)" in browser.page_source
    assert row_of(browser, "Ben Carter") == "Ben Carter yes: v2026-11 on 2026-11-24"
    assert row_of(browser, "Chloé Dubois") == "Chloé Dubois NO (never acknowledged); put off once"
    assert row_of(browser, "Priya Shah") == "Priya Shah NO (never acknowledged)"

    clock.advance(2 * 86400)
    publish(browser, url, "2026-11b", "I use only the setting's devices, never my own phone.")
    browser.get(url + "/agreements")
    assert (
        row_of(browser, "Ben Carter") == "Ben Carter NO (new version); last v2026-11 on 2026-11-24"
    )

    Select(browser.find_element(By.ID, "f-person")).select_by_visible_text("Ben Carter")
    browser.find_element(By.ID, "f-about").send_keys("Friends with a parent of a child in Room 2")
    browser.execute_script("document.getElementById('f-review_on').value = '2026-01-31'")
    navigate(browser, browser.find_element(By.ID, "declare"))
    section_text = browser.find_element(By.ID, "declarations").text
    assert "Friends with a parent of a child in Room 2" in section_text
    assert "REVIEW 2026-01-31" in section_text  # its review date has come
    with Session(running.engine) as session:
        assert session.scalars(select(Declaration.about)).one().startswith("Friends")
        assert "declarations" not in policy_reference(session, setting)  # never to a kiosk
    app.close()
