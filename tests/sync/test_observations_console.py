"""Virtual observations end to end, in a real browser: the manager records two requests; one with
every confirmation is approved, one without parent permission cannot be and is refused; only the
approved one reaches the kiosk (policy_reference JSON) for the manager's screen on the day; a
professional's details go with retention like a visitor's (issue 13)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.services.observations import todays_observations
from kiosk.services.reference import apply_policy_reference
from kiosk.sync.server.managers import set_password
from kiosk.sync.server.policy_reference import policy_reference
from kiosk.sync.server.retention import Retention, prune
from kiosk.sync.server.tenancy import VirtualObservation
from tests.sync.chromium import navigate, needs_chromium
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running
from tests.sync.test_equipment_console import setting_of
from tests.sync.test_open_exceptions import PASSWORD, log_in, push_all

pytestmark = needs_chromium


def request(browser: Any, day: date, who: str, *, permission: bool) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "f-professional").send_keys(who)
    browser.find_element(By.ID, "f-organisation").send_keys("Speech and Language Therapy")
    browser.execute_script(f"document.getElementById('f-on_date').value = '{day}'")
    browser.execute_script("document.getElementById('f-at_time').value = '10:30'")
    browser.find_element(By.ID, "f-present").send_keys("Amara Okafor (key person)")
    browser.find_element(By.ID, "f-secure_location").click()
    browser.find_element(By.ID, "f-not_recorded").click()
    if permission:
        browser.find_element(By.ID, "f-parent_permission").click()
    navigate(browser, browser.find_element(By.ID, "request"))


def test_requested_approved_and_on_the_kiosk(
    running: Running, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    app = make_kiosk(tmp_path, "entrance-1")
    push_all(app, running)
    setting = setting_of(running.engine, "entrance-1")
    url = f"{running.url}/manager/s/{setting}/observations"
    day = date.today() + timedelta(days=1)
    set_password(running.engine, "amara", PASSWORD)
    log_in(browser, running.url)
    browser.get(url)
    request(browser, day, "Dr Rosa Lopez", permission=True)
    request(browser, day, "Mr Tom Hill", permission=False)
    with Session(running.engine) as session:
        ids = {
            name: ident
            for name, ident in session.execute(
                select(VirtualObservation.professional, VirtualObservation.id)
            )
        }
    rosa, tom = ids["Dr Rosa Lopez"], ids["Mr Tom Hill"]
    navigate(browser, browser.find_element(By.ID, f"approve-{tom}"))
    assert "Cannot approve without the parent or carer permission" in browser.page_source
    browser.get(url)
    navigate(browser, browser.find_element(By.ID, f"approve-{rosa}"))
    navigate(browser, browser.find_element(By.ID, f"refuse-{tom}"))
    rows = browser.find_element(By.ID, "requests").text
    assert "Dr Rosa Lopez" in rows and "approved (amara)" in rows and "refused (amara)" in rows

    with Session(running.engine) as session:
        section = policy_reference(session, setting)
    assert [o["professional"] for o in section["observations"]] == ["Dr Rosa Lopez"]
    apply_policy_reference(app.ctx, section)
    clock: Any = app.ctx.clock
    assert todays_observations(app.ctx) == []  # the kiosk's day is before it
    clock.advance((datetime.combine(day, time(8), tzinfo=UTC) - clock.now()).total_seconds())
    (line,) = todays_observations(app.ctx)
    assert (line.at_time, line.professional, line.present) == (
        "10:30", "Dr Rosa Lopez", "Amara Okafor (key person)")  # fmt: skip
    app.close()

    later = datetime.now(UTC) + timedelta(days=40)  # past the visitors' 30 days after the day
    prune(running.engine, Retention(), now=later)
    with Session(running.engine) as session:
        assert session.scalar(select(func.count()).select_from(VirtualObservation)) == 0
