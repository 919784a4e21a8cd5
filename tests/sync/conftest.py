"""Fixtures for the sync tests: the real records service over loopback on SQLite and on a real
PostgreSQL 15 cluster (started once per session), and kiosk databases full of events."""

from __future__ import annotations

import gc
import itertools
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from kiosk.sync.server import db
from tests.sync import pg
from tests.sync.chromium import start_browser
from tests.sync.console import Client, Org, make_org
from tests.sync.server import Running, serve

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster]:
    reason = pg.unavailable()
    if reason:
        pytest.skip(reason)
    cluster = pg.start_cluster()
    yield cluster
    cluster.stop()


def _fresh_pg_database(cluster: pg.Cluster) -> str:
    name = f"records_{next(_names)}"
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return cluster.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def records_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty records database: a SQLite file, or a new database on the PostgreSQL cluster."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    else:
        url = _fresh_pg_database(request.getfixturevalue("pg_cluster"))
    engine = db.make_engine(url)
    yield engine
    _collect_abandoned_connections()
    engine.dispose()


def _collect_abandoned_connections() -> None:
    """A request the test's service was still serving when it stopped (a feed long-poll of a
    `kiosk sync` child that has exited, a download nobody read to the end) can leave a pooled
    connection behind with the abandoned thread. Collected here, at the end of the test that
    left it, rather than by chance in whichever test runs next on this worker, where psycopg's
    "deleted while still open" warning failed an unrelated test's setup (CI, test_roster_rekey)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@pytest.fixture
def records(records_engine: Engine) -> Iterator[Running]:
    """The records service running on loopback, on each database in turn."""
    running = serve(records_engine)
    yield running
    running.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium with its own profile and download folder (tmp_path / "dl")."""
    yield from start_browser(tmp_path)


@pytest.fixture
def org(records: Running) -> Org:
    """Two settings of one organisation; anna manages A, bob manages B."""
    return make_org(records)


@pytest.fixture
def anna(org: Org) -> Client:
    """Setting A's manager, logged in."""
    client = Client(org.records)
    assert client.login("anna").status_code == 303
    return client


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    """The records service on a SQLite file, over loopback HTTP, stopped after the test."""
    engine: Engine = db.make_engine(f"sqlite:///{tmp_path / 'records.sqlite3'}")
    served = serve(engine)
    yield served
    served.stop()
    engine.dispose()
