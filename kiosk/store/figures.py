"""The kiosk's health figures, read with the standard library's sqlite3 alone.

`kiosk status` is what scripts and a manager at the terminal run most, so it must answer before
SQLAlchemy would have finished importing: it opens the database read-only, reads a few counts and
the schema revision, and closes it. The running kiosk's screens show the same figures through
`RollCall.status`, which reads them here too, so there is one definition of each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.errors import StoreError

# The newest migration's revision id; a test checks it matches the migrations folder.
SCHEMA_HEAD = "0002_policy"
BUSY_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Figures:
    staff: int
    by_state: dict[str, int]  # events per sync state: pending, sent, dead
    last_seq: int
    last_event_at: datetime | None
    setting_version: int | None = None  # the setting snapshot applied (issue 11); None: none


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    if not path.exists():
        raise StoreError(f"database {path} is not set up yet: run 'kiosk init'")
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True,
                                     timeout=BUSY_TIMEOUT_S)) as db:  # fmt: skip
            yield db
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the database {path}: {exc}") from exc


def schema_problem(path: Path, current: str | None) -> str | None:
    """Why a database at revision `current` cannot be used by this kiosk, or None."""
    if current is None:
        return f"database {path} is not set up yet: run 'kiosk init'"
    if current != SCHEMA_HEAD:
        return (
            f"database {path} is at schema {current}, this kiosk needs {SCHEMA_HEAD}: "
            "run 'kiosk init' to upgrade it (or install the newer kiosk that wrote it)"
        )
    return None


def _revision(db: sqlite3.Connection) -> str | None:
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    row = db.execute("SELECT version_num FROM alembic_version").fetchone() if found else None
    return str(row[0]) if row else None


def read_figures(path: Path) -> Figures:
    """Counts for `kiosk status`, from a database whose schema is current (else StoreError)."""
    with _reading(path) as db:
        has_version = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        row = (
            db.execute("SELECT version_num FROM alembic_version").fetchone()
            if has_version
            else None
        )
        problem = schema_problem(path, row[0] if row else None)
        if problem:
            raise StoreError(problem)
        by_state = dict(db.execute("SELECT sync_state, count(*) FROM events GROUP BY sync_state"))
        last_seq, last_at = db.execute("SELECT max(seq), max(occurred_at) FROM events").fetchone()
        (staff,) = db.execute("SELECT count(*) FROM staff").fetchone()
        setting = db.execute("SELECT version FROM setting_snapshot WHERE id = 1").fetchone()
    return Figures(
        staff=staff,
        by_state=by_state,
        last_seq=last_seq or 0,
        last_event_at=datetime.fromisoformat(last_at) if last_at else None,
        setting_version=setting[0] if setting else None,
    )
