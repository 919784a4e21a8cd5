"""A subject access request answered as a manager would: `kiosk sar NAME -o FILE` on a person
who is a member of staff, the approver of someone else's device, the recorder of someone else's
shift, and a parent at the door; the file is read as they would read it."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from pathlib import Path

from tests.conftest import MANAGER_PIN

EVENT_LINE = re.compile(r"^- #(\d+) .*\[(.*)\]", re.MULTILINE)


def a_month_at_the_setting(kiosk) -> None:  # type: ignore[no-untyped-def]
    assert kiosk("record", "shift-start", "Amara", "--devices", "phone")[0] == 0
    assert kiosk("record", "shift-start", "Ben", "--devices", "phone")[0] == 0
    code, _, err = kiosk("record", "device-out", "Ben", "--device", "phone", "--reason",
                         "emergency", "--approver", "Amara", stdin=f"{MANAGER_PIN}\n")  # fmt: skip
    assert code == 0, err
    assert kiosk("record", "--by", "Amara Okafor", "shift-start", "Chloé", "--no-device")[0] == 0
    assert kiosk("record", "visitor-in", "--name", "amara okafor", "--type", "parent",
                 "--acknowledged")[0] == 0  # fmt: skip
    assert kiosk("record", "visitor-in", "--name", "Sam Else", "--acknowledged")[0] == 0


def events_by_role(db: Path) -> dict[str, set[int]]:
    """What the file must list, found independently in the database."""
    con = sqlite3.connect(db)
    try:
        amara = con.execute("SELECT id FROM staff WHERE name = 'Amara Okafor'").fetchone()[0]
        parent = con.execute("SELECT id FROM visitors WHERE name = 'amara okafor'").fetchone()[0]
        rows = con.execute(
            "SELECT seq, staff_id, visitor_id, json_extract(payload, '$.approver_id'), "
            "json_extract(payload, '$.recorded_by') FROM events"
        ).fetchall()
    finally:
        con.close()
    return {
        "about you": {s for s, st, v, _, _ in rows if st == amara or v == parent},
        "you approved it": {s for s, _, _, a, _ in rows if a == amara},
        "you recorded it for someone else": {s for s, *_, by in rows if by == "Amara Okafor"},
    }


def test_the_file_lists_every_event_where_they_are_subject_approver_or_recorder(
    kiosk, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    a_month_at_the_setting(kiosk)
    expected = events_by_role(tmp_path / "data" / "kiosk.db")
    assert all(expected.values())  # each role occurs at least once
    answer = tmp_path / "amara-okafor.txt"

    code, out, err = kiosk("sar", "Amara Okafor", "-o", str(answer))

    assert code == 0 and "Wrote what is held about them" in out, err
    text = answer.read_text(encoding="utf-8")
    found: dict[str, set[int]] = {role: set() for role in expected}
    for seq, roles in EVENT_LINE.findall(text):
        for role in roles.split(", "):
            found[role].add(int(seq))
    assert found == expected
    assert "Badges" in text and "04A1B2C3D4E5F6" in text  # her badge
    assert "role: manager" in text and "type: parent" in text
    assert "manager PIN set: yes" in text and "scrypt" not in text  # never the hash
    assert "Where copies are kept" in text and "kiosk.db" in text
    for someone_else in ("Ben", "Chloé", "Sam Else"):
        assert someone_else not in text
    assert stat.S_IMODE(os.stat(answer).st_mode) == 0o600


def test_the_request_is_in_the_audit_trail_without_the_name(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a_month_at_the_setting(kiosk)
    assert kiosk("sar", "Amara Okafor", "-o", str(tmp_path / "a.txt"))[0] == 0
    con = sqlite3.connect(tmp_path / "data" / "kiosk.db")
    (payload,) = con.execute("SELECT payload FROM events WHERE kind = 'admin.access'").fetchone()
    con.close()
    assert '"events": ' in payload and "file" in payload and "Amara" not in payload


def test_nobody_of_that_name_gets_a_clear_refusal_and_no_file(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    answer = tmp_path / "nobody.txt"
    code, _, err = kiosk("sar", "Nobody Atall", "-o", str(answer))
    assert code == 1 and "Nothing is held about anyone called 'Nobody Atall'" in err
    assert not answer.exists()
    answer.write_text("mine")
    code, _, err = kiosk("sar", "Amara Okafor", "-o", str(answer))
    assert code == 1 and "use --force" in err and answer.read_text() == "mine"
