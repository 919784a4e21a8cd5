"""Corners of the command line a manager or a script runs into (issue 16): two staff with the same
name addressed by their number, a PIN piped in twice, and a usage mistake answered in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest

Kiosk = Callable[..., tuple[int, str, str]]


def _numbers(kiosk: Kiosk, name: str) -> list[int]:
    staff = json.loads(kiosk("staff", "list", "--json")[1])
    return [s["staff_id"] for s in staff if s["name"] == name]


def test_two_staff_with_one_name_are_told_apart_by_number(kiosk: Kiosk) -> None:
    assert kiosk("staff", "add", "Sam Lee", "--locker", "5")[0] == 0
    assert kiosk("staff", "add", "Sam Lee", "--locker", "6")[0] == 0
    first, second = _numbers(kiosk, "Sam Lee")
    code, _, err = kiosk("record", "shift-start", "Sam Lee", "--no-device")
    assert code == 1 and f"numbers {first}, {second}" in err and "use their number" in err
    code, out, err = kiosk("record", "shift-start", str(second), "--devices", "phone")
    assert code == 0, err
    assert "locker 6" in out
    assert kiosk("record", "shift-start", f"#{first}", "--no-device")[0] == 0
    code, _, err = kiosk("record", "shift-end", "999")
    assert code == 1 and "no current staff member number 999" in err


def test_a_pin_piped_twice_is_confirmed(kiosk: Kiosk) -> None:
    code, _, err = kiosk("manager", "pin", "Amara", stdin="135792\n135793\n")
    assert code == 1 and "not the same" in err
    code, _, err = kiosk("manager", "pin", "Amara", stdin="135792\n135792\n")
    assert code == 0, err
    code, _, err = kiosk("manager", "pin", "Amara", stdin="1\n2\n3\n")
    assert code == 1 and "one line, or twice" in err
    # The PIN that was set is the one that approves.
    code, _, err = kiosk("record", "shift-start", "Ben", "--devices", "phone")
    assert code == 0, err
    code, _, err = kiosk("record", "device-out", "Ben", "--device", "phone", "--reason",
                         "emergency", "--approver", "Amara", stdin="135792\n")  # fmt: skip
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["recrod"], "invalid choice: 'recrod'"),
        (["record", "shift-start"], "the following arguments are required: name"),
        (["export", "--from", "yesterday"], "'yesterday' is not a date"),
    ],
)
def test_a_usage_mistake_is_one_line(args: list[str], says: str) -> None:
    result = subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                            text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and says in lines[0] and "--help'" in lines[0]
    assert lines[0].startswith("kiosk")
