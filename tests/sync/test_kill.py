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

from tests.sync.kiosks import add_events, make_kiosk, sync_counts, write_config
from tests.sync.server import Running
from tests.sync.test_pusher import stored_once

pytestmark = pytest.mark.slow


def test_pusher_killed_at_random_points_loses_and_doubles_nothing(
    records: Running, tmp_path: Path
) -> None:
    app = make_kiosk(tmp_path, "hall-2", token=records.token("hall-2"))
    add_events(app, 4000)
    config = write_config(app, tmp_path / "kiosk.toml", records.url, batch_size=50, interval_s=0.2)
    env = {**os.environ, "KIOSK_CONFIG": str(config)}
    rng = random.Random(5)
    partial = 0
    for _ in range(5):
        child = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.6, 1.4))
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
