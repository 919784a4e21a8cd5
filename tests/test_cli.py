"""The command line as a manager or a script uses it: shifts, visits, bad input, exit codes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main

ROOT = Path(__file__).parent.parent


def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    for command in ("init", "staff", "manager", "record", "onsite", "export", "status", "purge"):
        assert command in result.stdout


def test_a_day_at_the_setting(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert kiosk("record", "shift-start", "Ben", "--devices", "phone,smartwatch")[1].startswith(
        "Shift started"
    )
    assert (
        kiosk("record", "shift-start", "chloe", "--no-device")[0] == 0
    )  # accents need not be typed
    code, out, _ = kiosk("record", "device-out", "Ben", "--device", "phone", "--reason", "outing",
                         "--approver", "Amara", "--back-by", "23:59", stdin="258036\n")  # fmt: skip
    assert code == 0 and "out until" in out
    code, out, _ = kiosk("record", "visitor-in", "--name", "Sam O'Brien", "--organisation",
                         "Social services", "--lone-working", "--acknowledged")  # fmt: skip
    assert "Quiet space shown" in out
    code, out, _ = kiosk("onsite", "--json")
    roll = json.loads(out)
    assert [s["name"] for s in roll["staff"]] == ["Ben Carter", "Chloé Dubois"]
    assert roll["staff"][0]["out"][0]["approver"] == "Amara Okafor"
    assert roll["visitors"][0]["lone_working"] is True
    assert kiosk("record", "device-in", "Ben", "--device", "phone")[0] == 0
    assert kiosk("record", "visitor-out", "sam")[0] == 0
    assert kiosk("record", "shift-end", "Ben")[0] == 0
    status = json.loads(kiosk("status", "--json")[1])
    assert status["events"] == status["last_seq"] and status["sync"]["enabled"] is False
    out_file = tmp_path / "day.csv"
    code, out, _ = kiosk(
        "export", "--from", "2020-01-01", "--to", "2099-12-31", "-o", str(out_file)
    )
    assert code == 0 and out_file.read_text(encoding="utf-8-sig").count("\n") > 10


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (
            ("record", "shift-start", "Nobody", "--no-device"),
            "",
            1,
            "No staff member is called 'Nobody'",
        ),
        (("record", "shift-end", "Ben"), "", 1, "not on shift"),
        (
            (
                "record",
                "device-out",
                "Ben",
                "--device",
                "phone",
                "--reason",
                "emergency",
                "--approver",
                "Amara",
            ),
            "1111\n",
            1,
            "not on shift",
        ),
        (("staff", "badge", "Priya", "5A3F9C21"), "", 1, "already belongs to someone else"),
        (("staff", "badge", "Priya", "not-hex!"), "", 1, "not a badge number"),
        (("staff", "add", "   "), "", 1, "enter the name"),
        (("staff", "add", "Kim", "--locker", "99"), "", 1, "no locker 99"),
        (("manager", "pin", "Ben"), "135792\n", 1, "not an active manager"),
        (("manager", "pin", "Amara"), "123456\n", 1, "too easy"),
        (("manager", "pin", "Amara"), "1357\n", 1, "6 to 8 digits"),
        (
            ("export", "--from", "2026-02-30", "--to", "2026-03-01", "-o", "x.csv"),
            "",
            2,
            "is not a date",
        ),
        (
            ("export", "--from", "2026-03-02", "--to", "2026-03-01", "-o", "x.csv"),
            "",
            1,
            "--to is before --from",
        ),
        (("record", "visitor-out", "z"), "", 1, "No signed-in visitor matches 'z'"),
        (("record", "visitor-in", "--name", "Al"), "", 2, "--acknowledged"),
    ],
)
def test_bad_input_gets_one_clear_line_and_records_nothing(
    kiosk, args, stdin, code, message
) -> None:  # type: ignore[no-untyped-def]
    before = json.loads(kiosk("status", "--json")[1])["last_seq"]
    got, _, err = kiosk(*args, stdin=stdin)
    assert got == code
    assert message in err
    if code == 1:
        assert err.count("\n") == 1 and err.startswith("kiosk: ")
    after = json.loads(kiosk("status", "--json")[1])["last_seq"]
    assert after == before


def test_wrong_approver_pin_is_refused_and_counted(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kiosk("record", "shift-start", "Ben", "--devices", "phone")
    code, _, err = kiosk("record", "device-out", "Ben", "--device", "phone", "--reason",
                         "emergency", "--approver", "Amara", stdin="1111\n")  # fmt: skip
    assert code == 1 and "PIN is not right" in err
    out = tmp_path / "audit.csv"
    assert kiosk("export", "--from", "2020-01-01", "--to", "2099-01-01", "-o", str(out))[0] == 0
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    refused = [r for r in rows if ",approval.refused," in r]
    assert len(refused) == 1 and "Amara Okafor" in refused[0] and "why=wrong_pin" in refused[0]
    assert not any(",device.out," in r for r in rows)


def test_export_only_ever_replaces_a_regular_file(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # like /dev/null or a device: never to be swapped for a plain file
    code, _, err = kiosk("export", "--from", "2020-01-01", "--to", "2099-01-01", "-o", str(pipe),
                         "--force")  # fmt: skip
    assert code == 1 and "not a regular file" in err
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_export_refuses_to_overwrite_without_force(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "keep.csv"
    target.write_text("precious")
    code, _, err = kiosk("export", "--from", "2020-01-01", "--to", "2099-01-01", "-o", str(target))
    assert code == 1 and "use --force" in err
    assert target.read_text() == "precious"


def test_a_database_not_initialised_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "k.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path}"\n')
    assert main(["--config", str(config), "onsite"]) == 3
    assert "run 'kiosk init'" in capsys.readouterr().err


def test_a_bad_config_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "k.toml"
    config.write_text("[kiosk]\nkiosk_id = 'x'\n")
    assert main(["--config", str(config), "status"]) == 3
    assert "unknown setting 'kiosk.kiosk_id'" in capsys.readouterr().err
