"""The console's pages: every value escaped by the templates (a name starting with '<!' is text),
a "not found" page, pages of results, and the words a manager uses. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.sync.console import Client, Org, event, make_org, push, staff
from tests.sync.server import Running


@pytest.fixture
def org(records: Running) -> Org:
    return make_org(records)


def test_markup_in_a_name_is_shown_as_text(org: Org) -> None:
    name = "<!<b>bold</b>"
    assert push(org.records, "a-door", [event("shift.start", subject=staff(1, name),
                                              devices=["phone"], locker="2")]).ok  # fmt: skip
    anna = Client(org.records)
    anna.login("anna")
    for path in ("", "/events", "/staff"):
        page = anna.get(org.url(org.a, path)).text
        assert "<b>bold</b>" not in page and "&lt;!&lt;b&gt;bold&lt;/b&gt;" in page, path


def test_a_missing_page_is_an_html_not_found(org: Org) -> None:
    anna = Client(org.records)
    anna.login("anna")
    for path in ("/manager/nothing-here", "/manager/s/99999", "/manager/s/x/events"):
        answer = anna.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in answer.text


def test_events_come_a_page_at_a_time(org: Org) -> None:
    assert push(org.records, "a-door", [event("badge.unknown", uid=f"{n:08X}")
                                        for n in range(130)]).ok  # fmt: skip
    anna = Client(org.records)
    anna.login("anna")
    first = anna.get(org.url(org.a, "/events")).text
    assert first.count("<td>Unknown badge tapped</td>") == 100 and 'id="older"' in first
    second = anna.get(org.url(org.a, "/events"), page=2).text
    assert second.count("<td>Unknown badge tapped</td>") == 30 and 'id="newer"' in second
    assert 'id="older"' not in second


def test_events_in_a_managers_words(org: Org) -> None:
    ben, amara = staff(1, "Ben Carter"), staff(2, "Amara Okafor", "manager")
    visitor = {"type": "visitor", "id": 5, "name": "Val", "visitor_type": "contractor",
               "organisation": "Sparks Ltd", "visiting": "Office"}  # fmt: skip
    assert push(org.records, "a-door", [
        event("shift.start", subject=amara, devices=["phone"], locker="1"),
        event("shift.start", subject=ben, devices=["phone"], locker="2"),
        event("device.out", subject=ben, device="phone", reason="home_visit", approver_id=2),
        event("visitor.in", subject=visitor, notice_version="2026-09", lone_working=True,
              quiet_space="Office"),
    ]).ok  # fmt: skip
    anna = Client(org.records)
    anna.login("anna")
    events = anna.get(org.url(org.a, "/events")).text
    assert "<td>Shift started</td>" in events and "<td>shift.start</td>" not in events
    assert "reason: home visit; approved by Amara Okafor" in events
    assert "from Sparks Ltd; lone working: yes" in events
    onsite = anna.get(org.url(org.a)).text
    assert "Amara Okafor" in onsite and "home visit" in onsite and "Sparks Ltd" in onsite


def test_pages_need_nothing_the_content_security_policy_blocks(org: Org) -> None:
    """The CSP allows only the service's own stylesheet: an inline style or script would be
    silently ignored by the browser, so no page may carry one."""
    root = Client(org.records)
    root.login("root")
    root.post(org.url(org.a, "/staff"), name="Gus", role="manager")
    root.post(org.url(org.a, "/texts"), kind="visitor_notice", version="v1", body="Line one\nTwo")
    paths = [org.url(org.a, p) for p in ("", "/events", "/staff", "/staff/1", "/texts",
                                         "/policy", "/kiosks")]  # fmt: skip
    for path in [*paths, "/manager/accounts", "/manager/audit", "/manager/password"]:
        answer = root.get(path)
        assert answer.status_code == 200, path
        assert " style=" not in answer.text and "<script" not in answer.text, path
