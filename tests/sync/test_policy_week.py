"""A week in a nursery, played through (issue 13's check): cameras out and back, one never
returned; a new e-safety agreement published mid-week; a virtual observation approved; a concert
day with its own notice. The manager's console pages and CSVs, and the kiosk's own export, are
compared with what happened. The console is used as a browser would (session, CSRF, forms) over
real HTTP; the kiosk through its services; the reference data by `policy_reference` -> JSON ->
`apply_policy_reference`, as the down-sync will carry it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kiosk.app import App
from kiosk.domain.equipment import Purpose
from kiosk.domain.types import VisitorType
from kiosk.export import ExportRequest, ExportScope
from kiosk.services.exports import ExportService
from kiosk.services.observations import todays_observations
from kiosk.services.reference import apply_policy_reference
from kiosk.sync.server.managers import set_password
from kiosk.sync.server.policy_reference import policy_reference
from tests.conftest import staff_id
from tests.sync.console import Client
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running
from tests.sync.test_equipment_console import setting_of
from tests.sync.test_open_exceptions import PASSWORD, push_all
from tests.test_export import read_back

MONDAY = date.today() + timedelta(days=1)  # the service schedules only from today on


def day(n: int, hour: int = 8) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=n), time(hour), tzinfo=UTC)


def at(app: App, moment: datetime) -> None:
    clock: Any = app.ctx.clock
    clock.advance((moment - clock.now()).total_seconds())


def fetch(app: App, running: Running, setting: int) -> None:
    with Session(running.engine) as session:
        apply_policy_reference(app.ctx, policy_reference(session, setting))


def post_ok(client: Client, path: str, **fields: Any) -> None:
    answer = client.post(path, **fields)
    assert answer.status_code == 303, answer.text[-500:]


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_week(running: Running, tmp_path: Path) -> None:
    app = make_kiosk(tmp_path, "entrance-1")
    at(app, day(0, 7))
    push_all(app, running)
    setting = setting_of(running.engine, "entrance-1")
    base = f"/manager/s/{setting}"
    set_password(running.engine, "amara", PASSWORD)
    manager = Client(running)
    assert manager.login("amara").status_code == 303

    # Monday, before opening: the register, the agreements, the concert, an observation.
    for kind, label, tag in (("camera", "Camera 1", "E0C0FFEE"), ("camera", "Camera 2", ""),
                             ("tablet", "Tablet A", "")):  # fmt: skip
        post_ok(manager, f"{base}/equipment", kind=kind, label=label, asset_tag="", tag=tag)
    post_ok(manager, f"{base}/texts", kind="esafety_agreement", version="es-1",
            body="I use only the setting's devices with the children.")  # fmt: skip
    post_ok(manager, f"{base}/texts", kind="confidentiality_agreement", version="conf-1",
            body="What I learn about families stays here.")  # fmt: skip
    concert = MONDAY + timedelta(days=3)
    notice = "Photograph your own child only; not on social media."
    post_ok(manager, f"{base}/event-days", on_date=concert.isoformat(), title="Christmas concert",
            version="concert-1", body=notice)  # fmt: skip
    observed = MONDAY + timedelta(days=2)
    post_ok(manager, f"{base}/observations", professional="Dr Rosa Lopez",
            organisation="Speech and Language Therapy", on_date=observed.isoformat(),
            at_time="10:30", present="Amara Okafor", secure_location="yes",
            parent_permission="yes", not_recorded="yes", notes="")  # fmt: skip
    page = manager.get(f"{base}/observations").text
    rosa = page.split('id="approve-')[1].split('"')[0]
    post_ok(manager, f"{base}/observations/{rosa}/approve")
    fetch(app, running, setting)

    # Monday: Ben and Chloé agree before their shifts; cameras out; Camera 2 never comes back.
    ben, chloe = staff_id(app, "Ben"), staff_id(app, "Chloé")
    at(app, day(0, 8))
    for who in (ben, chloe):
        for due in app.kiosk.agreements.due(who):
            app.kiosk.agreements.acknowledge(who, due.agreement.kind, due.agreement.version)
        app.kiosk.start_shift(who, [], no_device=True)
    kit = {x.item.label: x.item.equipment_id for x in app.kiosk.equipment.lines()}
    app.kiosk.equipment.sign_out(ben, kit["Camera 1"], Purpose.LEARNING_JOURNALS)
    app.kiosk.equipment.sign_out(chloe, kit["Camera 2"], Purpose.DISPLAY)
    at(app, day(0, 11))
    app.kiosk.equipment.sign_in(kit["Camera 1"], ben)
    at(app, day(0, 16))
    for who in (ben, chloe):
        app.kiosk.end_shift(who)

    # Wednesday: a new e-safety agreement; Ben puts it off once, Chloé agrees; Rosa observes.
    at(app, day(2, 7))
    text = "I use only the setting's devices, and never my own phone, with the children."
    post_ok(manager, f"{base}/texts", kind="esafety_agreement", version="es-2", body=text)
    fetch(app, running, setting)
    at(app, day(2, 8))
    assert [d.why for d in app.kiosk.agreements.due(ben)] == ["new version"]
    app.kiosk.agreements.defer(ben, "esafety")
    app.kiosk.agreements.acknowledge(chloe, "esafety", "es-2")
    assert [o.professional for o in todays_observations(app.ctx)] == ["Dr Rosa Lopez"]

    # Thursday: the concert's notice; Friday: the usual one again.
    at(app, day(3, 15))
    app.kiosk.visitors.sign_in(VisitorType.PARENT, "Jo Bloggs", "", "Room 1", acknowledged=True,
                               lone_working=False)  # fmt: skip
    at(app, day(4, 9))
    app.kiosk.visitors.sign_in(VisitorType.PARENT, "Ann Lee", "", "Room 1", acknowledged=True,
                               lone_working=False)  # fmt: skip
    push_all(app, running)

    # The manager's views, compared with the week.
    equipment = manager.get(f"{base}/equipment").text
    out_now = equipment.split('id="out-now"')[1].split("</section>")[0]
    assert "Camera 2" in out_now and "Chloé Dubois" in out_now
    assert "OVERDUE: shift ended" in out_now and "Camera 1" not in out_now
    history = rows_of(manager.get(f"{base}/equipment.csv").text)
    assert [(r["what"], r["equipment"], r["person"], r["purpose"]) for r in history] == [
        ("Signed out", "Camera 1", "Ben Carter", "Learning journals"),
        ("Signed out", "Camera 2", "Chloé Dubois", "Display"),
        ("Signed back in", "Camera 1", "Ben Carter", ""),
    ]
    agreements = manager.get(f"{base}/agreements").text
    assert "NO (new version); last ves-1 on" in agreements and "put off once" in agreements
    assert "yes: ves-2 on" in agreements
    events = rows_of(manager.get(f"{base}/events.csv").text)
    seen = sorted((r["person"], r["notice"], r["notice_version"])
                  for r in events if r["kind"] == "visitor.in")  # fmt: skip
    assert seen == [("Ann Lee", "usual", "2026-09"),
                    ("Jo Bloggs", "event: Christmas concert", "concert-1")]  # fmt: skip
    acks = [(r["person"], r["agreement"], r["agreement_version"]) for r in events
            if r["kind"] == "agreement.ack"]  # fmt: skip
    assert ("Chloé Dubois", "esafety", "es-2") in acks and len(acks) == 5
    assert "approved (amara)" in manager.get(f"{base}/observations").text

    # The kiosk's own export of the week says the same.
    week = ExportRequest(MONDAY, MONDAY + timedelta(days=4), ExportScope.STAFF, tmp_path / "w.csv")
    ExportService(app.ctx).export(week)
    own = read_back(week.destination)
    assert [r["devices"] for r in own if r["kind"] == "equipment.out"] == ["Camera 1", "Camera 2"]
    assert [r["agreement"] for r in own if r["kind"] == "agreement.defer"] == ["esafety"]
    app.close()
