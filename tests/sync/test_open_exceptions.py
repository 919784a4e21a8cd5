"""On the console: a device not back at its owner's shift end stays on the On-site page, marked
OPEN, until a manager closes it at the kiosk; the closing and its note read back from the CSV the
browser downloads. Also: a records database from before r0005_policy shows exceptions left open
by shifts that ended before the upgrade (issue 13)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kiosk.app import App
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.server import db, sitestate
from kiosk.sync.server.managers import set_password
from tests.conftest import MANAGER_PIN, staff_id
from tests.services.test_open_exceptions import ben_leaves_with_his_phone_out
from tests.sync.chromium import navigate, needs_chromium
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running
from tests.sync.test_browser import wait_for_file

PASSWORD = "correct horse battery"


def push_all(app: App, records: Running) -> None:
    kiosk_id = app.config.kiosk.id
    settings = PushSettings(url=records.url, kiosk_id=kiosk_id, token=records.token(kiosk_id),
                            backoff=Backoff(0.01, 0.05))  # fmt: skip
    pusher = Pusher(app.store, settings)
    assert pusher.push().finished
    pusher.close()


def log_in(browser: Any, url: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(url + "/manager")
    browser.find_element(By.NAME, "name").send_keys("amara")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "button[type=submit]"))


@needs_chromium
def test_the_console_shows_it_open_until_closed_at_the_kiosk(
    running: Running, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    app = make_kiosk(tmp_path, "entrance-1")
    clock: Any = app.ctx.clock
    ben = ben_leaves_with_his_phone_out(app, clock)
    push_all(app, running)
    set_password(running.engine, "amara", PASSWORD)
    log_in(browser, running.url)
    section = browser.find_element(By.ID, "kiosk-entrance-1").text
    assert "Not back at shift end" in section
    assert "Ben Carter phone 24 Nov 07:55 OPEN" in section
    assert "Ben Carter" not in section.split("Staff on site")[1].split("Devices out")[0]

    clock.advance(3600)
    approval = app.kiosk.approvals.verify(staff_id(app, "Amara"), MANAGER_PIN)
    app.kiosk.close_exception(ben, "phone", approval, note="returned to the office")
    push_all(app, running)
    app.close()
    browser.refresh()
    section = browser.find_element(By.ID, "kiosk-entrance-1").text
    assert "OPEN" not in section and "None open." in section

    navigate(browser, browser.find_element(By.LINK_TEXT, "Events"))
    browser.find_element(By.ID, "export").click()
    with wait_for_file(tmp_path / "dl").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ended = next(r for r in rows if r["kind"] == "shift.end")
    closed = next(r for r in rows if r["kind"] == "exception.close")
    assert ended["still_out"] == "phone"
    assert (closed["person"], closed["devices"], closed["approver"], closed["note"]) == (
        "Ben Carter",
        "phone",
        "Amara Okafor",
        "returned to the office",
    )


def test_an_upgrade_refolds_exceptions_left_before_it(running: Running, tmp_path: Path) -> None:
    app = make_kiosk(tmp_path, "entrance-1")
    ben_leaves_with_his_phone_out(app, app.ctx.clock)  # type: ignore[arg-type]
    push_all(app, running)
    app.close()
    engine = running.engine
    with engine.begin() as conn:  # as it was kept before r0005_policy: no exceptions
        (raw,) = conn.execute(text("SELECT state FROM kiosk_states")).one()
        old = raw if isinstance(raw, dict) else json.loads(raw)
        old.pop("exceptions")
        conn.execute(text("UPDATE kiosk_states SET state = :s"), {"s": json.dumps(old)})
        for table in (
            "setting_equipment",
            "declarations",
            "event_day_notices",
            "virtual_observations",
        ):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE settings DROP COLUMN agreement_renewal_days"))
        for index in ("ix_events_kiosk_dated", "ix_events_dated_received"):  # and r0006_dated
            conn.execute(text(f"DROP INDEX {index}"))
        for column in ("dated_at", "dated_by"):
            conn.execute(text(f"ALTER TABLE events DROP COLUMN {column}"))
        # The revision before r0005_policy (the migrations of issues 11, 12 and 14 come first).
        conn.execute(text("UPDATE alembic_version SET version_num = 'r0005_privacy_notice'"))
    assert sitestate.current(engine, ["entrance-1"])["entrance-1"].exceptions == {}
    db.upgrade(engine)
    (kept,) = sitestate.current(engine, ["entrance-1"])["entrance-1"].exceptions.values()
    assert kept.device == "phone"
