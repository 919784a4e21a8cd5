"""The console's journeys over real HTTP as a setting manager, on SQLite and PostgreSQL: a new
starter and their badge, a leaver, a manager's PIN, a new notice version, the policy values, a
kiosk with its token; each change in the audit with who, what and from where, and no secret."""

from __future__ import annotations

import csv
import io

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.security import verify_pin
from kiosk.sync.contract import API_PREFIX
from kiosk.sync.server.tenancy import AuditEntry, Badge, Person, Setting, SettingText
from tests.sync.console import PASSWORD, Client, Org, event, push, staff


def person_named(org: Org, name: str) -> Person:
    with Session(org.records.engine) as s:
        return s.scalars(select(Person).where(Person.name == name)).one()


def roster_version(org: Org, setting: int) -> int:
    with Session(org.records.engine) as s:
        found = s.get(Setting, setting)
        assert found is not None
        return found.roster_version


def test_a_starter_is_added_and_enrols_a_badge_tapped_at_the_door(org: Org, anna: Client) -> None:
    assert push(org.records, "a-door", [event("badge.unknown", uid="04A1B2C3")]).ok
    before = roster_version(org, org.a)
    added = anna.post(org.url(org.a, "/staff"), name="  Dara   Quinn ", role="staff", locker="4")
    assert added.status_code == 303
    page = anna.get(added.headers["location"]).text
    assert "Dara Quinn" in page and "04A1B2C3 at a-door" in page
    dara = person_named(org, "Dara Quinn")
    assert (dara.setting_id, dara.usual_locker) == (org.a, "4")
    enrol = anna.post(org.url(org.a, f"/staff/{dara.id}/badges"), uid="04A1B2C3")
    assert enrol.status_code == 303
    with Session(org.records.engine) as s:
        badge = s.scalars(select(Badge).where(Badge.person_id == dara.id)).one()
        assert (badge.uid, badge.setting_id, badge.revoked_at) == ("04A1B2C3", org.a, None)
    assert roster_version(org, org.a) == before + 2
    assert "04A1B2C3 at a-door" not in anna.get(org.url(org.a, f"/staff/{dara.id}")).text


def test_a_typed_badge_is_checked_and_a_taken_one_refused(org: Org, anna: Client) -> None:
    anna.post(org.url(org.a, "/staff"), name="Eli", role="staff")
    anna.post(org.url(org.a, "/staff"), name="Fay", role="staff")
    eli, fay = person_named(org, "Eli"), person_named(org, "Fay")
    assert anna.post(org.url(org.a, f"/staff/{eli.id}/badges"), typed="04:a1:b2:c3").ok
    taken = anna.post(org.url(org.a, f"/staff/{fay.id}/badges"), typed="04A1B2C3")
    assert taken.status_code == 400 and "enrolled already" in taken.text
    bad = anna.post(org.url(org.a, f"/staff/{fay.id}/badges"), typed="not a badge")
    assert bad.status_code == 400 and "is not a badge number" in bad.text
    with Session(org.records.engine) as s:
        assert s.scalars(select(Badge.person_id)).all() == [eli.id]


def test_a_leaver_loses_badges_and_keeps_history(org: Org, anna: Client) -> None:
    ben = staff(1, "Ben Carter")
    assert push(org.records, "a-door", [event("shift.start", subject=ben, devices=["phone"],
                                              locker="2")]).ok  # fmt: skip
    person = person_named(org, "Ben Carter")
    anna.post(org.url(org.a, f"/staff/{person.id}/badges"), typed="0A0B0C0D")
    assert anna.post(org.url(org.a, f"/staff/{person.id}/leave")).status_code == 303
    with Session(org.records.engine) as s:
        gone = s.get(Person, person.id)
        assert gone is not None and gone.left_at is not None
        assert all(b.revoked_at for b in s.scalars(select(Badge)))
    assert "Ben Carter" in anna.get(org.url(org.a, "/events")).text  # history kept
    again = anna.post(org.url(org.a, f"/staff/{person.id}/badges"), typed="01020304")
    assert again.status_code == 400 and "has left" in again.text


def test_a_managers_pin_is_stored_as_a_hash_and_never_shown(org: Org, anna: Client) -> None:
    anna.post(org.url(org.a, "/staff"), name="Gus", role="manager")
    anna.post(org.url(org.a, "/staff"), name="Hal", role="staff")
    gus, hal = person_named(org, "Gus"), person_named(org, "Hal")
    weak = anna.post(org.url(org.a, f"/staff/{gus.id}/pin"), pin="111111", again="111111")
    assert weak.status_code == 400 and "too easy" in weak.text
    differ = anna.post(org.url(org.a, f"/staff/{gus.id}/pin"), pin="482615", again="482616")
    assert differ.status_code == 400
    assert anna.post(org.url(org.a, f"/staff/{gus.id}/pin"), pin="482615", again="482615").ok
    stored = person_named(org, "Gus").pin_hash
    assert stored and "482615" not in stored and verify_pin("482615", stored)
    page = anna.get(org.url(org.a, f"/staff/{gus.id}")).text
    assert "A PIN is set" in page and stored not in page and "482615" not in page
    staff_pin = anna.post(org.url(org.a, f"/staff/{hal.id}/pin"), pin="482615", again="482615")
    assert staff_pin.status_code == 400 and person_named(org, "Hal").pin_hash is None


def test_a_changed_notice_is_a_new_dated_version(org: Org, anna: Client) -> None:
    url = org.url(org.a, "/texts")
    assert anna.post(url, kind="visitor_notice", version="v1", body="No phones, please.").ok
    same_label = anna.post(url, kind="visitor_notice", version="v1", body="Changed text")
    assert same_label.status_code == 400 and "needs a new version" in same_label.text
    same_text = anna.post(url, kind="visitor_notice", version="v2", body="No phones, please.")
    assert same_text.status_code == 400
    assert anna.post(url, kind="visitor_notice", version="v2", body="No phones at all.").ok
    with Session(org.records.engine) as s:
        kept = s.scalars(select(SettingText).order_by(SettingText.id)).all()
        assert [(t.version, t.body, t.created_by) for t in kept] == [
            ("v1", "No phones, please.", "anna"), ("v2", "No phones at all.", "anna")]  # fmt: skip
        assert all(t.created_at for t in kept)
    page = anna.get(url).text
    assert "Version v2 (current)" in page and "Version v1" in page


POLICY = {"name": "Little Acorns", "timezone": "Europe/Dublin", "closing_time": "17:45",
          "overdue_grace_min": "45", "lockers": "A1, A2, A3", "device_kinds": "phone, watch",
          "quiet_space": "The staff room", "visitor_days": "14", "unknown_badge_days": "7",
          "events_days": "365"}  # fmt: skip


def test_policy_values_are_saved_within_the_kiosks_bounds(org: Org, anna: Client) -> None:
    assert anna.post(org.url(org.a, "/policy"), **POLICY).status_code == 303
    bad = anna.post(org.url(org.a, "/policy"), **{**POLICY, "closing_time": "25:00",
                                                   "visitor_days": "0"})  # fmt: skip
    assert bad.status_code == 400
    assert "kiosk.closing_time" in bad.text and "retention.visitor_details_days" in bad.text
    with Session(org.records.engine) as s:
        row = s.get(Setting, org.a)
        assert row is not None
        saved = (row.timezone, row.closing_time, row.overdue_grace_min, row.lockers,
                 row.visitor_days)  # fmt: skip
        assert saved == ("Europe/Dublin", "17:45", 45, ["A1", "A2", "A3"], 14)


def test_a_kiosk_is_registered_and_its_token_shown_once(org: Org, anna: Client) -> None:
    assert anna.post(org.url(org.a, "/kiosks"), kiosk="a-garden", label="Garden").ok
    issued = anna.post(org.url(org.a, "/kiosks/a-garden/token"))
    token = issued.text.split('id="token">')[1].split("<")[0]
    assert token.startswith("kt_") and issued.headers["cache-control"] == "no-store"
    assert token not in anna.get(org.url(org.a, "/kiosks")).text
    url = f"{org.records.url}{API_PREFIX}/kiosks/a-garden/events"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"}
    body = {"events": [event("badge.unknown", uid="0102")]}
    assert requests.post(url, json=body, headers=headers, timeout=10).status_code == 200
    assert anna.post(org.url(org.a, "/kiosks/a-garden/revoke")).status_code == 303
    headers["Idempotency-Key"] = "k2"
    assert requests.post(url, json=body, headers=headers, timeout=10).status_code == 401
    taken = anna.post(org.url(org.a, "/kiosks"), kiosk="a-garden")
    assert taken.status_code == 400 and "registered already" in taken.text


def test_every_change_is_audited_without_secrets(org: Org, anna: Client) -> None:
    anna.post(org.url(org.a, "/staff"), name="Gus", role="manager")
    gus = person_named(org, "Gus")
    anna.post(org.url(org.a, f"/staff/{gus.id}/pin"), pin="482615", again="482615")
    anna.post(org.url(org.a, "/kiosks"), kiosk="a-garden")
    token = anna.post(org.url(org.a, "/kiosks/a-garden/token")).text.split('id="token">')[1]
    anna.get(org.url(org.a, "/events.csv"))
    Client(org.records).login("anna", "wrong password!")
    with Session(org.records.engine) as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [(r.actor, r.action) for r in rows]
    for expected in [("anna", "login"), ("anna", "staff_add"), ("anna", "pin_set"),
                     ("anna", "kiosk_register"), ("anna", "kiosk_token_issue"),
                     ("anna", "csv_download"), ("anna", "login_failed")]:  # fmt: skip
        assert expected in actions
    assert all(r.address == "127.0.0.1" and r.at for r in rows)
    root = Client(org.records)
    root.login("root")
    page = root.get("/manager/audit").text
    export = root.get("/manager/audit.csv").text
    assert "staff add" in page and "pin set" in page
    rows_out = list(csv.reader(io.StringIO(export)))
    assert rows_out[0][:4] == ["at", "actor", "address", "action"] and len(rows_out) > 7
    for text in (page, export):
        assert "482615" not in text and token.split("<")[0] not in text and PASSWORD not in text
