"""Export of 1,000,000 events to CSV: time and peak memory of `kiosk export`, beside `sqlite3 -csv`
dumping the same rows (the same query) from the same file to a file, in the same run.
Run: python bench/bench_export.py [EVENTS]"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, median, run_measured, stamp
from kiosk.app import initialise
from kiosk.config import Config, KioskSection
from kiosk.export import ExportRequest, ExportScope, export_sql

ROUNDS = 3
START = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


def fill(db_path: Path, n: int) -> None:
    """n events of a realistic mix, written straight into the log (the service would take hours)."""
    db = sqlite3.connect(db_path)
    seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
    visitor_rows, event_rows = [], []
    for i in range(n):
        at = (START + timedelta(seconds=30 * i)).isoformat(timespec="microseconds")
        staff = 2 + i % 3
        kind, payload, vid = _event(i, staff)
        if kind == "visitor.in":
            vid = len(visitor_rows) + 1
            visitor_rows.append((vid, "visitor", f"Visitor {i}", "Acme Ltd", "Room 2", at))
        elif kind == "visitor.out":
            vid = len(visitor_rows) or None
        event_rows.append(
            (str(uuid.uuid4()), "entrance-1", seq + i + 1, kind, at, 1, "boot", i,
             None if vid else staff, vid, json.dumps(payload), "pending", 0)
        )  # fmt: skip
    db.executemany("INSERT INTO visitors VALUES (?, ?, ?, ?, ?, ?, NULL)", visitor_rows)
    db.executemany(
        "INSERT INTO events (id, kiosk_id, seq, kind, occurred_at, clock_synced, boot_id, mono_ns,"
        " staff_id, visitor_id, payload, sync_state, sync_attempts) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        event_rows,
    )
    db.execute("UPDATE kiosk_counters SET last_seq = ?", (seq + n,))
    db.commit()
    db.close()


def _event(i: int, staff: int) -> tuple[str, dict[str, object], int | None]:
    step = i % 8
    if step == 0:
        return (
            "shift.start",
            {"devices": ["phone", "smartwatch"], "locker": str(staff), "no_device": False},
            None,
        )
    if step == 1:
        return "device.out", {"device": "phone", "reason": "emergency", "approver_id": 1,
                              "locker": str(staff), "expected_return": START.isoformat()}, None  # fmt: skip
    if step == 2:
        return "device.in", {"device": "phone", "locker": str(staff)}, None
    if step == 3:
        return (
            "shift.end",
            {"locker": str(staff), "collected": ["phone", "smartwatch"], "still_out": []},
            None,
        )
    if step in (4, 6):
        return "visitor.in", {"visitor_type": "visitor", "notice_version": "2026-09",
                              "lone_working": step == 6, "quiet_space": "Office" if step == 6 else None}, 1  # fmt: skip
    if step in (5, 7):
        return "visitor.out", {}, 1
    raise AssertionError(step)


def same_query_sql(config: Config, span: tuple[datetime, datetime]) -> str:
    """The export's own query with its parameters written in, for the sqlite3 shell."""
    from zoneinfo import ZoneInfo

    request = ExportRequest(date(2026, 1, 1), date(2036, 1, 1), ExportScope.ALL, Path("x"))
    sql, params = export_sql(request, ZoneInfo(config.kiosk.timezone), span)
    for name, value in params.items():
        sql = sql.replace(f":{name}", f"'{value}'")
    return sql


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    if shutil.which("sqlite3") is None:
        sys.exit("bench_export: needs the sqlite3 shell (apt-get install sqlite3)")
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "bench") as tmp:
        folder = Path(tmp)
        config_file = folder / "kiosk.toml"
        config_file.write_text(f'[kiosk]\ndata_dir = "{folder}"\n')
        config = Config(kiosk=KioskSection(data_dir=str(folder)))
        app, _ = initialise(config, demo=True)
        app.close()
        fill(folder / "kiosk.db", n)
        span = (START, START + timedelta(seconds=30 * n))
        sql = same_query_sql(config, span)
        ours, theirs, plain = [], [], []
        for _ in range(ROUNDS):
            plain.append(run_measured(["sqlite3", "-csv", "-header", "-cmd", f".output {folder / 'plain.csv'}",
                                       str(folder / "kiosk.db"), "SELECT * FROM events ORDER BY seq"]))  # fmt: skip
            theirs.append(run_measured(["sqlite3", "-csv", "-header", "-cmd", f".output {folder / 'base.csv'}",
                                        str(folder / "kiosk.db"), sql]))  # fmt: skip
            ours.append(run_measured([sys.executable, "-m", "kiosk", "--config", str(config_file), "export",
                                      "--from", "2026-01-01", "--to", "2036-01-01", "-o",
                                      str(folder / "out.csv"), "--force"]))  # fmt: skip
        lines = sum(1 for _ in (folder / "out.csv").open(encoding="utf-8-sig"))
    t_ours, t_base = median([t for t, _ in ours]), median([t for t, _ in theirs])
    t_plain = median([t for t, _ in plain])
    print(f"# export of {n:,} events ({stamp()}; {machine()}; median of {ROUNDS})")
    print(f"sqlite3 -csv, SELECT * FROM events (ids only, UTC only): {t_plain:.2f} s")
    print(f"sqlite3 -csv, the export's own query: {t_base:.2f} s  "
          f"peak {median([m for _, m in theirs]):.0f} MiB")  # fmt: skip
    print(f"kiosk export:                         {t_ours:.2f} s  "
          f"peak {median([m for _, m in ours]):.0f} MiB  ({lines - 1:,} rows written)")  # fmt: skip
    print(
        f"ratio kiosk / same query: {t_ours / t_base:.2f}x;  kiosk / SELECT *: {t_ours / t_plain:.2f}x"
    )


if __name__ == "__main__":
    main()
