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

from kiosk.domain.chain import seq_ranges
from kiosk.domain.state import STAFF_KINDS
from kiosk.domain.types import EventKind
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.store import peers
from kiosk.store.events import load_site_state, open_shift_starts
from kiosk.store.models import Event, PeerEvent, SyncState, Visitor


@dataclass(frozen=True)
class PurgeCounts:
    visitors_erased: int
    unknown_badge_events_removed: int
    staff_events_removed: int
    peer_events_removed: int = 0  # the other doors' events (issue 11), by the staff events' rule


class RetentionService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def purge(self, *, dry_run: bool = False) -> tuple[PurgeCounts, Recorded | None]:
        """Apply the retention policy in one transaction (or only count, with dry_run)."""
        removed: list[tuple[str, int]] = []  # (kiosk, seq) of every event removed
        with self.ctx.recording() as session:
            counts = PurgeCounts(
                self._erase_visitors(session, dry_run),
                self._remove_events(session, [EventKind.BADGE_UNKNOWN.value],
                                    self.ctx.config.retention.unknown_badge_days, removed),
                self._remove_events(session, [k.value for k in STAFF_KINDS],
                                    self.ctx.config.retention.staff_events_days, removed),
                self._remove_peer_events(session, dry_run),
            )  # fmt: skip
            if dry_run:
                session.rollback()
                return counts, None
            # The seqs removed, so `kiosk check` can tell this purge's gaps from a deletion.
            payload = {**asdict(counts), "removed": removed_ranges(removed)}
            event = self.ctx.append(session, EventKind.ADMIN_PURGE, payload=payload)
        return counts, recorded(event, _summary(counts))

    def _erase_visitors(self, session: Session, dry_run: bool) -> int:
        cutoff = self.ctx.clock.now() - timedelta(
            days=self.ctx.config.retention.visitor_details_days
        )
        due = (Visitor.signed_in_at < cutoff) & Visitor.erased_at.is_(None)
        count = session.scalar(select(func.count(Visitor.id)).where(due)) or 0
        if not dry_run and count:
            session.execute(
                update(Visitor)
                .where(due)
                .values(name=None, organisation=None, visiting=None, erased_at=self.ctx.clock.now())
            )
        return count

    def _remove_events(
        self, session: Session, kinds: list[str], days: int, removed: list[tuple[str, int]]
    ) -> int:
        cutoff = self.ctx.clock.now() - timedelta(days=days)
        due = Event.kind.in_(kinds) & (Event.occurred_at < cutoff)
        if self.ctx.config.sync.url:  # with sync on, only what the records service already has
            due = due & (Event.sync_state == SyncState.SENT.value)
        open_starts = open_shift_starts(session)
        if open_starts:  # keep everything from the oldest shift still open onwards
            due = due & (Event.seq < min(open_starts.values()))
        found = session.execute(select(Event.kiosk_id, Event.seq).where(due)).all()
        if found:  # a dry run rolls the whole transaction back
            session.execute(delete(Event).where(due))
        removed.extend((str(kiosk_id), int(seq)) for kiosk_id, seq in found)
        return len(found)

    def _remove_peer_events(self, session: Session, dry_run: bool) -> int:
        """The other doors' events after the staff events' period, except what is still open
        (a shift or visit begun at another door) and the newest (the feed's place)."""
        days = self.ctx.config.retention.staff_events_days
        due = PeerEvent.occurred_at < self.ctx.clock.now() - timedelta(days=days)
        state = load_site_state(session)
        opened = [p.started_at for p in state.staff.values()]
        opened += [v.arrived_at for v in state.visitors.values()]
        if opened:
            due = due & (PeerEvent.occurred_at < min(opened))
        due = due & (PeerEvent.receipt < peers.cursor(session))
        count = session.scalar(select(func.count()).select_from(PeerEvent).where(due)) or 0
        if not dry_run and count:
            session.execute(delete(PeerEvent).where(due))
        return count


def removed_ranges(removed: list[tuple[str, int]]) -> dict[str, list[list[int]]]:
    by_kiosk: dict[str, list[int]] = {}
    for kiosk_id, seq in removed:
        by_kiosk.setdefault(kiosk_id, []).append(seq)
    return {kiosk_id: seq_ranges(seqs) for kiosk_id, seqs in sorted(by_kiosk.items())}


def _summary(counts: PurgeCounts) -> str:
    peers = counts.peer_events_removed
    return (
        f"Erased {counts.visitors_erased} visitors' details; removed "
        f"{counts.unknown_badge_events_removed} unknown-badge and "
        f"{counts.staff_events_removed} staff events"
        + (f", and {peers} of other doors." if peers else ".")
    )
