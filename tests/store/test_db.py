"""The store's promises: durable pragmas on every connection, private files, migrations."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.app import App, initialise, open_app
from kiosk.config import Config
from kiosk.errors import StoreError
from kiosk.store import migrate
from kiosk.store.db import Store, make_engine


def test_every_connection_is_durable(app: App) -> None:
    for engine in (app.store.engine, app.store.read_engine):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_database_files_are_private(app: App) -> None:
    path = app.store.path
    for candidate in (path, Path(f"{path}-wal")):
        assert stat.S_IMODE(os.stat(candidate).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_refuses_when_a_pragma_does_not_take(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        __import__("kiosk.store.db", fromlist=["REQUIRED_PRAGMAS"]).REQUIRED_PRAGMAS,
        "journal_mode",
        "memory",  # demand a mode SQLite will not report after we set WAL
    )
    with pytest.raises(StoreError, match="journal_mode"):
        Store(tmp_path / "x.db")


def test_an_uninitialised_database_is_refused_with_advice(config: Config) -> None:
    with pytest.raises(StoreError, match="kiosk init"):
        open_app(config)


def test_init_twice_keeps_data_and_reaches_head(config: Config) -> None:
    app, _ = initialise(config, demo=True)
    app.close()
    app, done = initialise(config, demo=True)  # second run: upgrade no-op, demo not doubled
    assert len(app.admin.list_staff()) == 4
    assert migrate.current_revision(app.store) == migrate.head_revision()
    assert done.seq > 1
    app.close()


def test_an_older_schema_is_upgraded_in_place(config: Config) -> None:
    store = Store(config.database_path)
    with store.engine.begin() as conn:  # a database from before the first migration
        conn.exec_driver_sql("CREATE TABLE unrelated (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO unrelated VALUES (42)")
    store.close()
    app, _ = initialise(config)
    with app.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT x FROM unrelated").scalar() == 42
    assert migrate.current_revision(app.store) == migrate.head_revision()
    app.close()


def test_schema_head_constant_matches_the_migrations() -> None:
    assert migrate.alembic_head() == migrate.SCHEMA_HEAD


def test_a_database_from_a_newer_release_is_refused(app: App, config: Config) -> None:
    with app.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="at schema 9999"):
        open_app(config)


def test_a_data_folder_of_another_user_is_refused_with_the_command_that_works(
    tmp_path: Path,
) -> None:
    """Root running `kiosk …` on the installed kiosk's folder would leave root-owned WAL files that
    the service (user kiosk) cannot open: refuse, and say to run it as the folder's owner."""
    folder = tmp_path / "state"
    folder.mkdir()
    os.chown(folder, 65534, 65534)  # nobody
    with pytest.raises(StoreError, match=r"belongs to user 'nobody'.*sudo -u nobody"):
        make_engine(folder / "kiosk.db")
    assert list(folder.iterdir()) == []
