"""The README's command-line walk-through, run as a new user would paste it: every command
succeeds, the export holds today's records, and nothing is left in the directory it was run from."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.DOTALL)


def test_the_walk_through_records_and_exports_today(tmp_path: Path) -> None:
    (block,) = [b for b in shell_blocks() if "kiosk export" in b]
    work = tmp_path / "clone"
    work.mkdir()
    # The README's paths are relative to a clone; here .venv is this test's environment.
    (work / ".venv").symlink_to(BIN.parent)
    init = f"{BIN / 'kiosk'} init --demo\n"
    script = "set -euo pipefail\nexport KIOSK_DATA_DIR=$PWD/var\n" + init + block
    result = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                            timeout=300, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    with (work / "var" / "today.csv").open(encoding="utf-8-sig", newline="") as handle:
        kinds = [row["kind"] for row in csv.DictReader(handle)]
    assert {"shift.start", "device.out", "visitor.in"} <= set(kinds)
    assert sorted(p.name for p in work.iterdir()) == [".venv", "var"]
