"""Staff agreements at the kiosk: which are due for a member of staff before their shift starts,
and recording that they acknowledged one (`agreement.ack`) or put it off once
(`agreement.defer`). Each event names the agreement and the version shown."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.agreements import Agreement, Due, decide_defer, due_agreements, histories
from kiosk.domain.types import EventKind, PolicyError, StaffId
from kiosk.services.context import Recorded, ServiceContext, mark_on_behalf, recorded
from kiosk.store.events import agreement_facts
from kiosk.store.models import StaffAgreement


def current(session: Session) -> list[tuple[Agreement, int]]:
    rows = session.scalars(select(StaffAgreement).order_by(StaffAgreement.kind))
    return [(Agreement(r.kind, r.version, r.text), r.renewal_days) for r in rows]


class AgreementService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def due(self, staff_id: StaffId) -> list[Due]:
        with self.ctx.reading() as session:
            return self._due(session, staff_id)

    def _due(self, session: Session, staff_id: StaffId) -> list[Due]:
        past = histories(agreement_facts(session, staff_id))
        now = self.ctx.clock.now()
        found: list[Due] = []
        for agreement, days in current(session):
            found += due_agreements([agreement], past, now, timedelta(days=days))
        return found

    def acknowledge(
        self, staff_id: StaffId, kind: str, version: str, *, on_behalf: str | None = None
    ) -> Recorded:
        """The version they were shown: if the setting published another meanwhile, they are
        shown that one instead (nothing is recorded for a text they did not see)."""
        with self.ctx.recording() as session:
            shown = next((a for a, _ in current(session) if a.kind == kind), None)
            if shown is None or shown.version != version:
                raise PolicyError("This agreement has a newer version. Please read it again.")
            payload: dict[str, object] = {"agreement": kind, "version": version}
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.AGREEMENT_ACK, staff_id=staff_id, payload=payload
            )
        return recorded(event, f"Thank you. {shown.title} (version {version}) acknowledged.")

    def defer(self, staff_id: StaffId, kind: str) -> Recorded:
        with self.ctx.recording() as session:
            due = decide_defer(self._due(session, staff_id), kind)
            payload = {"agreement": kind, "version": due.agreement.version}
            event = self.ctx.append(
                session, EventKind.AGREEMENT_DEFER, staff_id=staff_id, payload=payload
            )
        return recorded(
            event, f"{due.agreement.title}: put off once. Please read it at your next shift."
        )
