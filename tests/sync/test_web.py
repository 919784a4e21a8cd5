"""The manager's web page over real HTTP on SQLite and PostgreSQL: login, lockout, CSRF, cookie
flags, on-site view, filters and the CSV export's columns and formula protection."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import requests
from sqlalchemy.orm import Session

from kiosk.export import HEADER
from kiosk.sync.server.managers import MAX_FAILURES, set_password
from kiosk.sync.server.registry import setting_of
from tests.sync.server import Running
from tests.sync.site import FORMULA_NAME, morning

PASSWORD = "correct horse battery"


def login(records: Running, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
    web = requests.Session()
    form = web.get(f"{records.url}/manager/login", timeout=5)
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    answer = web.post(
        f"{records.url}/manager/login",
        timeout=10,
        allow_redirects=False,
        data={"csrf": csrf, "name": "amara", "password": password},
    )
    return web, answer


def home(records: Running, kiosk: str = "entrance-1") -> str:
    """The console address of the kiosk's setting."""
    with Session(records.engine) as session:
        return f"{records.url}/manager/s/{setting_of(session, kiosk)}"


@pytest.fixture
def site(records: Running, tmp_path: Path) -> Running:
    app = morning(records, tmp_path)
    app.close()
    set_password(records.engine, "amara", PASSWORD)
    return records


def test_pages_need_a_login(site: Running) -> None:
    for path in ("/manager", "/manager/password", "", "/events", "/events.csv"):
        url = site.url + path if path.startswith("/manager") else home(site) + path
        answer = requests.get(url, timeout=5, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/manager/login"


def test_login_sets_a_strict_cookie_and_shows_who_is_on_site(site: Running) -> None:
    web, answer = login(site)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "records_session=" in cookie
    page = web.get(f"{site.url}/manager", timeout=5)  # one setting: its on-site page
    assert page.url == home(site)
    assert "Ben Carter" in page.text and "Chloé Dubois" not in page.text  # she went home
    assert "Sparks Ltd" in page.text and "HYPERLINK" in page.text  # escaped, shown as text
    assert (
        "<script" not in page.text
        and "default-src 'self'" in page.headers["content-security-policy"]
    )


def test_login_without_the_form_token_is_refused(site: Running) -> None:
    answer = requests.post(
        f"{site.url}/manager/login",
        timeout=5,
        allow_redirects=False,
        data={"name": "amara", "password": PASSWORD},
    )
    assert answer.status_code == 400 and "records_session" not in answer.headers.get(
        "set-cookie", ""
    )


def test_repeated_wrong_passwords_lock_the_account(site: Running) -> None:
    for _ in range(MAX_FAILURES):
        assert login(site, "wrong password!")[1].status_code == 401
    _, answer = login(site)
    assert answer.status_code == 401 and "locked" in answer.text


def test_logout_needs_the_csrf_token(site: Running) -> None:
    web, _ = login(site)
    assert (
        web.post(f"{site.url}/manager/logout", data={"csrf": "forged"}, timeout=5).status_code
        == 400
    )
    assert web.get(home(site), timeout=5, allow_redirects=False).status_code == 200


def test_export_has_the_kiosk_columns_and_neutralises_formulas(site: Running) -> None:
    web, _ = login(site)
    answer = web.get(f"{home(site)}/events.csv", params={"kind": "visitor"}, timeout=10)
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == HEADER
    assert len(rows) == 2 and rows[1][HEADER.index("kind")] == "visitor.in"
    assert rows[1][HEADER.index("person")] == "'" + FORMULA_NAME
    assert rows[1][HEADER.index("lone_working")] == "yes"


def test_filters_narrow_the_events(site: Running) -> None:
    web, _ = login(site)
    page = web.get(f"{home(site)}/events", params={"person": "Ben"}, timeout=5).text
    assert "Ben Carter" in page and "Chloé" not in page
    answer = web.get(
        f"{home(site)}/events.csv",
        timeout=10,
        params={"kiosk": "entrance-1", "kind": "shift", "start": "2026-11-24", "end": "2026-11-24"},
    )
    kinds = [r[HEADER.index("kind")] for r in list(csv.reader(io.StringIO(answer.text)))[1:]]
    assert sorted(kinds) == ["shift.end", "shift.start", "shift.start"]
    later = web.get(f"{home(site)}/events.csv", params={"start": "2026-11-25"}, timeout=10)
    assert later.text.strip() == ",".join(HEADER)


def test_a_nul_character_in_a_form_or_filter_is_answered_not_a_500(site: Running) -> None:
    """PostgreSQL refuses U+0000 in a query: a login form holding one is not read (400), and a
    filter holding one is searched without it."""
    _, answer = login(site, "correct horse\x00battery")
    assert answer.status_code == 400 and "records_session" not in answer.headers.get(
        "set-cookie", ""
    )
    web, _ = login(site)
    page = web.get(f"{home(site)}/events", params={"person": "Be\x00n"}, timeout=5)
    assert page.status_code == 200 and "Ben Carter" in page.text and "Chloé" not in page.text
    export = web.get(f"{home(site)}/events.csv", params={"kind": "\x00"}, timeout=10)
    assert export.status_code == 200 and export.text.startswith(",".join(HEADER))
