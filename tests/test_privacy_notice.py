"""The privacy notice, read as a parent would: who to ask, what is held, for how long (the periods
in force, not the defaults), their rights including the ICO, and what happens after a breach."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_config


def test_a_stand_alone_kiosk_prints_the_notice_from_its_own_values(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "kiosk.toml"
    write_config(config, config.read_text() + (
        '[privacy]\ncontroller = "Little Acorns Ltd"\n'
        'contact = "Jo Bloggs, 1 Acorn Lane, Leeds LS1 1AA; office@acorns.example"\n'
        'ico_registration = "ZA123456"\n'
        '[retention]\nvisitor_details_days = 21\nrefused_attempts_days = 14\n'
    ))  # fmt: skip
    notice = tmp_path / "notice.txt"
    code, out, err = kiosk("privacy-notice", "-o", str(notice))
    assert code == 0 and "written to" in out, err
    text = " ".join(notice.read_text(encoding="utf-8").split())  # as read, not as wrapped
    for wanted in (
        "Little Acorns Ltd is responsible for the personal data",
        "Contact about your data: Jo Bloggs, 1 Acorn Lane, Leeds LS1 1AA; office@acorns.example",
        "Our ICO registration number: ZA123456",
        "Our lawful basis",
        "erased 21 days after the visit ends",
        "Refused badges and wrong PINs: 14 days",
        "Staff shift and device records: 400 days",
        "the newest 14 daily backups",
        "complain to the Information Commissioner's Office: ico.org.uk/make-a-complaint",
        "We answer within one month",
        "within 72 hours",
        "Nothing about children",
    ):
        assert wanted in text, wanted
    assert all(len(line) <= 78 for line in notice.read_text().splitlines())  # prints on A4


def test_a_bad_registration_number_is_refused_with_the_key(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "kiosk.toml"
    write_config(config, config.read_text() + '[privacy]\nico_registration = "12 34"\n')
    code, _, err = kiosk("privacy-notice")
    assert code == 3 and "privacy.ico_registration" in err and "like ZA123456" in err
