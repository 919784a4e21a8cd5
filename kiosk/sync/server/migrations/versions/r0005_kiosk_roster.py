"""kiosks.managed_from_seq: from which of its events a kiosk numbers staff by the setting's person
ids, having applied its setting's snapshot (issue 11); null while it numbers them itself.

Revision ID: r0005_kiosk_roster
Revises: r0004
Create Date: 2026-12-02 13:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "r0005_kiosk_roster"
down_revision: str | Sequence[str] | None = "r0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("managed_from_seq", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("managed_from_seq")
