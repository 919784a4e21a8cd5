"""kiosk_states: who is on site at each kiosk, kept at ingest (issue 10, group scale)

Built here from the events already stored, with the same fold the page used until now, so the
On-site page shows exactly what it showed before the upgrade.

Revision ID: r0003
Revises: r0002
Create Date: 2026-12-02 08:35:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from kiosk.sync.server import sitestate

# revision identifiers, used by Alembic.
revision: str = "r0003"
down_revision: str | Sequence[str] | None = "r0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kiosk_states",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("upto_seq", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id"),
    )
    session = Session(bind=op.get_bind())
    kiosks = session.scalars(sa.text("SELECT DISTINCT kiosk_id FROM events"))
    sitestate.rebuild(session, list(kiosks))
    session.flush()


def downgrade() -> None:
    op.drop_table("kiosk_states")
