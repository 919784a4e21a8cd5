"""Console accounts over real HTTP, SQLite and PostgreSQL: a setting manager sees only their
settings; an organisation admin manages accounts; disabling an account or changing its password
ends its sessions at once; log-in throttling per address; the Secure cookie behind a proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.sync.server import throttle
from kiosk.sync.server.app import Settings
from kiosk.sync.server.managers import MAX_FAILURES
from kiosk.sync.server.tenancy import Account
from tests.sync.console import PASSWORD, Client, Org, make_org
from tests.sync.server import Running, serve


@pytest.fixture
def org(records: Running) -> Org:
    return make_org(records)


def account_id(org: Org, name: str) -> int:
    with Session(org.records.engine) as s:
        return s.scalars(select(Account.id).where(Account.name == name)).one()


def test_a_setting_manager_sees_only_their_setting(org: Org) -> None:
    anna = Client(org.records)
    assert anna.login("anna").status_code == 303
    home = anna.get("/manager")
    assert home.url == org.url(org.a) and "Little Acorns" in home.text
    assert "Busy Bees" not in home.text
    for path in (org.url(org.b), org.url(org.b, "/events"), "/manager/accounts", "/manager/audit"):
        answer = anna.get(path)
        assert answer.status_code == 404 and "Not found" in answer.text, path


def test_an_admin_adds_a_manager_who_then_logs_in(org: Org) -> None:
    root = Client(org.records)
    root.login("root")
    added = root.post("/manager/accounts", name="cara", password="another long one",
                      role="manager", setting=str(org.b))  # fmt: skip
    assert added.status_code == 303
    cara = Client(org.records)
    assert cara.login("cara", "another long one").status_code == 303
    assert cara.get("/manager").url == org.url(org.b)
    assert cara.get(org.url(org.a)).status_code == 404
    listed = root.get("/manager/accounts").text
    assert "cara" in listed and "Setting manager" in listed


def test_disabling_an_account_ends_its_session_at_once(org: Org) -> None:
    anna, root = Client(org.records), Client(org.records)
    anna.login("anna")
    root.login("root")
    assert anna.get(org.url(org.a)).status_code == 200
    ident = account_id(org, "anna")
    assert root.post(f"/manager/accounts/{ident}/disable").status_code == 303
    assert anna.get(org.url(org.a)).url.endswith("/manager/login")  # logged out now
    assert Client(org.records).login("anna").status_code == 401
    root.post(f"/manager/accounts/{ident}/enable")
    assert Client(org.records).login("anna").status_code == 303


def test_a_new_password_ends_the_accounts_sessions(org: Org) -> None:
    anna, root = Client(org.records), Client(org.records)
    anna.login("anna")
    root.login("root")
    ident = account_id(org, "anna")
    root.post(f"/manager/accounts/{ident}/password", password="a brand new one")
    assert anna.get(org.url(org.a)).url.endswith("/manager/login")
    assert Client(org.records).login("anna").status_code == 401
    assert Client(org.records).login("anna", "a brand new one").status_code == 303


def test_changing_ones_own_password_ends_ones_sessions(org: Org) -> None:
    phone, desk = Client(org.records), Client(org.records)
    phone.login("anna")
    desk.login("anna")
    answer = desk.post("/manager/password", current=PASSWORD, new="a brand new one",
                       again="a brand new one")  # fmt: skip
    assert answer.status_code == 303
    assert phone.get(org.url(org.a)).url.endswith("/manager/login")
    wrong = Client(org.records)
    wrong.login("anna", "a brand new one")
    refused = wrong.post("/manager/password", current="not it at all", new="x" * 12,
                         again="x" * 12)  # fmt: skip
    assert refused.status_code == 400 and "current password is not right" in refused.text


def test_an_admin_cannot_reach_another_organisations_account(org: Org) -> None:
    root = Client(org.records)
    root.login("root")
    assert root.post("/manager/accounts/99999/disable").status_code == 404
    assert root.post("/manager/accounts/abc/disable").status_code == 404


@pytest.fixture
def behind_proxy(records_engine: Engine) -> Iterator[Running]:
    running = serve(records_engine, Settings(trusted_proxies=("127.0.0.1",)))
    yield running
    running.stop()


def test_one_address_cannot_lock_every_manager_out(behind_proxy: Running) -> None:
    """An attacker at one address guesses at every account: once the address is over its limit
    its guesses no longer count against accounts, and the managers elsewhere still log in."""
    org = make_org(behind_proxy)
    attacker = Client(behind_proxy, {"X-Forwarded-For": "203.0.113.9"})
    guesses = [name for name in ("anna", "bob") for _ in range(MAX_FAILURES)]
    assert len(guesses) >= throttle.MAX_FAILURES
    for name in guesses:
        attacker.login(name, "wrong password!")
    for _ in range(MAX_FAILURES):
        answer = attacker.login("root", "wrong password!")
        assert answer.status_code == 401 and "from here" in answer.text
    office = Client(behind_proxy, {"X-Forwarded-For": "198.51.100.7"})
    assert office.login("root").status_code == 303  # root's account was never counted
    assert attacker.login("root").status_code == 401  # the address itself stays refused
    del org


def test_the_cookie_is_secure_when_the_trusted_proxy_says_https(behind_proxy: Running) -> None:
    make_org(behind_proxy)
    over_tls = Client(behind_proxy, {"X-Forwarded-Proto": "https"})
    cookie = over_tls.login("anna").headers["set-cookie"]
    assert "records_session=" in cookie and "Secure" in cookie
    plain = Client(behind_proxy).login("anna").headers["set-cookie"]
    assert "records_session=" in plain and "Secure" not in plain


def test_a_forwarded_scheme_from_an_untrusted_peer_is_ignored(records: Running) -> None:
    make_org(records)  # `records` trusts no proxy
    claimed = Client(records, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.1"})
    assert "Secure" not in claimed.login("anna").headers["set-cookie"]


def test_an_admin_moves_a_manager_to_another_setting(org: Org) -> None:
    root, anna = Client(org.records), Client(org.records)
    root.login("root")
    anna.login("anna")
    ident = account_id(org, "anna")
    assert root.post(f"/manager/accounts/{ident}/give", setting=str(org.b)).status_code == 303
    assert root.post(f"/manager/accounts/{ident}/take", setting=str(org.a)).status_code == 303
    assert anna.get(org.url(org.a)).status_code == 404  # at once, in the session she has
    assert anna.get(org.url(org.b)).status_code == 200
    audit = root.get("/manager/audit").text
    assert "<td>account give</td><td>Busy Bees</td>" in audit
    assert "<td>account take</td><td>Little Acorns</td>" in audit
