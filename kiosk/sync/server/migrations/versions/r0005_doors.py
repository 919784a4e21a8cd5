"""Several doors, one setting (issue 11): the feed's receipt numbers, who each event is about at
every door, the setting's merged on-site state and the conflicts between doors.

Existing events are numbered per setting in the order they were received, labelled with who
they are about, and the setting's on-site state is folded from them (kiosk.sync.server.doors).

Revision ID: r0005_doors
Revises: r0004
Create Date: 2026-12-02 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from kiosk.domain.doors import visit_uuid
from kiosk.sync.server import doors

# revision identifiers, used by Alembic.
revision: str = "r0005_doors"
down_revision: str | Sequence[str] | None = "r0005_kiosk_roster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NUMBER = """
UPDATE events SET receipt = n.receipt FROM (
    SELECT id, row_number() OVER (
        PARTITION BY setting_id ORDER BY received_at, kiosk_id, seq) AS receipt
    FROM events WHERE setting_id IS NOT NULL) AS n
WHERE events.id = n.id
"""


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("setting_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("receipt", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("who", sa.String(length=80), nullable=True))
    with op.batch_alter_table("settings") as batch_op:
        batch_op.add_column(
            sa.Column("feed_receipt", sa.BigInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("subjects") as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
    op.create_table(
        "presences",
        sa.Column("setting_id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=80), nullable=False),
        sa.Column("origin_kiosk", sa.String(length=64), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("since", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("setting_id", "who"),
    )
    op.create_table(
        "door_conflicts",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("setting_id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=80), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("why", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_door_conflicts_setting", "door_conflicts", ["setting_id", "occurred_at"])
    _label_existing()
    op.create_index("ix_events_setting_receipt", "events", ["setting_id", "receipt"])
    op.create_index("ix_events_setting_who", "events", ["setting_id", "who", "occurred_at"])
    session = Session(bind=op.get_bind())
    doors.rebuild(session)
    session.flush()


def _label_existing() -> None:
    op.execute(
        "UPDATE events SET setting_id = (SELECT k.setting_id FROM kiosks AS k "
        "WHERE k.id = events.kiosk_id)"
    )
    op.execute("UPDATE events SET who = 's:' || subject_id WHERE subject_type = 'staff'")
    conn = op.get_bind()
    visits = conn.execute(
        sa.text(
            "SELECT DISTINCT kiosk_id, subject_id FROM events "
            "WHERE subject_type = 'visitor' AND subject_id IS NOT NULL"
        )
    ).all()
    if visits:  # the uuid the kiosk's own upgrade gives these visits (kiosk.domain.doors)
        conn.execute(
            sa.text("UPDATE events SET who = :who WHERE kiosk_id = :k AND subject_id = :i "
                    "AND subject_type = 'visitor'"),
            [{"who": f"v:{visit_uuid(k, i)}", "k": k, "i": i} for k, i in visits],
        )  # fmt: skip
    op.execute(_NUMBER)
    op.execute(
        "UPDATE settings SET feed_receipt = coalesce((SELECT max(e.receipt) FROM events AS e "
        "WHERE e.setting_id = settings.id), 0)"
    )


def downgrade() -> None:
    op.drop_table("door_conflicts")
    op.drop_table("presences")
    op.drop_index("ix_events_setting_who", table_name="events")
    op.drop_index("ix_events_setting_receipt", table_name="events")
    with op.batch_alter_table("subjects") as batch_op:
        batch_op.drop_column("uuid")
    with op.batch_alter_table("settings") as batch_op:
        batch_op.drop_column("feed_receipt")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("who")
        batch_op.drop_column("receipt")
        batch_op.drop_column("setting_id")
