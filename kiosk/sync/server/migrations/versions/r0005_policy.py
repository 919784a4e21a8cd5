"""The rest of the policy (issue 13): kept states learn open exceptions; the setting's equipment

A device still out when its owner ended their shift is now an open exception in the kept state
(`kiosk_states`), until a manager closes it. States kept before this revision do not hold them,
so each kiosk is refolded here from its stored events, with the fold the page uses: exceptions
left open by shifts that ended before the upgrade show at once.

`setting_equipment` is each setting's register of its own cameras and tablets (empty to start).

Revision ID: r0005_policy
Revises: r0004
Create Date: 2026-12-02 13:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from kiosk.sync.server import sitestate

# revision identifiers, used by Alembic.
revision: str = "r0005_policy"
down_revision: str | Sequence[str] | None = "r0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "setting_equipment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("setting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("asset_tag", sa.String(length=40), nullable=False),
        sa.Column("tag_uid", sa.String(length=20), nullable=True),
        sa.Column("retired_at", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["setting_id"], ["settings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_setting_equipment_setting_id", "setting_equipment", ["setting_id"])
    session = Session(bind=op.get_bind())
    kiosks = session.scalars(sa.text("SELECT kiosk_id FROM kiosk_states"))
    sitestate.rebuild(session, list(kiosks))
    session.flush()


def downgrade() -> None:
    # The older code reads a kept state and ignores its "exceptions".
    op.drop_index("ix_setting_equipment_setting_id", table_name="setting_equipment")
    op.drop_table("setting_equipment")
