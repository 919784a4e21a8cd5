"""The units in systemd/: `systemd-analyze verify` finds nothing to say about any of them, and the
kiosk's own unit is hardened (exposure reported by `systemd-analyze security`, aim 4.0 or lower).

They are checked inside a scratch root holding the system's unit library and a stand-in for the
installed `kiosk` command, so nothing is installed on the machine running the tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).parent.parent / "systemd"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")

pytestmark = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    kiosk = root / "opt/kiosk/venv/bin/kiosk"
    kiosk.parent.mkdir(parents=True)
    kiosk.write_text("#!/bin/sh\n")
    kiosk.chmod(0o755)
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    target = root / "etc/systemd/system"
    target.mkdir(parents=True)
    for unit in UNITS.glob("*.service"):
        shutil.copy(unit, target)
    for unit in UNITS.glob("*.timer"):
        shutil.copy(unit, target)
    return root


def units() -> list[str]:
    return sorted(p.name for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))


@pytest.mark.parametrize("unit", units())
def test_unit_verifies_cleanly(root: Path, unit: str) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={root}", f"/etc/systemd/system/{unit}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == "", "verify warned: " + result.stderr


def exposure(root: Path, unit: str) -> float:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", f"--root={root}",
         f"/etc/systemd/system/{unit}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    return float(found.group(1))


@pytest.mark.parametrize("unit", [u for u in units() if u.endswith(".service")])
def test_services_are_hardened(root: Path, unit: str) -> None:
    level = exposure(root, unit)
    print(f"{unit}: exposure {level}")
    assert level <= 4.0
