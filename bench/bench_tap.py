"""Tap to durable record: a badge tap and the shift action it leads to, through the service, on a
file database with synchronous=FULL, beside the raw cost of one fsync-ed SQLite commit on the same
disk in the same run.  Run: python bench/bench_tap.py"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, median, percentile, stamp
from kiosk.app import initialise
from kiosk.config import Config, KioskSection, PolicySection
from kiosk.domain.types import StaffId

TAPS = 2000
UIDS = {StaffId(2): "5A3F9C21", StaffId(3): "7B2E4D10", StaffId(4): "9C8D7E6F"}


def raw_commits(folder: Path, n: int) -> list[float]:
    """One INSERT + COMMIT per sample, WAL + synchronous=FULL: the floor a durable tap sits on."""
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    samples = []
    for i in range(n):
        start = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (payload) VALUES (?)", (f"event {i}",))
        db.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    db.close()
    return samples


def service_taps(folder: Path, n: int) -> list[float]:
    config = Config(
        kiosk=KioskSection(data_dir=str(folder / "kiosk")), policy=PolicySection(debounce_s=0.0)
    )
    app, _ = initialise(config, demo=True)
    samples = []
    for i in range(n):
        who = StaffId(2 + i % 3)
        start = time.perf_counter()
        outcome = app.kiosk.tap(UIDS[who])
        if outcome.presence is None:
            app.kiosk.start_shift(who, ["phone"], locker=outcome.suggested_locker)
        else:
            app.kiosk.end_shift(who)
        samples.append(time.perf_counter() - start)
    app.close()
    return samples


def main() -> None:
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "bench") as tmp:
        folder = Path(tmp)
        raw = raw_commits(folder, TAPS)
        taps = service_taps(folder, TAPS)
    ms = 1000.0
    print(f"# tap to durable record ({stamp()}; {machine()})")
    print(
        f"raw fsync-ed SQLite commit:  p50 {median(raw) * ms:.2f} ms  p99 {percentile(raw, 99) * ms:.2f} ms"
    )
    print(
        f"service tap + shift action:  p50 {median(taps) * ms:.2f} ms  p99 {percentile(taps, 99) * ms:.2f} ms"
    )
    print(
        f"ratio of medians (service / raw commit): {median(taps) / median(raw):.1f}x over {TAPS} taps"
    )


if __name__ == "__main__":
    main()
