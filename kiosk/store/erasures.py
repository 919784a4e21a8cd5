"""The erasure ledger: every erasure, kept outside the database so that it outlives a restore.

A backup made before an erasure still holds the name. The ledger (`erasures.jsonl` beside the
database, owner-only) lists each erased person by row id and the time their row was made — never
by name — and `apply_ledger` replays it on any copy of the database: the live one, every backup
and set-aside file after an erasure, and a restored backup before it is used. The row's creation
time is part of the key because ids can be handed out again after a restore: a later visitor with
a re-used id is somebody else and is left alone.

Blanked rows are not enough on their own: the old page images stay in the -wal file and in free
space. `secure_delete` (set on every connection, `kiosk.store.db`) zeroes freed space, and
`scrub_file` then rewrites the file (VACUUM) and truncates its WAL.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from kiosk.domain.names import fold
from kiosk.errors import StoreError

LEDGER_NAME = "erasures.jsonl"
BUSY_TIMEOUT_S = 30.0  # a rewrite waits for the running kiosk's tap to commit


@dataclass(frozen=True)
class Erasure:
    """One erased person: `kind` is "visitor" or "staff"; `made_at` is their row's creation
    time as stored (visitors.signed_in_at, staff.created_at)."""

    kind: str
    row_id: int
    made_at: str
    erased_at: str


def ledger_path(database: Path) -> Path:
    return database.with_name(LEDGER_NAME)


def read_ledger(database: Path) -> list[Erasure]:
    path = ledger_path(database)
    if not path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [Erasure(**json.loads(line)) for line in lines if line.strip()]
    except (ValueError, TypeError) as exc:
        raise StoreError(f"the erasure ledger {path} is damaged ({exc}); restore it first") from exc


def append_ledger(database: Path, entries: Iterable[Erasure]) -> None:
    """Add entries durably (fsync) before the erasure itself is committed: a crash in between
    leaves an entry that the next replay carries out, never an erasure that a restore undoes."""
    lines = "".join(json.dumps(asdict(e), sort_keys=True) + "\n" for e in entries)
    fd = os.open(ledger_path(database), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, lines.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def apply_ledger(db: sqlite3.Connection, ledger: Iterable[Erasure], at: str) -> int:
    """Erase, in the caller's transaction, every ledger entry still present; how many were."""
    done = 0
    for entry in ledger:
        if entry.kind == "visitor":
            done += _erase_visitor(db, entry, at)
        elif entry.kind == "staff":
            done += _erase_staff(db, entry, at)
    return done


def _erase_visitor(db: sqlite3.Connection, entry: Erasure, at: str) -> int:
    cursor = db.execute(
        "UPDATE visitors SET name = NULL, organisation = NULL, visiting = NULL, erased_at = ? "
        "WHERE id = ? AND signed_in_at = ? AND (name IS NOT NULL OR organisation IS NOT NULL "
        "OR visiting IS NOT NULL)",
        (at, entry.row_id, entry.made_at),
    )
    return cursor.rowcount


def erased_staff_name(staff_id: int) -> str:
    return f"(erased #{staff_id})"


def _erase_staff(db: sqlite3.Connection, entry: Erasure, at: str) -> int:
    row = db.execute(
        "SELECT name FROM staff WHERE id = ? AND created_at = ?", (entry.row_id, entry.made_at)
    ).fetchone()
    replacement = erased_staff_name(entry.row_id)
    if row is None or row[0] == replacement:
        return 0
    db.execute(
        "UPDATE staff SET name = ?, active = 0, pin_hash = NULL, assigned_locker = NULL "
        "WHERE id = ?",
        (replacement, entry.row_id),
    )
    db.execute(
        "UPDATE badges SET revoked_at = coalesce(revoked_at, ?) WHERE staff_id = ?",
        (at, entry.row_id),
    )
    forget_recorder(db, row[0], replacement)
    return 1


def forget_recorder(db: sqlite3.Connection, name: str, replacement: str) -> int:
    """Replace `name` where it is the `recorded_by` of events recorded on someone's behalf."""
    wanted = fold(name)
    rows = db.execute(
        "SELECT id, json_extract(payload, '$.recorded_by') FROM events "
        "WHERE json_extract(payload, '$.recorded_by') IS NOT NULL"
    ).fetchall()
    ids = [event_id for event_id, by in rows if fold(str(by)) == wanted]
    for event_id in ids:
        db.execute(
            "UPDATE events SET payload = json_set(payload, '$.recorded_by', ?) WHERE id = ?",
            (replacement, event_id),
        )
    return len(ids)


def flush_wal(db: sqlite3.Connection) -> None:
    """Copy the WAL into the database and truncate it, so no old page image lingers there."""
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        raise StoreError("the database is busy; the erasure is recorded, run 'kiosk check' again")


def truncate_wal(path: Path) -> None:
    """After a purge: secure_delete has zeroed what was removed in the database file; what
    remains is the old page images in the WAL, which a checkpoint copies back and truncates."""
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    try:
        flush_wal(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot checkpoint {path}: {exc}") from exc
    finally:
        db.close()


def scrub_file(path: Path, ledger: list[Erasure], at: str) -> int:
    """Replay the ledger on a database file (a backup, a set-aside or restored copy), then
    rewrite it so no erased bytes remain; how many erasures it still needed."""
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    try:
        db.execute("PRAGMA secure_delete = ON")
        db.execute("BEGIN IMMEDIATE")
        try:
            done = apply_ledger(db, ledger, at)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("VACUUM")
        if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            flush_wal(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot erase in {path}: {exc}") from exc
    finally:
        db.close()
    return done
