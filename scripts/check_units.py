#!/usr/bin/env python3
"""Verify the units in systemd/ and report their security exposure, without installing anything:
each unit is checked inside a scratch root holding the system's unit library and a stand-in for
the installed `kiosk` command. `python3 scripts/check_units.py` prints one line per unit; the
tests (tests/test_systemd_units.py) use the same functions and fail on any warning."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

UNITS = Path(__file__).resolve().parent.parent / "systemd"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
EXPOSURE_AIM = 4.0


def unit_names() -> list[str]:
    return sorted(p.name for p in UNITS.iterdir() if p.suffix in (".service", ".timer"))


def scratch_root(root: Path) -> Path:
    kiosk = root / "opt/kiosk/venv/bin/kiosk"
    kiosk.parent.mkdir(parents=True, exist_ok=True)
    kiosk.write_text("#!/bin/sh\n")
    kiosk.chmod(0o755)
    shutil.copytree(
        SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True, dirs_exist_ok=True
    )
    target = root / "etc/systemd/system"
    target.mkdir(parents=True, exist_ok=True)
    for name in unit_names():
        shutil.copy(UNITS / name, target)
    return root


def verify(root: Path, unit: str) -> tuple[int, str]:
    """systemd-analyze verify: (exit code, everything it said — empty when all is well)."""
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={root}", f"/etc/systemd/system/{unit}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return result.returncode, (result.stdout + result.stderr).strip()


def exposure(root: Path, unit: str) -> float:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", f"--root={root}",
         f"/etc/systemd/system/{unit}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout + result.stderr)
    if not found:
        raise RuntimeError(result.stdout + result.stderr)
    return float(found.group(1))


def main() -> int:
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch_root(Path(tmp))
        for unit in unit_names():
            code, said = verify(root, unit)
            line = f"{unit:<24} verify {'ok' if code == 0 and not said else 'FAILED: ' + said}"
            failed |= code != 0 or bool(said)
            if unit.endswith(".service"):
                level = exposure(root, unit)
                line += f"   exposure {level:.1f} (aim <= {EXPOSURE_AIM})"
                failed |= level > EXPOSURE_AIM
            print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
