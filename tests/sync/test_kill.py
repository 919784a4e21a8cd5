"""`kiosk sync` SIGKILLed at random points during a push and started again: state lives in the
kiosk's database, so the restarted pusher resends at most the batch in flight, and the server's
per-id dedup makes the end result exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.app import App
from tests.sync.kiosks import add_events, make_kiosk, sync_counts, write_config
from tests.sync.server import Running
from tests.sync.test_pusher import stored_once

pytestmark = pytest.mark.slow


def wait_for_sent(app: App, child: subprocess.Popen[bytes], target: int, log: Path) -> None:
    """Return when the kiosk's database shows `target` events sent; fail if the child exits."""
    while sync_counts(app).get("sent", 0) < target:
        if child.poll() is not None:
            pytest.fail(f"kiosk sync exited {child.returncode}: {log.read_text()}")
        time.sleep(0.01)  # a poll interval, not a deadline: the loop waits as long as it takes


def test_pusher_killed_at_random_points_loses_and_doubles_nothing(
    records: Running, tmp_path: Path
) -> None:
    app = make_kiosk(tmp_path, "hall-2", token=records.token("hall-2"))
    add_events(app, 4000)
    config = write_config(app, tmp_path / "kiosk.toml", records.url, batch_size=50, interval_s=0.2)
    env = {**os.environ, "KIOSK_CONFIG": str(config)}
    rng = random.Random(5)
    partial = 0
    log = tmp_path / "sync.log"
    for _ in range(5):
        with log.open("wb") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "kiosk", "sync"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        # Kill once the pusher has had a random number of batches accepted: on observed
        # progress, never after a sleep, so a busy machine cannot make every kill land too early.
        wait_for_sent(app, child, sync_counts(app).get("sent", 0) + 50 * rng.randint(1, 8), log)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
        counts = sync_counts(app)
        partial += counts.get("sent", 0) > 0 and counts.get("pending", 0) > 0
    assert partial >= 1, "no kill landed in the middle of a push"
    finish = subprocess.run(
        [sys.executable, "-m", "kiosk", "sync", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finish.returncode == 0, finish.stderr
    stored_once(app, records)
    app.close()
