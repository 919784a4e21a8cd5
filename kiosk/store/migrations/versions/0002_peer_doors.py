"""Several doors: a visitor identity that travels between doors, and the other doors' events.

`visitors.uuid` names a visit across the setting's kiosks (a visitor signed in at one door can
sign out at another); existing visits get one each. `peer_events` holds the events the records
service's feed brings from the setting's other kiosks: never pushed, never part of this kiosk's
own `seq`, folded with its own events (kiosk.domain.doors).

Revision ID: 0002_peer_doors
Revises: 0001
Create Date: 2026-12-02 13:00:00

"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kiosk.domain.doors import visit_uuid

# revision identifiers, used by Alembic.
revision: str = "0002_peer_doors"
down_revision: str | Sequence[str] | None = "0002_roster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visitors") as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
    conn = op.get_bind()
    # A visit already pushed reached the records service without a uuid; both sides derive the
    # same one from the kiosk that recorded it and its number there (kiosk.domain.doors).
    where = sa.text(
        "SELECT v.id, (SELECT e.kiosk_id FROM events AS e WHERE e.visitor_id = v.id "
        "ORDER BY e.seq LIMIT 1) FROM visitors AS v"
    )
    rows = [
        {"id": i, "uuid": visit_uuid(kiosk, i) if kiosk else str(uuid.uuid4())}
        for i, kiosk in conn.execute(where)
    ]
    if rows:
        conn.execute(sa.text("UPDATE visitors SET uuid = :uuid WHERE id = :id"), rows)
    op.create_index("ix_visitors_uuid", "visitors", ["uuid"], unique=True)
    op.create_table(
        "peer_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["visitor_id"], ["visitors.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_peer_events_receipt", "peer_events", ["receipt"])
    op.create_index("ix_peer_events_staff", "peer_events", ["staff_id", "kiosk_id", "seq"])
    op.create_index("ix_peer_events_visitor", "peer_events", ["visitor_id"])


def downgrade() -> None:
    op.drop_table("peer_events")
    op.drop_index("ix_visitors_uuid", table_name="visitors")
    with op.batch_alter_table("visitors") as batch_op:
        batch_op.drop_column("uuid")
