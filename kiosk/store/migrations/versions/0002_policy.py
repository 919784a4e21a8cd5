"""The rest of the policy (issue 13): notice fingerprints, equipment, agreements, event notices

`notice_texts` remembers the text first shown under each notice version and language, so a
changed text under an old version is refused. `equipment` is the register of the setting's own
cameras and tablets; `agreements` the current version of each staff agreement; `event_notices`
the visitor notices scheduled for special days; `observations` the approved virtual
observations, for the manager's screen. Existing data needs nothing: the first sign-in
after the upgrade records the text in use, and the other tables start empty.

Revision ID: 0002_policy
Revises: 0001
Create Date: 2026-12-02 13:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002_policy"
down_revision: str | Sequence[str] | None = "0002_unsynced_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The open exceptions (shift ends with a device still out) are read on every tap: an index
    # on the kind and the length of `still_out` finds them without parsing every shift end.
    op.create_index(
        "ix_events_still_out", "events",
        ["kind", sa.text("json_array_length(payload, '$.still_out')")],
    )  # fmt: skip
    op.create_table(
        "notice_texts",
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("version", "language"),
    )
    op.create_table(
        "equipment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("asset_tag", sa.String(length=40), nullable=False),
        sa.Column("tag_uid", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tag_uid"),
    )
    op.create_table(
        "event_notices",
        sa.Column("on_date", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("on_date"),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.String(length=10), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("professional", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=120), nullable=False),
        sa.Column("present", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "agreements",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("renewal_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )


def downgrade() -> None:
    op.drop_index("ix_events_still_out", table_name="events")
    op.drop_table("agreements")
    op.drop_table("observations")
    op.drop_table("event_notices")
    op.drop_table("equipment")
    op.drop_table("notice_texts")
