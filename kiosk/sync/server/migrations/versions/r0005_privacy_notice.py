"""settings: the privacy notice's values, and how long refused badges and wrong PINs are kept
(issue 14)

Existing settings get the kiosk config's defaults: no controller named yet (the notice then
names the setting), the default lawful basis, 30 days for refused attempts.

Revision ID: r0005_privacy_notice
Revises: r0004
Create Date: 2026-12-02 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kiosk.config import PrivacySection

# revision identifiers, used by Alembic.
revision: str = "r0005_privacy_notice"
down_revision: str | Sequence[str] | None = "r0005_hashchain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULTS = PrivacySection()
COLUMNS = (
    sa.Column("privacy_controller", sa.String(120), nullable=False, server_default=""),
    sa.Column("privacy_contact", sa.String(300), nullable=False, server_default=""),
    sa.Column("privacy_dpo", sa.String(200), nullable=False, server_default=""),
    sa.Column("privacy_ico", sa.String(12), nullable=False, server_default=""),
    sa.Column("privacy_basis", sa.Text(), nullable=False, server_default=DEFAULTS.lawful_basis),
    sa.Column(
        "privacy_where", sa.String(160), nullable=False, server_default=DEFAULTS.where_to_read
    ),
    sa.Column("refused_days", sa.Integer(), nullable=False, server_default="30"),
)


def upgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        for column in COLUMNS:
            batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column.name)
