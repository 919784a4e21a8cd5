"""Checking each kiosk's hash chain as its events arrive (kiosk.domain.chain has the rules).

Every new event gets a `chain` state, stored with it:

- `ok`: its hash matches its content, and it follows the event before it (or is the kiosk's
  first, or follows events that came before the chain existed);
- `unchained`: sent without a hash, by a kiosk older than the chain;
- `gap`: the event before it has not arrived (yet: a dead letter retried later fills it, and the
  gap turns `ok` or `broken` then);
- `altered`: its content does not match its own hash;
- `broken`: it does not follow the event before it that the service holds.

A problem is stored and shown (the Audit page), never refused: refusing would make the kiosk keep
the events as dead letters and the record would be lost to the setting, and a retry could never
succeed anyway. A kiosk whose chain breaks is the manager's question, not the pusher's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.domain.chain import GENESIS, REHASHED_FROM, Link, event_hash
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.schema import EventIn

OK, UNCHAINED, GAP, ALTERED, BROKEN = "ok", "unchained", "gap", "altered", "broken"
PROBLEMS = (GAP, ALTERED, BROKEN)
WORDS = {
    GAP: "the event before it has not arrived",
    ALTERED: "its content does not match its hash: changed after it was recorded",
    BROKEN: "it does not follow the event before it: an event was replaced, deleted or reordered",
}


@dataclass(frozen=True)
class Held:
    """An event of the kiosk the service already holds (or that is earlier in this batch)."""

    id: str
    hash: str | None
    prev_hash: str | None
    chain: str


def link_of(kiosk_id: str, event: EventIn) -> Link:
    subject = event.subject
    return Link(
        kiosk_id=kiosk_id, seq=event.seq, id=event.id, kind=event.kind,
        occurred_at=event.occurred_at, clock_synced=event.clock_synced, boot_id=event.boot_id,
        mono_ns=event.mono_ns,
        staff_id=subject.id if subject and subject.type == "staff" else None,
        visitor_id=subject.id if subject and subject.type == "visitor" else None,
        payload=event.payload, prev_hash=event.prev_hash, hash=event.hash,
    )  # fmt: skip


def _held(session: Session, kiosk_id: str, events: list[EventIn]) -> dict[int, Held]:
    low, high = min(e.seq for e in events) - 1, max(e.seq for e in events) + 1
    rows = session.execute(
        select(RecordEvent.seq, RecordEvent.id, RecordEvent.hash, RecordEvent.prev_hash,
               RecordEvent.chain)
        .where(RecordEvent.kiosk_id == kiosk_id, RecordEvent.seq.between(low, high))
    )  # fmt: skip
    return {int(seq): Held(i, h, p, c) for seq, i, h, p, c in rows}


def _state(kiosk_id: str, event: EventIn, before: Held | None) -> str:
    if event.hash is None or event.prev_hash is None:
        return UNCHAINED
    if event_hash(link_of(kiosk_id, event), event.prev_hash) != event.hash:
        return ALTERED
    if before is None:
        return OK if event.prev_hash == GENESIS else GAP
    if before.hash is None or before.hash == event.prev_hash:
        return OK  # an unchained event before it: the chain starts here
    if event.payload.get(REHASHED_FROM) == before.hash:
        return OK  # the kiosk re-hashed its chain on purpose (events.rechain) and says from what
    return BROKEN


def check_batch(session: Session, kiosk_id: str, events: list[EventIn]) -> dict[str, str]:
    """The chain state of each event of a batch (by id), in the transaction that stores them;
    an event held with a `gap` that one of these fills is re-judged here too."""
    held = _held(session, kiosk_id, events)
    states: dict[str, str] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.id in states:
            continue
        known = held.get(event.seq)
        if known is not None and known.id == event.id:
            continue  # a duplicate: stored once, already judged
        states[event.id] = _state(kiosk_id, event, held.get(event.seq - 1))
        held[event.seq] = Held(event.id, event.hash, event.prev_hash, states[event.id])
        _rejudge_next(session, held.get(event.seq + 1), event, states)
    return states


def _rejudge_next(
    session: Session, after: Held | None, event: EventIn, states: dict[str, str]
) -> None:
    if after is None or after.chain != GAP or after.id in states:
        return
    verdict = OK if event.hash is None or after.prev_hash == event.hash else BROKEN
    session.execute(update(RecordEvent).where(RecordEvent.id == after.id).values(chain=verdict))
