"""Kill -9 mid-action: everything reported as recorded is there exactly once, seq keeps rising,
and SQLite's integrity check passes. A child process taps in a loop; we kill it after a random
number of taps."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app import initialise, open_app
from kiosk.config import Config, KioskSection
from kiosk.store.events import load_full_state, load_site_state

ROOT = Path(__file__).parent.parent
KILLS = 12


def run_child_until_killed(data_dir: Path, rng: random.Random) -> list[tuple[str, int]]:
    """Kill the child after it has reported a random number of actions: on observed progress, not
    after a sleep, so a slow start-up on a busy machine cannot make the kill land before work."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_child", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    target = rng.randint(5, 30)
    lines: list[str] = []
    for line in child.stdout:
        lines.append(line)
        if len(lines) >= target:
            break
    assert len(lines) >= target, f"the child stopped (exit {child.poll()}) before tapping"
    child.send_signal(signal.SIGKILL)
    child.wait()
    lines.extend(child.stdout)  # reports already in the pipe were made before the kill
    child.stdout.close()
    # A line cut short by the kill was never a complete report; whole lines were.
    return [(line.split()[0], int(line.split()[1])) for line in lines if line.endswith("\n")]


@pytest.mark.slow
def test_sigkill_loses_and_doubles_nothing(tmp_path: Path) -> None:
    config = Config(kiosk=KioskSection(data_dir=str(tmp_path)))
    app, _ = initialise(config, demo=True)
    app.close()
    rng = random.Random(20261123)
    reported: list[tuple[str, int]] = []
    for _ in range(KILLS):
        reported += run_child_until_killed(tmp_path, rng)
    assert len(reported) > 50, "the child should have recorded plenty before being killed"

    db = sqlite3.connect(tmp_path / "kiosk.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = dict(db.execute("SELECT id, seq FROM events").fetchall())
    seqs = [s for (s,) in db.execute("SELECT seq FROM events ORDER BY rowid")]
    db.close()
    for event_id, seq in reported:
        assert rows.get(event_id) == seq, f"reported event {event_id} missing or changed"
    assert len({eid for eid, _ in reported}) == len(reported)
    assert seqs == list(range(1, len(seqs) + 1)), "seq strictly increases with no gap or repeat"

    app = open_app(config)  # the kiosk restarts on the same file and carries on
    with app.ctx.reading() as session:
        assert load_site_state(session) == load_full_state(session)
    app.close()
