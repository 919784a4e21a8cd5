"""Each command imports only what it uses (issue 16): `kiosk --help`, `kiosk status` and `kiosk
tap` load neither SQLAlchemy nor Kivy, and `kiosk status` still gives the same figures as the
services. How long they take is measured in bench/bench_cli.py, not asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app import initialise, open_app
from kiosk.config import Config, KioskSection
from tests.conftest import staff_id

HEAVY = ("sqlalchemy", "kivy", "alembic", "requests", "gpiozero", "fastapi")
PROBE = (
    "import sys, kiosk.cli\n"
    "code = kiosk.cli.main(sys.argv[1:])\n"
    "heavy = sorted(m for m in {heavy!r} if m in sys.modules)\n"
    "print(json.dumps({{'code': code, 'heavy': heavy}}), file=sys.stderr)\n"
)


def loaded(data: Path, *args: str) -> tuple[int, list[str], str]:
    """Run `kiosk ARGS` in a new process: exit code, heavy packages imported, stdout."""
    code = "import json\n" + PROBE.format(heavy=HEAVY)
    env = {**os.environ, "KIOSK_DATA_DIR": str(data)}
    env.pop("KIOSK_CONFIG", None)
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["code"], report["heavy"], result.stdout


@pytest.fixture
def data(tmp_path: Path) -> Path:
    app, _ = initialise(Config(kiosk=KioskSection(data_dir=str(tmp_path / "data"))), demo=True)
    app.kiosk.start_shift(staff_id(app, "Ben"), ["phone"], locker="2")
    app.close()
    return tmp_path / "data"


@pytest.mark.parametrize("args", [("--help",), ("status",), ("status", "--json"), ("tap", "0A0B")])
def test_everyday_commands_load_no_heavy_package(data: Path, args: tuple[str, ...]) -> None:
    _, heavy, _ = loaded(data, *args)
    assert heavy == []


def test_onsite_still_loads_what_it_needs(data: Path) -> None:
    code, heavy, out = loaded(data, "onsite")
    assert code == 0 and "sqlalchemy" in heavy and "kivy" not in heavy
    assert "Ben Carter" in out


def test_status_gives_the_services_figures(data: Path) -> None:
    code, _, out = loaded(data, "status", "--json")
    assert code == 0
    status = json.loads(out)
    app = open_app(Config(kiosk=KioskSection(data_dir=str(data))))
    expected = json.loads(json.dumps(app.kiosk.roll_call.status(), default=str))
    app.close()
    assert {k: v for k, v in status.items() if k != "clock_synced"} == {
        k: v for k, v in expected.items() if k != "clock_synced"
    }
    assert status["events"] == status["last_seq"] > 10


def test_status_of_a_database_not_set_up_says_what_to_do(tmp_path: Path) -> None:
    code, _, _ = loaded(tmp_path / "none", "status")
    assert code == 3
