"""Backups (online, checked, pruned), restore (the old database set aside, never deleted), the
refusal of a damaged database, and erasure on request (details gone, counts kept)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.app import App, check_integrity, open_app, restore
from kiosk.clock import ManualClock
from kiosk.config import Config
from kiosk.domain.types import EventKind, PolicyError, VisitorType
from kiosk.errors import StoreError
from kiosk.services.operations import OperationsService
from kiosk.store.backup import list_backups
from kiosk.store.models import Event, Staff, Visitor
from tests.conftest import BEN_UID, staff_id


def count(app: App, kind: str) -> int:
    with app.ctx.reading() as session:
        return session.scalar(select(func.count()).where(Event.kind == kind)) or 0


def test_backup_is_checked_private_and_pruned(app: App, clock: ManualClock, config: Config) -> None:
    ops = OperationsService(app.ctx)
    made = []
    for _ in range(config.backup.keep + 2):
        made.append(ops.backup()[0])
        clock.advance(60)
    kept = list_backups(config.backup_dir)
    assert kept == sorted(made, reverse=True)[: config.backup.keep]
    assert stat.S_IMODE(os.stat(kept[0]).st_mode) == 0o600
    db = sqlite3.connect(kept[0])
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM staff").fetchone()[0] == 4
    db.close()


def test_backup_while_the_kiosk_writes_holds_every_committed_event(app: App) -> None:
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, ["phone"], locker="2")  # committed, still in the -wal file
    path, _ = OperationsService(app.ctx).backup()
    db = sqlite3.connect(path)
    kinds = [k for (k,) in db.execute("SELECT kind FROM events ORDER BY seq")]
    db.close()
    assert "shift.start" in kinds


def test_restore_sets_the_current_database_aside_and_records_itself(
    app: App, config: Config, clock: ManualClock
) -> None:
    path, _ = OperationsService(app.ctx).backup()
    app.kiosk.start_shift(staff_id(app, "Ben"), ["phone"], locker="2")  # after the backup
    app.close()
    restored, done = restore(config, path, clock)
    assert restored.kiosk.roll_call.now().staff == []  # the shift start is not in the backup
    assert count(restored, EventKind.ADMIN_RESTORE) == 1
    aside = list(config.data_dir.glob("kiosk.db.before-restore-*"))
    assert len(aside) == 1 and "kept as" in done.message
    db = sqlite3.connect(aside[0])  # nothing lost: the shift start is in the set-aside file
    assert db.execute("SELECT count(*) FROM events WHERE kind='shift.start'").fetchone()[0] == 1
    db.close()
    restored.close()


def test_a_damaged_backup_is_not_restored(config: Config, app: App, tmp_path: Path) -> None:
    junk = tmp_path / "kiosk-junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    app.close()
    with pytest.raises(StoreError, match="damaged"):
        restore(config, junk)
    assert open_app(config).kiosk.tap(BEN_UID).staff is not None  # the database is untouched


def test_a_damaged_database_is_refused_with_the_latest_backup_named(
    app: App, config: Config
) -> None:
    path, _ = OperationsService(app.ctx).backup()
    app.close()
    with open(config.database_path, "r+b") as handle:  # scribble over a page in the middle
        handle.seek(4096 * 3)
        handle.write(os.urandom(4096))
    with pytest.raises(StoreError) as caught:
        check_integrity(config)
    assert "damaged" in str(caught.value) and f"kiosk restore {path}" in str(caught.value)


def test_erase_a_visitor_keeps_the_count(app: App) -> None:
    visitors = app.kiosk.visitors
    for _ in range(2):
        visitors.sign_in(
            VisitorType.PARENT, "Pat Parent", "", "", acknowledged=True, lone_working=False
        )
        visitors.sign_out(visitors.find("pat")[0].visitor_id)
    done = OperationsService(app.ctx).erase_visitor("pat parent")
    assert "Erased 2 visit(s)" in done.message
    with app.ctx.reading() as session:
        assert session.scalar(select(func.count()).where(Visitor.name.is_not(None))) == 0
        event = session.get(Event, done.event_id)
        assert event is not None and "Pat" not in str(event.payload)
    assert count(app, EventKind.VISITOR_IN) == 2
    with pytest.raises(PolicyError, match="already erased"):
        OperationsService(app.ctx).erase_visitor("Pat Parent")


def test_erase_a_leaver(app: App) -> None:
    ops = OperationsService(app.ctx)
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, [], no_device=True)
    with pytest.raises(PolicyError, match="on shift"):
        ops.erase_staff("Ben Carter")
    app.kiosk.end_shift(ben)
    ops.erase_staff("Ben Carter")
    with app.ctx.reading() as session:
        row = session.get(Staff, ben)
        assert row is not None and row.name == f"(erased #{ben})" and not row.active
    assert app.kiosk.tap(BEN_UID).refused
    assert count(app, EventKind.SHIFT_START) == 1  # the shift is still counted


def test_restore_refuses_while_the_kiosk_runs(app: App, config: Config) -> None:
    path, _ = OperationsService(app.ctx).backup()
    running = subprocess.Popen(  # another process holding the run lock, as `kiosk run` does
        [sys.executable, "-c", LOCK_HOLDER, str(config.data_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert running.stdout is not None and running.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="the kiosk is running"):
            restore(config, path)
    finally:
        running.kill()
        running.wait()
        if running.stdout:
            running.stdout.close()
    restore(config, path)[0].close()  # the lock died with the process


LOCK_HOLDER = """
import sys, time
from pathlib import Path
from kiosk.store.lock import RunLock
lock = RunLock(Path(sys.argv[1]))
lock.acquire("test")
print("locked", flush=True)
time.sleep(60)
"""
