"""Isolation, tried as an attacker would, on SQLite and PostgreSQL: logged in as the manager of
setting A, every page, filter, export and form is tried with the ids, names and kiosk ids of
setting B (guessed, enumerated, in query strings and form fields). Nothing of B is shown, and
nothing of B changes. An admin of another organisation sees neither; a kiosk's token writes only
its own kiosk's events."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.sync.contract import API_PREFIX
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.managers import ADMIN, add_account
from kiosk.sync.server.models import KioskToken, Subject
from kiosk.sync.server.registry import new_setting
from kiosk.sync.server.tenancy import (
    Account,
    AccountSetting,
    Badge,
    Kiosk,
    Organisation,
    Person,
    Setting,
    SettingText,
)
from tests.sync.console import PASSWORD, Client, Org, event, make_org, push, staff

B_SECRETS = ("Bella Bee", "Victor Bravo", "B-Corp Ltd", "0B0B0B0B", "B secret notice", "b-door")
PAGES = (
    "",
    "/events",
    "/events.csv",
    "/staff",
    "/texts",
    "/policy",
    "/privacy",
    "/privacy/notice",
    "/kiosks",
)


@pytest.fixture
def org(records) -> Org:  # type: ignore[no-untyped-def]
    org = make_org(records)
    visitor = {"type": "visitor", "id": 9, "name": "Victor Bravo", "visitor_type": "contractor",
               "organisation": "B-Corp Ltd", "visiting": "Office"}  # fmt: skip
    assert push(records, "b-door", [
        event("shift.start", subject=staff(1, "Bella Bee"), devices=["phone"], locker="1"),
        event("visitor.in", subject=visitor, lone_working=True, notice_version="b1"),
        event("badge.unknown", uid="0B0B0B0B"),
    ]).ok  # fmt: skip
    assert push(records, "a-door", [event("shift.start", subject=staff(1, "Ann Acorn"),
                                          devices=["phone"], locker="1")]).ok  # fmt: skip
    bob = Client(records)
    bob.login("bob")
    bob.post(org.url(org.b, "/texts"), kind="visitor_notice", version="b1", body="B secret notice")
    bella = b_person(org)
    bob.post(org.url(org.b, f"/staff/{bella}/badges"), typed="0C0C0C0C")
    return org


def b_person(org: Org) -> int:
    with Session(org.records.engine) as s:
        return s.scalars(select(Person.id).where(Person.name == "Bella Bee")).one()


def snapshot(org: Org) -> list[Any]:
    """Every row of setting B, as values: compared before and after the attack."""
    with Session(org.records.engine) as s:
        rows: list[Any] = []
        for model, where in [
            (Setting, Setting.id == org.b), (Person, Person.setting_id == org.b),
            (Badge, Badge.setting_id == org.b), (SettingText, SettingText.setting_id == org.b),
            (Kiosk, Kiosk.setting_id == org.b), (KioskToken, KioskToken.kiosk_id == "b-door"),
            (Subject, Subject.kiosk_id == "b-door"),
        ]:  # fmt: skip
            for row in s.scalars(select(model).where(where)):
                rows.append(sorted((k, repr(v)) for k, v in vars(row).items() if k[0] != "_"))
        return rows


def assert_nothing_of_b(answer: requests.Response, where: str, typed: str = "") -> None:
    """No text of B in the answer, except what the attacker typed (a filter is echoed back)."""
    assert answer.status_code in (200, 303, 400, 404), (where, answer.status_code)
    for secret in B_SECRETS:
        if secret not in typed:
            assert secret not in answer.text, (where, secret)


def test_a_manager_of_a_sees_nothing_of_b(org: Org) -> None:
    anna = Client(org.records)
    anna.login("anna")
    for path in PAGES:  # B's own pages, by its real id
        answer = anna.get(org.url(org.b, path))
        assert answer.status_code == 404, path
        assert_nothing_of_b(answer, path)
    for guess in [*range(0, 40), "1.0", "-1", f"{org.b:010d}", "%20" + str(org.b)]:
        for path in ("", "/events", "/events.csv"):
            answer = anna.get(f"{org.records.url}/manager/s/{guess}{path}")
            assert_nothing_of_b(answer, f"{guess}{path}")
    filters = [{"kiosk": "b-door"}, {"person": "Bella"}, {"person": "Victor"},
               {"person": "%"}, {"person": "_"}, {"kind": "visitor"}, {"kind": "badge"},
               {"kiosk": "b-door", "person": "Bella", "kind": "shift"}]  # fmt: skip
    for params in filters:
        for path in ("/events", "/events.csv"):
            answer = anna.get(org.url(org.a, path), **params)
            assert_nothing_of_b(answer, f"{path} {params}", typed=" ".join(params.values()))
            if path == "/events":
                assert "No events match." in answer.text or "Ann Acorn" in answer.text
    for pid in range(1, 40):
        assert_nothing_of_b(anna.get(org.url(org.a, f"/staff/{pid}")), f"person {pid}")
    for path in ("/manager", "/manager/accounts", "/manager/audit", "/manager/audit.csv"):
        assert_nothing_of_b(anna.get(path), path)
    # The names anna does see are A's own.
    assert "Ann Acorn" in anna.get(org.url(org.a)).text


def test_a_manager_of_a_changes_nothing_of_b(org: Org) -> None:
    before = snapshot(org)
    anna = Client(org.records)
    anna.login("anna")
    bella = b_person(org)
    with Session(org.records.engine) as s:
        badge = s.scalars(select(Badge.id).where(Badge.person_id == bella)).one()
    forms: list[tuple[str, dict[str, str]]] = [
        (f"/staff/{bella}/edit", {"name": "Pwned", "role": "staff"}),
        (f"/staff/{bella}/leave", {}), (f"/staff/{bella}/badges", {"typed": "0D0D0D0D"}),
        (f"/staff/{bella}/revoke", {"badge": str(badge)}),
        (f"/staff/{bella}/pin", {"pin": "482615", "again": "482615"}),
        ("/kiosks/b-door/token", {}), ("/kiosks/b-door/revoke", {}),
        ("/texts", {"kind": "visitor_notice", "version": "b2", "body": "pwned"}),
        ("/policy", {"name": "Pwned", "timezone": "UTC", "closing_time": "10:00"}),
        ("/staff", {"name": "Mole", "role": "staff"}), ("/kiosks", {"kiosk": "b-mole"}),
    ]  # fmt: skip
    for path, fields in forms:
        answer = anna.post(org.url(org.b, path), **fields)  # B's id in the path
        assert answer.status_code == 404, path
        assert_nothing_of_b(answer, path)
    # B's person or badge ids inside A's own pages and form fields.
    ann = anna.post(org.url(org.a, "/staff"), name="Ann Two", role="staff")
    ann_id = ann.headers["location"].split("/staff/")[1].split("?")[0]
    for path, fields in [
        (f"/staff/{bella}/edit", {"name": "Pwned", "role": "staff"}), (f"/staff/{bella}/leave", {}),
        (f"/staff/{ann_id}/revoke", {"badge": str(badge)}),
        ("/policy", {"name": "A", "lockers": "1"}),
    ]:  # fmt: skip
        assert_nothing_of_b(anna.post(org.url(org.a, path), **fields), path)
    # Giving oneself B, as a manager, is not possible.
    me = anna.post(f"/manager/accounts/{account_id(org, 'anna')}/give", setting=str(org.b))
    assert me.status_code == 404
    assert snapshot(org) == before
    assert Client(org.records).login("anna").status_code == 303
    assert anna.get(org.url(org.b)).status_code == 404


def account_id(org: Org, name: str) -> int:
    with Session(org.records.engine) as s:
        return s.scalars(select(Account.id).where(Account.name == name)).one()


def test_an_admin_of_another_organisation_sees_neither(org: Org) -> None:
    with Session(org.records.engine) as s, s.begin():
        other = Organisation(name="Other group", created_at=now_text())
        s.add(other)
        s.flush()
        new_setting(s, other.id, "Cedar Corner")
        add_account(s, other.id, "zed", PASSWORD, role=ADMIN, setting_ids=[])
    zed = Client(org.records)
    zed.login("zed")
    for setting in (org.a, org.b):
        for path in PAGES:
            assert zed.get(org.url(setting, path)).status_code == 404
    assert "Cedar Corner" in zed.get("/manager").text
    for name in ("anna", "bob", "root"):
        ident = account_id(org, name)
        assert zed.post(f"/manager/accounts/{ident}/disable").status_code == 404
        assert zed.post(f"/manager/accounts/{ident}/password", password="x" * 12).status_code == 404
    given = zed.post(f"/manager/accounts/{account_id(org, 'zed')}/give", setting=str(org.a))
    assert given.status_code == 400
    accounts = zed.get("/manager/accounts").text
    audit = zed.get("/manager/audit").text + zed.get("/manager/audit.csv").text
    for text in (accounts, audit):
        assert "anna" not in text and "bob" not in text and "Little Acorns" not in text
    with Session(org.records.engine) as s:
        zeds = select(AccountSetting.setting_id).where(
            AccountSetting.account_id == account_id(org, "zed")
        )
        assert s.scalars(zeds).all() == []


def test_a_kiosk_token_writes_only_its_own_kiosk(org: Org) -> None:
    before = snapshot(org)
    token = org.records.token("a-door")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "x1"}
    base = f"{org.records.url}{API_PREFIX}/kiosks/b-door"
    pushed = requests.post(f"{base}/events", json={"events": [event("badge.unknown", uid="01")]},
                           headers=headers, timeout=10)  # fmt: skip
    assert pushed.status_code == 403
    status = requests.put(f"{base}/status", json={"pending": 0, "dead": 0, "erased_visitors": [9]},
                          headers=headers, timeout=10)  # fmt: skip
    assert status.status_code == 403
    # Naming B's people from A's kiosk makes A's own person; B's stay as they were.
    assert push(org.records, "a-door", [event("shift.start", subject=staff(1, "Bella Bee"),
                                              devices=[], locker="1")]).ok  # fmt: skip
    assert snapshot(org) == before
