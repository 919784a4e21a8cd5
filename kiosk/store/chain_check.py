"""Checking the event log's hash chain as stored: per kiosk, the kiosk's own chain complete from
its first event to the head in `kiosk_counters`, other kiosks' chains (events this kiosk holds
for its peers) row by row. `kiosk check` runs this after SQLite's own integrity check."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.chain import Break, purged_seqs, verify
from kiosk.domain.types import EventKind
from kiosk.store.events import chain_link
from kiosk.store.models import Event, KioskCounter


@dataclass(frozen=True)
class ChainReport:
    kiosk_id: str
    own: bool
    events: int
    first_seq: int | None
    last_seq: int | None
    breaks: list[Break]

    def summary(self) -> str:
        whose = "this kiosk" if self.own else "held for a peer"
        span = f"seq {self.first_seq}-{self.last_seq}" if self.events else "no events"
        state = "intact" if not self.breaks else f"{len(self.breaks)} problem(s)"
        return f"chain of {self.kiosk_id} ({whose}): {self.events} events, {span}, {state}"


def check_chains(session: Session, own_kiosk_id: str) -> list[ChainReport]:
    """One report per kiosk whose events are held here; the own kiosk's first."""
    purges = list(session.scalars(select(Event.payload).where(Event.kind == EventKind.ADMIN_PURGE)))
    kiosks = set(session.scalars(select(Event.kiosk_id).distinct())) | {own_kiosk_id}
    return [
        _check_one(session, kiosk_id, kiosk_id == own_kiosk_id, purges)
        for kiosk_id in sorted(kiosks, key=lambda k: (k != own_kiosk_id, k))
    ]


def _check_one(
    session: Session, kiosk_id: str, own: bool, purges: list[dict[str, object]]
) -> ChainReport:
    rows = session.scalars(select(Event).where(Event.kiosk_id == kiosk_id).order_by(Event.seq))
    links = [chain_link(row) for row in rows]
    counter = session.get(KioskCounter, kiosk_id) if own else None
    head = None
    if counter is not None and counter.last_hash is not None:
        head = (counter.last_seq, counter.last_hash)
    breaks = verify(links, purged_seqs(purges, kiosk_id), complete=own, head=head)
    first, last = (links[0].seq, links[-1].seq) if links else (None, None)
    return ChainReport(kiosk_id, own, len(links), first, last, breaks)
