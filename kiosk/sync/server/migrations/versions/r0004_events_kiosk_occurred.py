"""events by (kiosk_id, occurred_at): a setting's events pages and date ranges (issue 10)

Revision ID: r0004
Revises: r0003
Create Date: 2026-12-02 08:32:00

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "r0004"
down_revision: str | Sequence[str] | None = "r0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_kiosk_occurred", "events", ["kiosk_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_events_kiosk_occurred", table_name="events")
