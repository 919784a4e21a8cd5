"""Backups of the live database, and restoring one, with SQLite's online backup API.

A file copy of a database in WAL mode can miss committed pages still in the -wal file or catch a
page mid-write; the backup API copies a consistent snapshot while the kiosk keeps running. Every
backup and every file about to be restored is checked with `PRAGMA integrity_check` first, so a
bad copy is never kept or put back.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from kiosk.errors import StoreError

PREFIX = "kiosk-"
SUFFIX = ".db"


def integrity_problem(path: Path) -> str | None:
    """None when SQLite finds the file sound; otherwise what it found."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in db.execute("PRAGMA integrity_check")]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if result == ["ok"] else "; ".join(result[:3])


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # A backup is one file: no -wal beside it to lose or forget to copy.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def make_backup(database: Path, folder: Path, keep: int, now: datetime) -> Path:
    """A checked snapshot of the database in `folder` (mode 0600); keeps the newest `keep`."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{PREFIX}{now.astimezone(UTC):%Y%m%d-%H%M%S}{SUFFIX}"
    partial = target.with_suffix(".partial")
    old_umask = os.umask(0o077)
    try:
        _copy(database, partial)
    finally:
        os.umask(old_umask)
    problem = integrity_problem(partial)
    if problem:
        partial.unlink(missing_ok=True)
        raise StoreError(f"backup failed its integrity check ({problem}); nothing kept")
    os.replace(partial, target)
    for stale in list_backups(folder)[keep:]:
        stale.unlink()
    return target


def list_backups(folder: Path) -> list[Path]:
    """Backups in `folder`, newest first."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{PREFIX}*{SUFFIX}"), reverse=True)


def set_aside(database: Path, now: datetime) -> Path | None:
    """Move the current database (and its -wal/-shm) out of the way; nothing is deleted."""
    if not database.exists():
        return None
    aside = database.with_name(
        f"{database.name}.before-restore-{now.astimezone(UTC):%Y%m%d-%H%M%S}"
    )
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{database}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{aside}{suffix}"))
    return aside


def restore_backup(backup: Path, database: Path, now: datetime) -> Path | None:
    """Put a checked backup in place of the database; returns where the old one was set aside."""
    problem = integrity_problem(backup)
    if problem:
        raise StoreError(f"{backup} is damaged ({problem}); choose another backup")
    aside = set_aside(database, now)
    old_umask = os.umask(0o077)
    try:
        _copy(backup, database)
    finally:
        os.umask(old_umask)
    return aside
