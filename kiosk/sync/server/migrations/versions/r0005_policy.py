"""The rest of the policy (issue 13): kept states learn open exceptions; the setting's equipment

A device still out when its owner ended their shift is now an open exception in the kept state
(`kiosk_states`), until a manager closes it. States kept before this revision do not hold them,
so each kiosk is refolded here from its stored events, with the fold the page uses: exceptions
left open by shifts that ended before the upgrade show at once.

`setting_equipment` is each setting's register of its own cameras and tablets (empty to start);
`declarations` the staff declarations a manager records, `event_day_notices` the visitor notices
scheduled for special days, `virtual_observations` the requests to observe by video (all
empty); `settings.agreement_renewal_days` how long a staff agreement's acknowledgement lasts (a
year for every existing setting).

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
down_revision: str | Sequence[str] | None = "r0005_privacy_notice"
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
    op.create_table(
        "declarations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("setting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("about", sa.Text(), nullable=False),
        sa.Column("review_on", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["setting_id"], ["settings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_declarations_setting_id", "declarations", ["setting_id"])
    op.create_table(
        "event_day_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("setting_id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["setting_id"], ["settings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("setting_id", "on_date"),
    )
    op.create_table(
        "virtual_observations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("setting_id", sa.Integer(), nullable=False),
        sa.Column("professional", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=120), nullable=False),
        sa.Column("on_date", sa.String(length=10), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("present", sa.String(length=200), nullable=False),
        sa.Column("secure_location", sa.Boolean(), nullable=False),
        sa.Column("parent_permission", sa.Boolean(), nullable=False),
        sa.Column("not_recorded", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["setting_id"], ["settings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_virtual_observations_setting_id", "virtual_observations", ["setting_id"])
    with op.batch_alter_table("settings") as batch:
        batch.add_column(sa.Column("agreement_renewal_days", sa.Integer(), nullable=False,
                                   server_default="365"))  # fmt: skip
    session = Session(bind=op.get_bind())
    kiosks = session.scalars(sa.text("SELECT kiosk_id FROM kiosk_states"))
    sitestate.rebuild(session, list(kiosks))
    session.flush()


def downgrade() -> None:
    # The older code reads a kept state and ignores its "exceptions".
    with op.batch_alter_table("settings") as batch:
        batch.drop_column("agreement_renewal_days")
    op.drop_index("ix_virtual_observations_setting_id", table_name="virtual_observations")
    op.drop_table("virtual_observations")
    op.drop_table("event_day_notices")
    op.drop_index("ix_declarations_setting_id", table_name="declarations")
    op.drop_table("declarations")
    op.drop_index("ix_setting_equipment_setting_id", table_name="setting_equipment")
    op.drop_table("setting_equipment")
