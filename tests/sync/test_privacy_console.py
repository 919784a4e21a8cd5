"""The setting's privacy notice on the console, on SQLite and PostgreSQL: a manager fills in who
answers for the data, the printable page reads as a parent would read it (with the periods the
setting actually uses), bad values are refused with the kiosk config's words, and the change is
in the audit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.sync.server.tenancy import AuditEntry
from tests.sync.console import Client, Org

VALUES = {
    "privacy_controller": "Little Acorns Ltd",
    "privacy_contact": "Jo Bloggs, 1 Acorn Lane, Leeds; office@acorns.example",
    "privacy_dpo": "",
    "privacy_ico": "ZA123456",
    "privacy_basis": "legal obligation (EYFS safeguarding)",
    "privacy_where": "Read our privacy notice on the board by the door.",
}


def test_the_notice_is_written_from_the_settings_values(org: Org, anna: Client) -> None:
    assert anna.get(org.url(org.a, "/privacy")).status_code == 200
    assert anna.post(org.url(org.a, "/privacy"), **VALUES).status_code == 303
    policy = anna.get(org.url(org.a, "/policy")).text
    fields = {"name": "Little Acorns", "visitor_days": "14", "refused_days": "7"}
    assert "refused_days" in policy
    assert anna.post(org.url(org.a, "/policy"), **fields).status_code == 303

    page = anna.get(org.url(org.a, "/privacy/notice"))

    assert page.status_code == 200
    text = page.text.replace("&#39;", "'")
    for wanted in (
        "Little Acorns Ltd is responsible for the personal data",
        "Jo Bloggs, 1 Acorn Lane, Leeds; office@acorns.example",
        "Our ICO registration number: ZA123456",
        "Legal obligation (EYFS safeguarding).",
        "erased 14 days after the visit ends",
        "Refused badges and wrong PINs: 7 days",
        "Files the manager downloads are the manager's",
        "complain to the Information Commissioner's Office",
        "We answer within one month",
        "within 72 hours",
    ):
        assert wanted in text, wanted
    with Session(org.records.engine) as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.setting_id == org.a))
        assert "privacy_change" in list(actions)


def test_bad_values_are_refused_with_the_kiosk_configs_words(org: Org, anna: Client) -> None:
    bad = anna.post(org.url(org.a, "/privacy"), **{**VALUES, "privacy_ico": "not a number"})
    assert bad.status_code == 400 and "privacy.ico_registration" in bad.text
    notice = anna.get(org.url(org.a, "/privacy/notice")).text
    assert "ZA123456" not in notice  # nothing half-saved


def test_another_settings_notice_is_not_found(org: Org, anna: Client) -> None:
    assert anna.get(org.url(org.b, "/privacy/notice")).status_code == 404
    assert anna.post(org.url(org.b, "/privacy"), **VALUES).status_code == 404
