"""evacuations and evacuation_marks: the setting's roll calls, folded at ingest (issue 12)

New tables only: no existing row changes. Roll calls already in the log (none before this
release: kiosks could not start one) need no backfill.

Revision ID: r0005_evacuations
Revises: r0004
Create Date: 2026-12-02 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "r0005_evacuations"
down_revision: str | Sequence[str] | None = "r0005_doors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evacuations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("setting_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.String(length=32), nullable=False),
        sa.Column("started_by", sa.BigInteger(), nullable=True),
        sa.Column("roll", sa.JSON(), nullable=False),
        sa.Column("ended_at", sa.String(length=32), nullable=True),
        sa.Column("ended_by", sa.String(length=80), nullable=True),
        sa.Column("joined_to", sa.String(length=36), nullable=True),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_evacuations_setting_started", "evacuations", ["setting_id", "started_at"])
    op.create_table(
        "evacuation_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("evacuation_id", sa.String(length=36), nullable=False),
        sa.Column("person", sa.String(length=96), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("by_kiosk", sa.String(length=64), nullable=True),
        sa.Column("by_staff", sa.BigInteger(), nullable=True),
        sa.Column("by_account", sa.String(length=80), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("evacuation_id", "person", name="uq_evacuation_person"),
    )


def downgrade() -> None:
    op.drop_table("evacuation_marks")
    op.drop_index("ix_evacuations_setting_started", table_name="evacuations")
    op.drop_table("evacuations")
