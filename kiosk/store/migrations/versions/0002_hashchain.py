"""The event log's hash chain: prev_hash and hash on every event, the chain's head per kiosk.

Existing events are chained here, in seq order per kiosk, each linked to the row present before
it (gaps left by earlier purges are linked across, which `kiosk check` accepts as older than the
chain). From now on each new event links to the one before it (kiosk.store.events.append).

Revision ID: 0002_hashchain
Revises: 0001
Create Date: 2026-12-02 13:05:00

"""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from kiosk.domain.chain import GENESIS, Link, event_hash

revision: str = "0002_hashchain"
down_revision: str | Sequence[str] | None = "0002_peer_doors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROWS = sa.text(
    "SELECT id, kiosk_id, seq, kind, occurred_at, clock_synced, boot_id, mono_ns, staff_id, "
    "visitor_id, payload FROM events ORDER BY kiosk_id, seq"
)


def _link(row: sa.Row[Any]) -> Link:
    ident, kiosk_id, seq, kind, occurred, synced, boot_id, mono_ns, staff, visitor, payload = tuple(
        row
    )
    return Link(
        kiosk_id=str(kiosk_id), seq=int(str(seq)), id=str(ident), kind=str(kind),
        occurred_at=datetime.fromisoformat(str(occurred)), clock_synced=bool(synced),
        boot_id=str(boot_id), mono_ns=int(str(mono_ns)),
        staff_id=None if staff is None else int(str(staff)),
        visitor_id=None if visitor is None else int(str(visitor)),
        payload=json.loads(str(payload)) if payload else {},
    )  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("kiosk_counters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    heads: dict[str, str] = {}
    updates = []
    for row in bind.execute(_ROWS):
        link = _link(row)
        prev = heads.get(link.kiosk_id, GENESIS)
        heads[link.kiosk_id] = event_hash(link, prev)
        updates.append({"id": link.id, "prev": prev, "hash": heads[link.kiosk_id]})
    if updates:
        bind.execute(sa.text("UPDATE events SET prev_hash = :prev, hash = :hash WHERE id = :id"),
                     updates)  # fmt: skip
    for kiosk_id, head in heads.items():
        bind.execute(sa.text("UPDATE kiosk_counters SET last_hash = :h WHERE kiosk_id = :k"),
                     {"h": head, "k": kiosk_id})  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("kiosk_counters", schema=None) as batch_op:
        batch_op.drop_column("last_hash")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
