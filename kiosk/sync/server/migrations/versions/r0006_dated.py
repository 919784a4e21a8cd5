"""events.dated_at and dated_by: the time the console dates an event by (issue 14)

Every stored event is dated by the rule ingest uses from now on (kiosk.sync.server.dating):
synchronised ones by their own time, the others by their receipt time (two set-wise UPDATEs:
the upgrade is one transaction, so batches would not make it shorter, and no row goes through
Python); then, kiosk by kiosk and 1,000 rows at a time, those of the others whose boot has a
later synchronised event stored, by their boot. A temporary index on (kiosk_id, boot_id, seq)
makes each anchor one look-up, and goes afterwards: ingest finds anchors without it, and every
push would pay for keeping it.

Revision ID: r0006_dated
Revises: r0005_policy
Create Date: 2026-12-02 15:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kiosk.sync.server import dating

# revision identifiers, used by Alembic.
revision: str = "r0006_dated"
down_revision: str | Sequence[str] | None = "r0005_policy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECEIVED_ONLY = sa.text("dated_by = 'received'")


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("dated_at", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("dated_by", sa.String(length=8), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE events SET dated_at = occurred_at, dated_by = 'clock' "
                         "WHERE clock_synced"))  # fmt: skip
    conn.execute(sa.text("UPDATE events SET dated_at = received_at, dated_by = 'received' "
                         "WHERE NOT clock_synced"))  # fmt: skip
    op.create_index("ix_events_kiosk_dated", "events", ["kiosk_id", "dated_at"])
    op.create_index("ix_events_dated_received", "events", ["kiosk_id", "seq"],
                    sqlite_where=RECEIVED_ONLY, postgresql_where=RECEIVED_ONLY)  # fmt: skip
    op.create_index("ix_events_dating_anchor", "events", ["kiosk_id", "boot_id", "seq"])
    waiting = sa.text("SELECT DISTINCT kiosk_id FROM events WHERE dated_by = 'received'")
    for kiosk_id in list(conn.execute(waiting).scalars()):
        dating.refine(conn, kiosk_id)
    op.drop_index("ix_events_dating_anchor", table_name="events")


def downgrade() -> None:
    op.drop_index("ix_events_dated_received", table_name="events")
    op.drop_index("ix_events_kiosk_dated", table_name="events")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("dated_by")
        batch_op.drop_column("dated_at")
