"""The setting's privacy notice on the console, on SQLite and PostgreSQL: a manager fills in who
answers for the data, the printable page reads as a parent would read it (with the periods the
setting actually uses), bad values are refused with the kiosk config's words, and the change is
in the audit."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.sync.server import roster
from kiosk.sync.server.agreements_view import add_declaration
from kiosk.sync.server.audit import Actor
from kiosk.sync.server.observations import record_request
from kiosk.sync.server.tenancy import AuditEntry, Setting
from tests.sync.console import Client, Org, event, push, staff

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


def parent(ident: int, name: str) -> dict[str, Any]:
    return {"type": "visitor", "id": ident, "name": name, "visitor_type": "parent",
            "organisation": None, "visiting": "Ben Carter", "erased": False}  # fmt: skip


def test_an_access_request_lists_every_record_where_they_are_subject_approver_or_recorder(
    org: Org, anna: Client
) -> None:
    amara, ben, chloe = (
        staff(1, "Amara Okafor", "manager"),
        staff(2, "Ben Carter"),
        staff(3, "Chloé Dubois"),
    )
    own = event("shift.start", subject=amara, devices=["phone"], locker="1")
    approved = event("device.out", subject=ben, device="phone", reason="emergency", approver_id=1)
    recorded = event("shift.start", subject=chloe, devices=[], recorded_by="amara okafor",
                     on_behalf=True)  # fmt: skip
    visit = event("visitor.in", subject=parent(7, "Amara Okafor"), lone_working=False)
    other = event("shift.start", subject=ben, devices=["phone"], locker="2")
    assert push(org.records, "a-door", [own, approved, recorded, visit, other]).ok
    elsewhere = event("shift.start", subject=staff(1, "Amara Okafor"), devices=[])
    assert push(org.records, "b-door", [elsewhere]).ok  # another setting's: not in A's answer

    answer = anna.post(org.url(org.a, "/access"), name="Amara  Okafor")

    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    text = answer.text
    roles = {int(seq): r for seq, r in re.findall(r"^- #(\d+) at a-door .*\[(.*)\]", text, re.M)}
    assert roles == {own["seq"]: "about you", approved["seq"]: "you approved it",
                     recorded["seq"]: "you recorded it for someone else",
                     visit["seq"]: "about you"}  # fmt: skip
    assert "type: parent" in text and "b-door" not in text
    assert "Ben Carter" not in text.split("== Records")[1]  # nobody else's name in the records
    assert "Chloé" not in text
    with Session(org.records.engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "subject_access")).one()
        assert entry.setting_id == org.a and "Amara" not in str(entry.detail)
        assert entry.detail["events"] == 4


def test_an_access_request_for_nobody_says_so(org: Org, anna: Client) -> None:
    answer = anna.post(org.url(org.a, "/access"), name="Nobody Atall")
    assert answer.status_code == 200 and "Nothing is held about anyone called" in answer.text
    assert anna.post(org.url(org.b, "/access"), name="Bella Bee").status_code == 404


def test_an_access_request_includes_declarations_and_observations(org: Org, anna: Client) -> None:
    """Records only the console keeps (issue 13) are in the file too, and only this setting's."""
    manager = Actor("anna", None, "127.0.0.1")
    with Session(org.records.engine) as s, s.begin():
        a, b = s.get(Setting, org.a), s.get(Setting, org.b)
        assert a is not None and b is not None
        ben = roster.add_person(s, a, manager, roster.PersonForm("Ben Carter", "staff", ""))
        add_declaration(s, a, manager, person_id=str(ben), about="Knows Sam's family from school",
                        review_on="2027-06-01")  # fmt: skip
        fields = {"professional": "Dr Priya Rao", "organisation": "Speech and Language",
                  "on_date": "2026-12-09", "at_time": "10:30", "present": "Amara",
                  "secure_location": "yes", "not_recorded": "yes", "notes": ""}  # fmt: skip
        record_request(s, a, manager, fields)
        record_request(s, b, manager, {**fields, "organisation": "B's own request"})

    text = anna.post(org.url(org.a, "/access"), name="Ben Carter").text
    assert "== Declarations ==" in text and "Knows Sam's family from school" in text
    assert "2027-06-01" in text
    observed = anna.post(org.url(org.a, "/access"), name="dr priya rao").text
    assert "== Virtual observations ==" in observed and "Speech and Language" in observed
    assert "B's own request" not in observed
