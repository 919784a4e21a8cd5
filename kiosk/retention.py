"""Keeping records no longer than needed: what `kiosk purge` erases or removes, and when.

Visitors' personal details are blanked after `retention.visitor_details_days`; their events stay,
so the setting can still count visits. Events themselves are removed only once the records service
has them (or when sync is off), and never those of a shift or visit that is still open. Refused
badges and wrong PINs go after `retention.refused_attempts_days`; the CSV files exports wrote, after
`retention.export_files_days`.

Ages are judged by the time an event really happened (`kiosk.domain.times`): an event stamped
while the clock was not synchronised is aged from a later synchronised event, or kept. After a
purge the WAL is truncated, so removed details do not linger in it (secure_delete has zeroed them
in the database file).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, text, update
from sqlalchemy.orm import Session

from kiosk.domain.chain import seq_ranges
from kiosk.domain.state import STAFF_KINDS
from kiosk.domain.times import Anchor, older_than, right_time
from kiosk.domain.types import EventKind
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.store import peers
from kiosk.store.erasures import truncate_wal
from kiosk.store.events import load_site_state, open_shift_starts, still_open
from kiosk.store.models import Event, Observation, PeerEvent, SyncState, Visitor

REFUSED_KINDS = (EventKind.BADGE_REFUSED.value, EventKind.APPROVAL_REFUSED.value)
VISIT_KINDS = (EventKind.VISITOR_IN.value, EventKind.VISITOR_OUT.value)

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
    refused_events_removed: int = 0
    export_files_removed: int = 0
    peer_events_removed: int = 0  # the other doors' events (issue 11), by the staff events' rule


class RetentionService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def purge(self, *, dry_run: bool = False) -> tuple[PurgeCounts, Recorded | None]:
        """Apply the retention policy in one transaction (or only count, with dry_run)."""
        days = self.ctx.config.retention
        removed: list[tuple[str, int]] = []  # (kiosk, seq) of every event removed
        with self.ctx.recording() as session:
            counts = PurgeCounts(
                self._erase_visitors(session, dry_run),
                self._remove_events(session, [EventKind.BADGE_UNKNOWN.value],
                                    days.unknown_badge_days, dry_run, removed),
                self._remove_events(session, [k.value for k in STAFF_KINDS | POLICY_STAFF_KINDS],
                                    days.staff_events_days, dry_run, removed),
                self._remove_events(session, list(REFUSED_KINDS),
                                    days.refused_attempts_days, dry_run, removed),
                len(self._old_export_files()),
                self._remove_peer_events(session, dry_run),
            )  # fmt: skip
            if dry_run:
                session.rollback()
                return counts, None
            # The seqs removed, so `kiosk check` can tell this purge's gaps from a deletion.
            payload = {**asdict(counts), "removed": removed_ranges(removed)}
            event = self.ctx.append(session, EventKind.ADMIN_PURGE, payload=payload)
        for path in self._old_export_files():
            path.unlink(missing_ok=True)
        truncate_wal(self.ctx.store.path)
        return counts, recorded(event, _summary(counts))

    def _cutoff(self, days: int) -> datetime:
        return self.ctx.clock.now() - timedelta(days=days)

    def _erase_visitors(self, session: Session, dry_run: bool) -> int:
        """Visitors whose visit ended (by its right time) before the cutoff; never one still
        on site, whatever their sign-in time says."""
        cutoff = self._cutoff(self.ctx.config.retention.visitor_details_days)
        if not dry_run:  # a professional's details from an observation: kept like a visitor's
            past = cutoff.astimezone(self.ctx.tz).date().isoformat()
            session.execute(delete(Observation).where(Observation.on_date < past))
        on_site = set(load_site_state(session).visitors)
        held = session.scalars(select(Visitor.id).where(Visitor.erased_at.is_(None)))
        candidates = [v for v in held if v not in on_site]
        last_seen = _last_visit_times(session, candidates)
        due = [v for v in candidates if older_than(last_seen.get(v), cutoff)]
        if not dry_run and due:
            session.execute(
                update(Visitor)
                .where(Visitor.id.in_(due))
                .values(name=None, organisation=None, visiting=None, erased_at=self.ctx.clock.now())
            )
        return len(due)

    def _remove_events(
        self,
        session: Session,
        kinds: list[str],
        days: int,
        dry_run: bool,
        removed: list[tuple[str, int]],
    ) -> int:
        cutoff = self._cutoff(days)
        due: ColumnElement[bool] = Event.kind.in_(kinds)
        if self.ctx.config.sync.url:  # with sync on, only what the records service already has
            due = due & (Event.sync_state == SyncState.SENT.value)
        open_starts = list(open_shift_starts(session).values()) + still_open(session)
        if open_starts:  # keep everything from the oldest shift or exception still open on
            due = due & (Event.seq < min(open_starts))
        synced = due & Event.clock_synced.is_(True) & (Event.occurred_at < cutoff)
        ids = list(session.scalars(select(Event.id).where(synced)))
        unsynced = select(Event.id).where(due & Event.clock_synced.is_(False))
        ids += [e.event_id for e in _right_times(session, unsynced) if older_than(e.at, cutoff)]
        if ids:
            where = select(Event.kiosk_id, Event.seq).where(Event.id.in_(ids))
            removed.extend((str(kiosk_id), int(seq)) for kiosk_id, seq in session.execute(where))
        if not dry_run and ids:
            session.execute(delete(Event).where(Event.id.in_(ids)))
        return len(ids)

    def _remove_peer_events(self, session: Session, dry_run: bool) -> int:
        """The other doors' events after the staff events' period, except what is still open
        (a shift or visit begun at another door) and the newest (the feed's place)."""
        due = PeerEvent.occurred_at < self._cutoff(self.ctx.config.retention.staff_events_days)
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

    def _old_export_files(self) -> list[Path]:
        """Files written by exports more than `export_files_days` ago (by the export's right
        time) that are still where they were written and unchanged since."""
        cutoff = self._cutoff(self.ctx.config.retention.export_files_days)
        with self.ctx.reading() as session:
            exports = select(Event.id).where(Event.kind == EventKind.ADMIN_EXPORT.value)
            due = [e for e in _right_times(session, exports) if older_than(e.at, cutoff)]
        return sorted({Path(e.payload["path"]) for e in due if _unchanged_export(e.payload)})


def _unchanged_export(payload: dict[str, Any]) -> bool:
    """Still the file the export wrote: a regular file, not modified since."""
    path = Path(str(payload.get("path", "")))
    if not payload.get("path") or path.is_symlink() or not path.is_file():
        return False
    return path.stat().st_mtime_ns == payload.get("mtime_ns")


# For events stamped by an unsynchronised clock: the first synchronised event after each in the
# same boot (exact time by the monotonic clock), and in any boot (an upper bound).
_ANCHORS = text(
    """
SELECT e.id, e.visitor_id, e.payload, e.occurred_at, e.clock_synced, e.mono_ns,
  CASE WHEN e.clock_synced THEN NULL ELSE (
    SELECT s.occurred_at || '|' || s.mono_ns FROM events AS s WHERE s.kiosk_id = e.kiosk_id
    AND s.seq > e.seq AND s.boot_id = e.boot_id AND s.clock_synced ORDER BY s.seq LIMIT 1) END,
  CASE WHEN e.clock_synced THEN NULL ELSE (
    SELECT s.occurred_at FROM events AS s WHERE s.kiosk_id = e.kiosk_id
    AND s.seq > e.seq AND s.clock_synced ORDER BY s.seq LIMIT 1) END
FROM events AS e WHERE e.id IN (SELECT value FROM json_each(:ids))
"""
)


@dataclass(frozen=True)
class Judged:
    event_id: str
    visitor_id: int | None
    payload: dict[str, Any]
    at: datetime | None  # the right time, or a time it certainly came before; None: unknown


def _right_times(session: Session, query: Select[Any]) -> list[Judged]:
    """The events the query selects, each with its right time."""
    ids = list(session.scalars(query))
    if not ids:
        return []
    found = []
    for (
        event_id,
        visitor_id,
        payload,
        occurred,
        synced,
        mono,
        boot_anchor,
        later,
    ) in session.execute(_ANCHORS, {"ids": json.dumps(ids)}):
        anchor = None
        if boot_anchor:
            at, anchor_mono = boot_anchor.split("|")
            anchor = Anchor(datetime.fromisoformat(at), int(anchor_mono))
        moment = right_time(
            datetime.fromisoformat(occurred), bool(synced), mono, anchor, _parse(later)
        )
        found.append(Judged(event_id, visitor_id, json.loads(payload or "{}"), moment))
    return found


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def _last_visit_times(session: Session, visitor_ids: list[int]) -> dict[int, datetime | None]:
    """Each visitor's latest visit event, at its right time (None when unknown)."""
    if not visitor_ids:
        return {}
    events = select(Event.id).where(Event.visitor_id.in_(visitor_ids), Event.kind.in_(VISIT_KINDS))
    moments: dict[int, list[datetime | None]] = {}
    for event in _right_times(session, events):
        moments.setdefault(event.visitor_id or 0, []).append(event.at)
    # One event of unknown time makes the visit's end unknown: kept.
    return {
        visitor: None if None in times else max(t for t in times if t is not None)
        for visitor, times in moments.items()
    }


def removed_ranges(removed: list[tuple[str, int]]) -> dict[str, list[list[int]]]:
    by_kiosk: dict[str, list[int]] = {}
    for kiosk_id, seq in removed:
        by_kiosk.setdefault(kiosk_id, []).append(seq)
    return {kiosk_id: seq_ranges(seqs) for kiosk_id, seqs in sorted(by_kiosk.items())}


def _summary(counts: PurgeCounts) -> str:
    peers = counts.peer_events_removed
    return (
        f"Erased {counts.visitors_erased} visitors' details; removed "
        f"{counts.unknown_badge_events_removed} unknown-badge, "
        f"{counts.staff_events_removed} staff and {counts.refused_events_removed} "
        "refused-badge or wrong-PIN events"
        + (f", {peers} of other doors" if peers else "")
        + f" and {counts.export_files_removed} old export files."
    )
