"""Alembic environment of the records service: handed an open connection by `server.db`."""

from __future__ import annotations

from alembic import context

from kiosk.sync.server import tenancy  # noqa: F401  (its tables join Base.metadata)
from kiosk.sync.server.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
