"""Opening the SQLite database so that a committed record survives a power cut.

Every new connection gets WAL, synchronous=FULL, foreign keys and a busy timeout, and each is read
back: if one did not take (an old SQLite, a read-only or network filesystem), the kiosk refuses to
run rather than silently lose taps. Transactions begin IMMEDIATE so two processes (the kiosk and a
`kiosk record` run by the manager) never both read the same last `seq`.
"""

from __future__ import annotations

import os
import pwd
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import StoreError

BUSY_TIMEOUT_MS = 5000
# secure_delete: erased or purged personal details are zeroed, not left in free pages.
REQUIRED_PRAGMAS = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "secure_delete": 1}


def _configure(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook issue BEGIN itself (pysqlite's implicit BEGIN is DEFERRED).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA secure_delete = ON")
        _verify(cur)
    finally:
        cur.close()


def _verify(cur: sqlite3.Cursor) -> None:
    for pragma, wanted in REQUIRED_PRAGMAS.items():
        got = cur.execute(f"PRAGMA {pragma}").fetchone()[0]
        if str(got).lower() != str(wanted):
            raise StoreError(
                f"SQLite refused PRAGMA {pragma}={wanted} (got {got}); not safe to run"
            )
    if cur.execute("PRAGMA busy_timeout").fetchone()[0] != BUSY_TIMEOUT_MS:
        raise StoreError("SQLite refused the busy timeout; not safe to run")


def _begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(path: Path, *, for_writing: bool = True) -> Engine:
    """An engine on the database file, creating its folder readable only by this user.

    Writers begin IMMEDIATE (take the write lock up front); readers begin DEFERRED, so a long
    export or roll call never holds up a tap (WAL lets readers and one writer run together).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    check_owner(path.parent)
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    event.listen(engine, "connect", _configure)
    event.listen(engine, "begin", _begin_immediate if for_writing else _begin_deferred)
    return engine


def check_owner(folder: Path) -> None:
    """Refuse to work in another user's data folder, with the command that would work.

    Root could write there, but the files it created would then be root's and the kiosk service
    (user kiosk) could no longer open its own database; another user simply cannot.
    """
    owner = folder.stat().st_uid
    if owner == os.geteuid():
        return
    name = _user_name(owner)
    program = sys.argv[0] if os.path.basename(sys.argv[0]) == "kiosk" else "kiosk"
    raise StoreError(
        f"{folder} belongs to user {name!r}: run the command as that user "
        f"(sudo -u {name} {program} …)"
    )


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def restrict_permissions(path: Path) -> None:
    """Database, WAL and shared-memory files readable and writable by their owner only."""
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            os.chmod(candidate, 0o600)


class Store:
    """The database of one kiosk: an engine and a factory of one-transaction sessions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        old_umask = os.umask(0o077)
        try:
            self.engine = make_engine(path)
            self.read_engine = make_engine(path, for_writing=False)
            with self.engine.connect():
                pass
        except OperationalError as exc:
            raise StoreError(f"cannot open database {path}: {exc.orig}") from exc
        finally:
            os.umask(old_umask)
        restrict_permissions(path)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success (durably, before returning), rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work: one consistent snapshot, never blocking writers."""
        with self._read_sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
