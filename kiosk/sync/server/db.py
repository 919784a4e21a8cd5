"""The records service's database: an engine from a URL (SQLite file or PostgreSQL) and its schema.

SQLite gets WAL, a busy timeout and foreign keys on each connection, and writers begin IMMEDIATE
so two pushes never deadlock upgrading a read lock. PostgreSQL needs nothing special: INSERT …
ON CONFLICT makes concurrent duplicate pushes safe at any isolation level. A database that cannot
be reached becomes `RecordsDbError` with the URL (password hidden) and what to check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_HEAD = "r0006_dated"


class RecordsDbError(StoreError):
    """The records database cannot be used; the message says which and why."""


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 10000")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA secure_delete = ON")  # erased names are zeroed, not left in free pages
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to the newest schema (creating it if new), or to `revision`."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise RecordsDbError(
            f"cannot set up database {describe(engine)}: {getattr(exc, 'orig', exc)}"
        ) from exc


def check_current(engine: Engine) -> None:
    """Refuse to serve from a database that is unreachable or not at this release's schema."""
    try:
        with engine.connect() as conn:
            version = None
            if inspect(conn).has_table("alembic_version"):
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise RecordsDbError(
            f"cannot reach database {describe(engine)}: {getattr(exc, 'orig', exc)} "
            "(is the server running, and are the URL and password right?)"
        ) from exc
    if version != SCHEMA_HEAD:
        raise RecordsDbError(
            f"database {describe(engine)} is at schema {version}, this service needs "
            f"{SCHEMA_HEAD}: run 'kiosk records migrate --db URL'"
        )


def insert_for(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    name = session.get_bind().dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert
