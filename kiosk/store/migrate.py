"""Schema migrations: kiosks in the field upgrade in place, so every schema change is a migration.

`upgrade` brings a database (new or old) to the newest schema; `check_current` refuses to run a
kiosk on a database that a newer or older release left behind.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kiosk.store.db import Store, StoreError, restrict_permissions

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> None:
    """Run every pending migration in one transaction."""
    config = _alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    restrict_permissions(store.path)


def check_current(store: Store) -> None:
    current = current_revision(store)
    if current is None:
        raise StoreError(f"database {store.path} is not set up yet: run 'kiosk init'")
    if current != head_revision():
        raise StoreError(
            f"database {store.path} is at schema {current}, this kiosk needs {head_revision()}: "
            "run 'kiosk init' to upgrade it"
        )
