"""What the manager's page reads: events by filter, the people they name, and who is on site now
per kiosk (folded from each kiosk's events with the same domain rules the kiosk uses)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, or_, select, tuple_
from sqlalchemy.orm import Session

from kiosk.domain.overdue import find_overdue
from kiosk.domain.state import EventFact, SiteState, fold
from kiosk.domain.types import StaffId, VisitorId
from kiosk.sync.server.csvrows import People
from kiosk.sync.server.models import KioskReport, RecordEvent, Subject

PAGE_ROWS = 200


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None  # inclusive
    kiosk: str = ""
    person: str = ""
    kind: str = ""


def _bound(day: date, tz: ZoneInfo) -> str:
    return (
        datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC).isoformat(timespec="microseconds")
    )


def event_query(f: Filters, tz: ZoneInfo) -> Select[RecordEvent]:
    query = select(RecordEvent)
    if f.start:
        query = query.where(RecordEvent.occurred_at >= _bound(f.start, tz))
    if f.end:
        query = query.where(RecordEvent.occurred_at < _bound(f.end + timedelta(days=1), tz))
    if f.kiosk:
        query = query.where(RecordEvent.kiosk_id == f.kiosk)
    if f.kind:
        query = query.where(
            # autoescape: `_` is a letter in a kind, not a LIKE wildcard ('a_' matched 'ab.x').
            or_(
                RecordEvent.kind == f.kind,
                RecordEvent.kind.startswith(f.kind + ".", autoescape=True),
            )
        )
    if f.person:
        named = select(Subject.kiosk_id, Subject.type, Subject.id).where(
            Subject.name.ilike(
                "%" + f.person.replace("%", r"\%").replace("_", r"\_") + "%", escape="\\"
            )
        )
        subject = tuple_(RecordEvent.kiosk_id, RecordEvent.subject_type, RecordEvent.subject_id)
        query = query.where(subject.in_(named))
    return query


def people(session: Session) -> People:
    rows = session.scalars(select(Subject))
    return {(s.kiosk_id, s.type, s.id): {"name": s.name, "role": s.role,
            "visitor_type": s.visitor_type, "organisation": s.organisation,
            "visiting": s.visiting} for s in rows}  # fmt: skip


def latest_events(engine: Engine, f: Filters, tz: ZoneInfo) -> tuple[list[RecordEvent], People]:
    query = event_query(f, tz).order_by(RecordEvent.occurred_at.desc()).limit(PAGE_ROWS)
    with Session(engine) as session:
        return list(session.scalars(query)), people(session)


def all_events(engine: Engine, f: Filters, tz: ZoneInfo) -> Iterator[tuple[RecordEvent, People]]:
    """Every matching event in kiosk and seq order, read in chunks."""
    query = event_query(f, tz).order_by(RecordEvent.kiosk_id, RecordEvent.seq)
    with Session(engine) as session:
        names = people(session)
        for event in session.scalars(query.execution_options(yield_per=2000)):
            yield event, names


def kiosks(engine: Engine) -> list[str]:
    with Session(engine) as session:
        seen = session.scalars(select(RecordEvent.kiosk_id).distinct())
        reported = session.scalars(select(KioskReport.kiosk_id))
        return sorted(set(seen) | set(reported))


def reports(engine: Engine) -> dict[str, KioskReport]:
    with Session(engine) as session:
        return {r.kiosk_id: r for r in session.scalars(select(KioskReport))}


def _fact(e: RecordEvent) -> EventFact:
    staff = StaffId(e.subject_id) if e.subject_type == "staff" and e.subject_id else None
    visitor = VisitorId(e.subject_id) if e.subject_type == "visitor" and e.subject_id else None
    return EventFact(kind=e.kind, occurred_at=datetime.fromisoformat(e.occurred_at),
                     staff_id=staff, visitor_id=visitor, payload=e.payload or {})  # fmt: skip


def site_state(engine: Engine, kiosk_id: str) -> SiteState:
    """The kiosk's current state, from all its events in seq order (as on the kiosk itself)."""
    query = select(RecordEvent).where(RecordEvent.kiosk_id == kiosk_id).order_by(RecordEvent.seq)
    with Session(engine) as session:
        return fold(_fact(e) for e in session.scalars(query.execution_options(yield_per=2000)))


def overdue(state: SiteState, tz: ZoneInfo, closing: time) -> set[tuple[int, str]]:
    found = find_overdue(state, datetime.now(UTC), closing, timedelta(minutes=30), tz)
    return {(o.staff_id, o.device) for o in found}


def name_of(names: People, kiosk_id: str, kind: str, ident: int) -> str:
    who: dict[str, Any] = names.get((kiosk_id, kind, ident), {})
    return str(who.get("name") or ("(erased)" if kind == "visitor" else f"staff #{ident}"))
