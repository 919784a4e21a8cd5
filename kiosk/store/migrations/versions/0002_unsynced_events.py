"""An index of the events stamped while the clock was not synchronised (issue 14).

An export of a date range finds such an event by the time it really happened (from a later
synchronised event), not by its stored "1970" time; this partial index lets it find them
without reading the whole log (there are few: the minutes after a boot without network time).

Revision ID: 0002_unsynced_events
Revises: 0001
Create Date: 2026-12-02 13:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002_unsynced_events"
down_revision: str | Sequence[str] | None = "0002_hashchain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_events_unsynced", "events", ["seq"], sqlite_where=sa.text("clock_synced = 0")
    )


def downgrade() -> None:
    op.drop_index("ix_events_unsynced", table_name="events")
