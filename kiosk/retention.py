"""Keeping records no longer than needed: what `kiosk purge` erases or removes, and when.

Visitors' personal details are blanked after `retention.visitor_details_days`; their events stay,
so the setting can still count visits. Events themselves are removed only once the records service
has them (or when sync is off), and never those of a shift or visit that is still open.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kiosk.domain.state import STAFF_KINDS
from kiosk.domain.types import EventKind
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.store.events import open_shift_starts, still_open
from kiosk.store.models import Event, Observation, SyncState, Visitor

# The setting's own equipment signed out and in, and the agreements acknowledged or put off:
# staff records like the shifts. (An acknowledgement older than this is due again anyway, as long
# as the renewal period is shorter than the staff records' period, as the defaults are.)
POLICY_STAFF_KINDS = frozenset({EventKind.EQUIPMENT_OUT, EventKind.EQUIPMENT_IN,
                             EventKind.AGREEMENT_ACK, EventKind.AGREEMENT_DEFER})  # fmt: skip


@dataclass(frozen=True)
class PurgeCounts:
    visitors_erased: int
    unknown_badge_events_removed: int
    staff_events_removed: int


class RetentionService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def purge(self, *, dry_run: bool = False) -> tuple[PurgeCounts, Recorded | None]:
        """Apply the retention policy in one transaction (or only count, with dry_run)."""
        with self.ctx.recording() as session:
            counts = PurgeCounts(
                self._erase_visitors(session, dry_run),
                self._remove_events(session, [EventKind.BADGE_UNKNOWN.value],
                                    self.ctx.config.retention.unknown_badge_days, dry_run),
                self._remove_events(session, [k.value for k in STAFF_KINDS | POLICY_STAFF_KINDS],
                                    self.ctx.config.retention.staff_events_days, dry_run),
            )  # fmt: skip
            if dry_run:
                session.rollback()
                return counts, None
            event = self.ctx.append(session, EventKind.ADMIN_PURGE, payload=asdict(counts))
        return counts, recorded(event, _summary(counts))

    def _erase_visitors(self, session: Session, dry_run: bool) -> int:
        cutoff = self.ctx.clock.now() - timedelta(
            days=self.ctx.config.retention.visitor_details_days
        )
        if not dry_run:  # a professional's details from an observation: kept like a visitor's
            past = cutoff.astimezone(self.ctx.tz).date().isoformat()
            session.execute(delete(Observation).where(Observation.on_date < past))
        due = (Visitor.signed_in_at < cutoff) & Visitor.erased_at.is_(None)
        count = session.scalar(select(func.count(Visitor.id)).where(due)) or 0
        if not dry_run and count:
            session.execute(
                update(Visitor)
                .where(due)
                .values(name=None, organisation=None, visiting=None, erased_at=self.ctx.clock.now())
            )
        return count

    def _remove_events(self, session: Session, kinds: list[str], days: int, dry_run: bool) -> int:
        cutoff = self.ctx.clock.now() - timedelta(days=days)
        due = Event.kind.in_(kinds) & (Event.occurred_at < cutoff)
        if self.ctx.config.sync.url:  # with sync on, only what the records service already has
            due = due & (Event.sync_state == SyncState.SENT.value)
        open_starts = list(open_shift_starts(session).values()) + still_open(session)
        if open_starts:  # keep everything from the oldest shift or exception still open on
            due = due & (Event.seq < min(open_starts))
        count = session.scalar(select(func.count(Event.id)).where(due)) or 0
        if not dry_run and count:
            session.execute(delete(Event).where(due))
        return count


def _summary(counts: PurgeCounts) -> str:
    return (
        f"Erased {counts.visitors_erased} visitors' details; removed "
        f"{counts.unknown_badge_events_removed} unknown-badge and "
        f"{counts.staff_events_removed} staff events."
    )
