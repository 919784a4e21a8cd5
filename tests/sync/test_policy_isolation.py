"""The new console pages of issue 13 tried as an attacker would, on SQLite and PostgreSQL: the
manager of setting A uses setting B's ids (equipment, declarations, event-day notices,
observations) under A's path and B's path; nothing of B is shown, nothing of B changes, and
every answer is the same 404 as for an id that does not exist."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.sync.server.tenancy import (
    Declaration,
    EventDayNotice,
    Person,
    SettingEquipment,
    VirtualObservation,
)
from tests.sync.console import Client, event, make_org, push, staff
from tests.sync.server import Running

PAGES = ("/equipment", "/equipment.csv", "/agreements", "/event-days", "/observations")
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def counts(records: Running) -> tuple[int, ...]:
    with Session(records.engine) as s:
        tables = (SettingEquipment, Declaration, EventDayNotice, VirtualObservation)
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0 for t in tables)


def test_setting_b_cannot_be_reached_from_a(records: Running) -> None:
    org = make_org(records)
    assert push(records, "b-door", [event("shift.start", subject=staff(1, "Bella Bee"),
                                          devices=[], locker=None)]).ok  # fmt: skip
    bob = Client(records)
    bob.login("bob")
    b = org.url(org.b)
    assert bob.post(b + "/equipment", kind="camera", label="B camera", asset_tag="", tag="").ok
    with Session(records.engine) as s:
        bella = s.scalars(select(Person.id).where(Person.name == "Bella Bee")).one()
    bob.post(b + "/declarations", person=str(bella), about="B secret friendship",
             review_on=TOMORROW)  # fmt: skip
    bob.post(b + "/event-days", on_date=TOMORROW, title="B fair", version="b1", body="B notice")
    bob.post(b + "/observations", professional="B Visitor", organisation="B Org",
             on_date=TOMORROW, at_time="10:00", present="Bob", secure_location="yes",
             parent_permission="yes", not_recorded="yes", notes="")  # fmt: skip
    before = counts(records)
    assert all(before), before
    with Session(records.engine) as s:
        ids = {"equipment": s.scalars(select(SettingEquipment.id)).one(),
               "declarations": s.scalars(select(Declaration.id)).one(),
               "event-days": s.scalars(select(EventDayNotice.id)).one(),
               "observations": s.scalars(select(VirtualObservation.id)).one()}  # fmt: skip

    anna = Client(records)
    anna.login("anna")
    for path in PAGES:
        assert anna.get(org.url(org.b, path)).status_code == 404
        own = anna.get(org.url(org.a, path))
        assert own.status_code == 200
        assert not any(word in own.text for word in ("B camera", "B secret", "B fair", "B Visitor"))
    seen = ids["observations"]
    tries = [f"/equipment/{ids['equipment']}/retire", f"/declarations/{ids['declarations']}/remove",
             f"/event-days/{ids['event-days']}/cancel", f"/observations/{seen}/approve",
             f"/observations/{seen}/refuse"]  # fmt: skip
    for path in tries:
        assert anna.post(org.url(org.a, path)).status_code == 404, path
        assert anna.post(org.url(org.b, path)).status_code == 404, path
        assert anna.post(org.url(org.a, "/equipment/999999/retire")).status_code == 404
    assert (
        anna.post(
            org.url(org.a, "/declarations"), person=str(bella), about="x", review_on=TOMORROW
        ).status_code
        == 400
    )  # B's person is not A's staff
    assert counts(records) == before
