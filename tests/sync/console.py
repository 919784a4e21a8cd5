"""An organisation with two settings for the console tests, and a client that uses the console
as a browser would (a session cookie, the CSRF token from the page, form posts), over real HTTP.

Setting A ("Little Acorns") has kiosk a-door and manager anna; setting B ("Busy Bees") has kiosk
b-door and manager bob; root is the organisation admin. Events reach the service through the
real push API with each kiosk's own token.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy.orm import Session

from kiosk.sync.contract import API_PREFIX
from kiosk.sync.server.managers import MANAGER, add_account, set_password
from kiosk.sync.server.registry import first_organisation, new_setting, register_kiosk
from tests.sync.server import Running

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@dataclass
class Org:
    records: Running
    a: int
    b: int

    def url(self, setting: int, path: str = "") -> str:
        return f"{self.records.url}/manager/s/{setting}{path}"


def make_org(records: Running) -> Org:
    set_password(records.engine, "root", PASSWORD)
    with Session(records.engine) as s, s.begin():
        org = first_organisation(s)
        a = new_setting(s, org, "Little Acorns").id
        b = new_setting(s, org, "Busy Bees").id
        register_kiosk(s, a, "a-door")
        register_kiosk(s, b, "b-door")
        add_account(s, org, "anna", PASSWORD, role=MANAGER, setting_ids=[a])
        add_account(s, org, "bob", PASSWORD, role=MANAGER, setting_ids=[b])
    return Org(records, a, b)


class Client:
    """One person's browser: log in, read pages, post forms with the page's CSRF token."""

    def __init__(self, records: Running, headers: dict[str, str] | None = None) -> None:
        self.records = records
        self.web = requests.Session()
        self.web.headers.update(headers or {})
        self.csrf = ""

    def login(self, name: str, password: str = PASSWORD) -> requests.Response:
        form = self.web.get(f"{self.records.url}/manager/login", timeout=10)
        token = csrf_of(form.text)
        # Sent by hand: behind a TLS proxy the cookie is Secure, and requests (rightly) keeps a
        # Secure cookie off this plain-HTTP loopback hop; a browser would send it over TLS.
        fields = {"csrf": token, "name": name, "password": password}
        answer = self.web.post(f"{self.records.url}/manager/login", timeout=20, data=fields,
                               allow_redirects=False, cookies={"records_login": token})  # fmt: skip
        if answer.status_code == 303:
            self.csrf = csrf_of(self.get("/manager").text)
        return answer

    def get(self, path: str, **params: Any) -> requests.Response:
        url = path if path.startswith("http") else self.records.url + path
        return self.web.get(url, params=params, timeout=20)

    def post(self, path: str, **fields: Any) -> requests.Response:
        url = path if path.startswith("http") else self.records.url + path
        data = {"csrf": self.csrf, **fields}
        return self.web.post(url, data=data, timeout=20, allow_redirects=False)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def event(kind: str, *, subject: dict[str, Any] | None = None, **payload: Any) -> dict[str, Any]:
    n = next(_seq)
    return {"id": str(uuid.uuid4()), "seq": n, "kind": kind, "clock_synced": True,
            "occurred_at": f"2026-11-24T08:{n // 60 % 60:02d}:{n % 60:02d}+00:00",
            "boot_id": "boot", "mono_ns": n, "payload": payload,
            "subject": subject}  # fmt: skip


def staff(ident: int, name: str, role: str = "staff") -> dict[str, Any]:
    return {"type": "staff", "id": ident, "name": name, "role": role}


def push(records: Running, kiosk: str, events: list[dict[str, Any]]) -> requests.Response:
    answer = requests.post(
        f"{records.url}{API_PREFIX}/kiosks/{kiosk}/events",
        json={"events": events},
        headers={"Authorization": f"Bearer {records.token(kiosk)}",
                 "Idempotency-Key": str(uuid.uuid4())},
        timeout=20,
    )  # fmt: skip
    return answer
