"""events.prev_hash, hash and chain: each kiosk's hash chain, checked as it arrives (issue 14).

Events stored before this arrived without a hash: they are marked 'unchained'.

Revision ID: r0005_hashchain
Revises: r0004
Create Date: 2026-12-02 13:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "r0005_hashchain"
down_revision: str | Sequence[str] | None = "r0005_evacuations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("chain", sa.String(length=9), nullable=False, server_default="unchained")
        )
    # The problems page lists a kiosk's events whose chain is not ok without reading the rest.
    op.create_index("ix_events_kiosk_chain", "events", ["kiosk_id", "chain"])


def downgrade() -> None:
    op.drop_index("ix_events_kiosk_chain", table_name="events")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("chain")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
