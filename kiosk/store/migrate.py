"""Schema migrations: kiosks in the field upgrade in place, so every schema change is a migration.

`upgrade` brings a database (new or old) to the newest schema with Alembic; `check_current`
refuses to run a kiosk on a database that an older or newer release left behind. Checking needs
only the `alembic_version` row and `SCHEMA_HEAD`, so everyday commands do not load Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from kiosk.errors import StoreError
from kiosk.store.db import Store, restrict_permissions
from kiosk.store.figures import SCHEMA_HEAD, schema_problem

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return SCHEMA_HEAD


def alembic_head() -> str | None:
    """The head according to the migration scripts themselves (slow: loads Alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        version: str | None = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return version


def upgrade(store: Store, revision: str = "head") -> None:
    """Run every pending migration in one transaction."""
    from alembic import command

    config = _alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    restrict_permissions(store.path)


def check_current(store: Store) -> None:
    problem = schema_problem(store.path, current_revision(store))
    if problem:
        raise StoreError(problem)
