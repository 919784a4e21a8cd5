"""An organisation admin's CSV of every setting at once (SQLite and PostgreSQL): each setting's
rows are exactly its own export's, its name in front and its times in its own zone; a setting
manager cannot download it, another organisation's settings are never in it, and the download is
in the audit."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.export_columns import HEADER
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.managers import ADMIN, add_account
from kiosk.sync.server.registry import new_setting, register_kiosk
from kiosk.sync.server.tenancy import AuditEntry, Organisation, Setting
from tests.sync.console import PASSWORD, Client, Org, event, make_org, push, staff

DAY = {"start": "2026-11-24", "end": "2026-11-24"}


@pytest.fixture
def org(records) -> Org:  # type: ignore[no-untyped-def]
    org = make_org(records)
    with Session(records.engine) as s, s.begin():
        s.execute(update(Setting).where(Setting.id == org.b).values(timezone="Europe/Warsaw"))
        other = Organisation(name="Other group", created_at=now_text())
        s.add(other)
        s.flush()
        register_kiosk(s, new_setting(s, other.id, "Cedar Corner").id, "c-door")
        add_account(s, other.id, "zed", PASSWORD, role=ADMIN, setting_ids=[])
    visitor = {"type": "visitor", "id": 9, "name": "=Victor Bravo", "visitor_type": "contractor",
               "organisation": "B-Corp Ltd", "visiting": "Office"}  # fmt: skip
    for kiosk, name in (("a-door", "Ann Acorn"), ("b-door", "Bella Bee"), ("c-door", "Cy Cedar")):
        assert push(records, kiosk, [
            event("shift.start", subject=staff(1, name), devices=["phone", "watch"], locker="1"),
            event("device.out", subject=staff(1, name), device="phone", reason="outing",
                  approver_id=1),
            event("shift.end", subject=staff(1, name), collected=["watch"]),
        ]).ok  # fmt: skip
    assert push(records, "b-door", [event("visitor.in", subject=visitor, lone_working=True)]).ok
    return org


def rows(answer_text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(answer_text)))


def test_each_settings_rows_are_its_own_export_with_its_name(org: Org) -> None:
    root = Client(org.records)
    root.login("root")
    answer = root.get("/manager/group/events.csv", **DAY)
    assert answer.status_code == 200
    assert "group-records-" in answer.headers["content-disposition"]
    got = rows(answer.text)
    assert got[0] == ["setting", *HEADER]

    expected: list[list[str]] = []
    for name, setting in (("Busy Bees", org.b), ("Little Acorns", org.a)):  # by name
        own = rows(root.get(org.url(setting, "/events.csv"), **DAY).text)
        assert own[0] == HEADER and len(own) > 3
        expected += [[name, *row] for row in own[1:]]
    assert got[1:] == expected

    by_setting = {(r[0], r[1 + HEADER.index("kind")]): dict(zip(HEADER, r[1:], strict=True))
                  for r in got[1:]}  # fmt: skip
    for (setting, _), cells in by_setting.items():  # each setting's own wall clock
        zone = ZoneInfo("Europe/Warsaw" if setting == "Busy Bees" else "Europe/London")
        moment = datetime.fromisoformat(cells["time_utc"]).astimezone(zone)
        assert cells["time_local"] == moment.strftime("%Y-%m-%d %H:%M:%S")
    warsaw = by_setting[("Busy Bees", "shift.start")]
    assert warsaw["time_local"][11:13] == "09" and warsaw["time_utc"][11:13] == "08"
    assert by_setting[("Busy Bees", "visitor.in")]["person"] == "'=Victor Bravo"
    assert by_setting[("Busy Bees", "device.out")]["approver"] == "Bella Bee"
    assert by_setting[("Little Acorns", "shift.start")]["devices"] == "phone; watch"
    assert "Cy Cedar" not in answer.text and "Cedar Corner" not in answer.text


def test_the_file_is_byte_for_byte_what_the_csv_module_writes(org: Org) -> None:
    """On PostgreSQL the database writes this file (COPY): the same bytes as the csv module,
    CRLF row ends, empty cells bare, quotes doubled, a newline inside a quoted cell kept."""
    odd = {"type": "visitor", "id": 10, "name": "Zoë \"Z\" Ünal", "visitor_type": "visitor",
           "organisation": 'B-Corp, "Ltd"\nFloor 2', "visiting": "Office\r\nBack"}  # fmt: skip
    assert push(org.records, "b-door", [event("visitor.in", subject=odd, lone_working=False)]).ok
    root = Client(org.records)
    root.login("root")
    answer = root.get("/manager/group/events.csv", **DAY)
    assert answer.status_code == 200

    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(["setting", *HEADER])
    for name, setting in (("Busy Bees", org.b), ("Little Acorns", org.a)):
        own = rows(root.get(org.url(setting, "/events.csv"), **DAY).text)
        writer.writerows([name, *row] for row in own[1:])
    assert answer.content == expected.getvalue().encode("utf-8")
    assert 'B-Corp, ""Ltd""\nFloor 2' in answer.text and ",," in answer.text
    assert answer.content.count(b"\r\n") == len(rows(answer.text)) + 1  # each row, and Back


def test_only_an_admin_downloads_it_and_only_their_own_organisation(org: Org) -> None:
    anna = Client(org.records)
    anna.login("anna")
    refused = anna.get("/manager/group/events.csv", **DAY)
    assert refused.status_code == 404
    assert "Ann Acorn" not in refused.text

    zed = Client(org.records)
    zed.login("zed")
    theirs = zed.get("/manager/group/events.csv", **DAY)
    assert theirs.status_code == 200
    assert [r[0] for r in rows(theirs.text)[1:]] == ["Cedar Corner"] * 3
    for secret in ("Ann Acorn", "Bella Bee", "Little Acorns", "Busy Bees", "Victor"):
        assert secret not in theirs.text

    with Session(org.records.engine) as s:
        downloads = s.scalars(select(AuditEntry).where(AuditEntry.action == "csv_download")).all()
    assert [(d.actor, d.organisation_id) for d in downloads] == [("zed", zed_org(org))]
    assert downloads[0].detail["filters"] == {**DAY, "scope": "organisation"}


def test_a_bad_date_is_said_on_a_page_not_a_broken_download(org: Org) -> None:
    root = Client(org.records)
    root.login("root")
    answer = root.get("/manager/group/events.csv", start="2026-13-01", end="2026-11-24")
    assert answer.status_code == 400
    assert "text/html" in answer.headers["content-type"]
    assert "2026-13-01 is not a date" in answer.text


def zed_org(org: Org) -> int:
    with Session(org.records.engine) as s:
        return s.scalars(select(Organisation.id).where(Organisation.name == "Other group")).one()
