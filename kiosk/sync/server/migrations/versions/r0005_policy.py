"""The rest of the policy (issue 13): kept states learn open exceptions

A device still out when its owner ended their shift is now an open exception in the kept state
(`kiosk_states`), until a manager closes it. States kept before this revision do not hold them,
so each kiosk is refolded here from its stored events, with the fold the page uses: exceptions
left open by shifts that ended before the upgrade show at once.

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
    session = Session(bind=op.get_bind())
    kiosks = session.scalars(sa.text("SELECT kiosk_id FROM kiosk_states"))
    sitestate.rebuild(session, list(kiosks))
    session.flush()


def downgrade() -> None:
    pass  # the older code reads a kept state and ignores its "exceptions"
