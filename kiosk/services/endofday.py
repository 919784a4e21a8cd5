"""The manager's end of the day at the kiosk: visitors still signed in after closing, and
signing one out with a reason (recorded as the manager's, like any action on someone's behalf)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from kiosk.domain.endofday import check_reason, still_in_after_closing
from kiosk.domain.types import EventKind, PolicyError, VisitorId
from kiosk.services.context import Recorded, ServiceContext, mark_on_behalf, recorded
from kiosk.store.events import load_site_state
from kiosk.store.models import Visitor


@dataclass(frozen=True)
class LateVisitor:
    visitor_id: VisitorId
    name: str
    visitor_type: str
    since: datetime


class EndOfDayService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def still_in(self) -> list[LateVisitor]:
        with self.ctx.reading() as session:
            state = load_site_state(session)
            late = still_in_after_closing(state, self.ctx.clock.now(), self.ctx.closing,
                                          self.ctx.tz)  # fmt: skip
            ids = [v.visitor_id for v in late]
            rows = session.execute(select(Visitor.id, Visitor.name).where(Visitor.id.in_(ids)))
            names = {vid: name for vid, name in rows}
        return [LateVisitor(v.visitor_id, names.get(v.visitor_id) or "(name erased)",
                            v.visitor_type, v.arrived_at) for v in late]  # fmt: skip

    def sign_out(self, visitor_id: VisitorId, reason: str, manager: str) -> Recorded:
        """Sign a visitor out for the manager, saying why."""
        payload: dict[str, object] = {"reason": check_reason(reason)}
        mark_on_behalf(payload, manager)
        with self.ctx.recording() as session:
            if visitor_id not in load_site_state(session).visitors:
                raise PolicyError("That visitor is not signed in.")
            event = self.ctx.append(
                session, EventKind.VISITOR_OUT, visitor_id=visitor_id, payload=payload
            )
        return recorded(event, "Signed out.")
