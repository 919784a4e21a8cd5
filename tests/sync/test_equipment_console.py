"""The setting's cameras and tablets end to end: the manager adds them on the console in a real
browser; the service's `policy_reference` JSON is applied at the kiosk; a camera goes out and back
and a tablet goes out with someone who then ends their shift; the console shows who has which
(overdue marked) and the history, and the CSV the browser downloads reads back (issue 13)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.domain.equipment import Purpose
from kiosk.domain.types import PolicyError
from kiosk.services.reference import apply_policy_reference
from kiosk.sync.server import audit
from kiosk.sync.server.managers import set_password
from kiosk.sync.server.policy_admin import add_equipment, retire_equipment
from kiosk.sync.server.policy_reference import policy_reference
from kiosk.sync.server.tenancy import Kiosk, Setting
from tests.conftest import staff_id
from tests.sync.chromium import navigate, needs_chromium
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running
from tests.sync.test_browser import wait_for_file
from tests.sync.test_open_exceptions import PASSWORD, log_in, push_all


def setting_of(engine: Engine, kiosk_id: str) -> int:
    with Session(engine) as session:
        return int(session.scalars(select(Kiosk.setting_id).where(Kiosk.id == kiosk_id)).one())


def fill(browser: Any, fields: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, "f-kind")).select_by_value(fields.pop("kind"))
    for name, value in fields.items():
        box = browser.find_element(By.ID, f"f-{name}")
        box.clear()
        box.send_keys(value)
    navigate(browser, browser.find_element(By.ID, "add-equipment"))


@needs_chromium
def test_a_week_of_cameras_in_the_browser(running: Running, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    app = make_kiosk(tmp_path, "entrance-1")
    push_all(app, running)  # the kiosk is known to the service, in its setting
    setting = setting_of(running.engine, "entrance-1")
    set_password(running.engine, "amara", PASSWORD)
    log_in(browser, running.url)
    browser.get(f"{running.url}/manager/s/{setting}/equipment")
    assert "The register is empty." in browser.page_source
    fill(browser, {"kind": "camera", "label": "Camera 1", "asset_tag": "LA-001", "tag": "e0c0ffee"})
    fill(browser, {"kind": "tablet", "label": "Tablet A", "asset_tag": "LA-002"})
    fill(browser, {"kind": "camera", "label": "camera 1", "asset_tag": ""})
    assert "labelled 'camera 1'" in browser.page_source  # refused, and said why
    browser.get(f"{running.url}/manager/s/{setting}/equipment")
    register = browser.find_element(By.ID, "register").text
    assert "Camera 1 camera LA-001 E0C0FFEE" in register and "Tablet A" in register

    with Session(running.engine) as session:
        section = policy_reference(session, setting)
    apply_policy_reference(app.ctx, section)  # as the down-sync will
    camera = app.kiosk.equipment.by_tag("E0C0FFEE")
    assert camera is not None and camera.label == "Camera 1"
    clock: Any = app.ctx.clock
    ben, chloe = staff_id(app, "Ben"), staff_id(app, "Chloé")
    for who in (ben, chloe):
        app.kiosk.start_shift(who, [], no_device=True)
    app.kiosk.equipment.sign_out(ben, camera.equipment_id, Purpose.LEARNING_JOURNALS)
    tablet = next(x.item for x in app.kiosk.equipment.lines() if x.item.label == "Tablet A")
    app.kiosk.equipment.sign_out(chloe, tablet.equipment_id, Purpose.VIRTUAL_COURSE)
    clock.advance(1800)
    app.kiosk.equipment.sign_in(camera.equipment_id, ben)
    app.kiosk.end_shift(chloe)  # with the tablet still out
    push_all(app, running)
    app.close()

    browser.refresh()
    out = browser.find_element(By.ID, "out-now").text
    assert "Tablet A tablet Chloé Dubois Virtual course" in out
    assert "OVERDUE: shift ended" in out and "Camera 1" not in out
    history = browser.find_element(By.ID, "history").text
    assert "Signed back in Camera 1 camera Ben Carter" in history
    browser.find_element(By.ID, "export-equipment").click()
    with wait_for_file(tmp_path / "dl").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle)]
    assert [
        (r["what"], r["equipment"], r["person"], r["purpose"], r["returned_by"]) for r in rows
    ] == [
        ("Signed out", "Camera 1", "Ben Carter", "Learning journals", ""),
        ("Signed out", "Tablet A", "Chloé Dubois", "Virtual course", ""),
        ("Signed back in", "Camera 1", "Ben Carter", "", "Ben Carter"),
    ]


def test_the_register_is_the_settings_own(running: Running, tmp_path: Path) -> None:
    """A tag that is a staff badge is refused; another setting's register is not in the JSON."""
    from kiosk.sync.server.registry import first_organisation, new_setting

    with Session(running.engine) as s, s.begin():
        org = first_organisation(s)
        a, b = new_setting(s, org, "Little Acorns"), new_setting(s, org, "Busy Bees")
        actor = audit.Actor(name="test", organisation_id=org, address="127.0.0.1")
        camera = add_equipment(s, a, actor, kind="camera", label="Camera 1")
        add_equipment(s, b, actor, kind="tablet", label="Tablet B")
        assert retire_equipment(s, b, actor, camera.id) is None  # not B's: not found
        assert camera.retired_at is None
        with pytest.raises(PolicyError, match="Unknown kind"):
            add_equipment(s, b, actor, kind="phone", label="Someone's phone")
        a_id = a.id
    with Session(running.engine) as s:
        section = policy_reference(s, a_id)
        assert [e["label"] for e in section["equipment"]] == ["Camera 1"]
        assert section["version"] == str(s.get(Setting, a_id).roster_version)  # type: ignore[union-attr]
