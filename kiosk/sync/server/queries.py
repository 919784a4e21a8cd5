"""What the console reads for one setting: events by filter (a page at a time, names loaded only
for the rows shown), and who is on site now per kiosk (folded from each kiosk's events with the
same domain rules the kiosk uses). Every query starts from the setting's kiosks, so nothing of
another setting can match whatever the filters say."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, Engine, Select, or_, select, tuple_
from sqlalchemy.orm import Session

from kiosk.domain.overdue import find_overdue
from kiosk.domain.state import SiteState, fold
from kiosk.export_columns import neutralise
from kiosk.sync.server import csvrows, csvsql
from kiosk.sync.server.clock import stored_text
from kiosk.sync.server.csvrows import EventRow, People
from kiosk.sync.server.dated_view import DATED
from kiosk.sync.server.models import KioskReport, RecordEvent, Subject
from kiosk.sync.server.sitestate import fact
from kiosk.sync.server.tenancy import Kiosk, Setting

PAGE_ROWS = 100
# Payload fields that name another member of staff: who approved, who brought equipment back.
STAFF_FIELDS = ("approver_id", "returned_by")
NameKey = tuple[str, str, int]


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None  # inclusive
    kiosk: str = ""
    person: str = ""
    kind: str = ""


def _bound(day: date, tz: ZoneInfo) -> str:
    return stored_text(datetime.combine(day, time(0), tzinfo=tz))


def kiosks_of(setting_id: int | BindParameter[int]) -> Select[str]:
    return select(Kiosk.id).where(Kiosk.setting_id == setting_id)


def event_query(
    setting_id: int | BindParameter[int], f: Filters, tz: ZoneInfo
) -> Select[RecordEvent]:
    """The setting's events that match, for its pages and CSVs alike.

    A date range is by the time the console dates an event by (`dating`), so an event a kiosk
    stamped 1970 because its clock was not set is in the day it happened, once. The kiosk's own
    export also lists it in the day its clock said (kiosk.export.UNSYNCED_IN_RANGE), because
    leaving it out there would cost every export a filter; here that would cost every range an
    OR that no index serves (the group's month CSV read each kiosk's whole history: 3.0 -> 7.4 s
    at 2 M events), and the page and its CSV would disagree. So the two files of one day agree
    for every event dated in that day (tests/sync/test_export_parity.py), and the console leaves
    an unset clock's row out of the day the clock wrongly said."""
    query = select(RecordEvent).where(RecordEvent.kiosk_id.in_(kiosks_of(setting_id)))
    if f.start:
        query = query.where(RecordEvent.dated_at >= _bound(f.start, tz))
    if f.end:
        query = query.where(RecordEvent.dated_at < _bound(f.end + timedelta(days=1), tz))
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


def _name_keys(events: Sequence[EventRow]) -> set[NameKey]:
    keys: set[NameKey] = set()
    for e in events:
        if e.subject_type and e.subject_id:
            keys.add((e.kiosk_id, e.subject_type, e.subject_id))
        for field in STAFF_FIELDS:
            other = (e.payload or {}).get(field)
            if isinstance(other, int) and not isinstance(other, bool):
                keys.add((e.kiosk_id, "staff", other))
    return keys


def people_for(session: Session, events: Sequence[EventRow]) -> People:
    """The names of the people these events are about (and their approvers, and whoever
    brought equipment back), and no others."""
    keys = sorted(_name_keys(events))
    found: People = {}
    for start in range(0, len(keys), 500):
        key = tuple_(Subject.kiosk_id, Subject.type, Subject.id)
        for s in session.scalars(select(Subject).where(key.in_(keys[start : start + 500]))):
            found[(s.kiosk_id, s.type, s.id)] = {
                "name": s.name, "role": s.role, "visitor_type": s.visitor_type,
                "organisation": s.organisation, "visiting": s.visiting,
            }  # fmt: skip
    return found


def _newest(
    session: Session, query: Select[RecordEvent], kiosk: str, rows: int
) -> list[RecordEvent]:
    query = (
        query.where(RecordEvent.kiosk_id == kiosk)
        .options(*DATED)
        .order_by(RecordEvent.dated_at.desc(), RecordEvent.id.desc())
        .limit(rows)
    )
    return list(session.scalars(query))


def event_page(
    engine: Engine, setting_id: int, f: Filters, tz: ZoneInfo, page: int
) -> tuple[list[RecordEvent], People, bool]:
    """One page of events, newest first: the rows, their names, and whether older ones exist.

    Newest by the time the console dates an event by (`dating`), so an event stamped 1970 by a
    kiosk whose clock was not set sits where it happened. Read kiosk by kiosk, each through the
    (kiosk_id, dated_at) index newest first, and merged:
    one query over all the setting's kiosks walked the group's whole time index and
    dropped other settings' rows, so a page cost the group's history, not the setting's."""
    wanted = page * PAGE_ROWS + 1  # this page and those before it, and one to tell if more
    query = event_query(setting_id, f, tz)
    with Session(engine) as session:
        kiosks = [k for k in session.scalars(kiosks_of(setting_id)) if f.kiosk in ("", k)]
        newest = [_newest(session, query, k, wanted) for k in kiosks]
        merged = heapq.merge(*newest, key=lambda e: (e.dated_at or "", e.id), reverse=True)
        rows = list(itertools.islice(merged, (page - 1) * PAGE_ROWS, wanted))
        shown = rows[:PAGE_ROWS]
        return shown, people_for(session, shown), len(rows) > PAGE_ROWS


# What a CSV row is read from (`csvrows.EventRow`): plain rows, no ORM objects.
EXPORTED = (RecordEvent.id, RecordEvent.kiosk_id, RecordEvent.seq, RecordEvent.kind,
            RecordEvent.occurred_at, RecordEvent.clock_synced, RecordEvent.subject_type,
            RecordEvent.subject_id, RecordEvent.payload)  # fmt: skip


def all_events(
    engine: Engine, setting_id: int, f: Filters, tz: ZoneInfo
) -> Iterator[tuple[EventRow, People]]:
    """Every matching event in kiosk and seq order, read in chunks, names loaded per chunk."""
    query = (
        event_query(setting_id, f, tz)
        .with_only_columns(*EXPORTED)
        .order_by(RecordEvent.kiosk_id, RecordEvent.seq)
    )
    with Session(engine) as session:
        result = session.execute(query.execution_options(yield_per=2000))
        for chunk in result.partitions():
            names = people_for(session, chunk)
            for event in chunk:
                yield event, names


def csv_rows(engine: Engine, setting_id: int, f: Filters, tz: ZoneInfo) -> Iterator[list[str]]:
    """The CSV rows of a setting's matching events. PostgreSQL computes the cells itself
    (`csvsql`: a group's month is 160,000 rows); SQLite's rows are formatted in Python."""
    if engine.dialect.name != "postgresql":
        for event, names in all_events(engine, setting_id, f, tz):
            yield csvrows.row(event, names, tz)
        return
    query = csvsql.csv_query(event_query(setting_id, f, tz), tz.key)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=5000).execute(query)
        for chunk in result.partitions():
            yield from (list(cells) for cells in chunk)


def group_csv_rows(engine: Engine, settings: Sequence[Setting], f: Filters) -> Iterator[list[str]]:
    """An organisation's CSV rows: each setting's in turn (its times in its own zone), the
    setting's name in front; one setting at a time, so memory stays what one setting's rows need.
    PostgreSQL writes this CSV itself (`csvcopy`); these rows are SQLite's."""
    for setting in settings:
        name = neutralise(setting.name)
        for cells in csv_rows(engine, setting.id, f, ZoneInfo(setting.timezone)):
            yield [name, *cells]


def kiosks(engine: Engine, setting_id: int) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(kiosks_of(setting_id).order_by(Kiosk.id)))


def reports(engine: Engine, setting_id: int) -> dict[str, KioskReport]:
    query = select(KioskReport).where(KioskReport.kiosk_id.in_(kiosks_of(setting_id)))
    with Session(engine) as session:
        return {r.kiosk_id: r for r in session.scalars(query)}


def site_state(engine: Engine, kiosk_id: str) -> SiteState:
    """The kiosk's current state, from all its events in seq order (as on the kiosk itself):
    what `sitestate` keeps at ingest, and the page's way for a kiosk it has no state for."""
    query = select(RecordEvent).where(RecordEvent.kiosk_id == kiosk_id).order_by(RecordEvent.seq)
    # Closed on the way out even when the rules refuse an event: a PostgreSQL server cursor.
    with (
        Session(engine) as session,
        session.scalars(query.execution_options(yield_per=2000)) as rows,
    ):
        return fold(fact(e) for e in rows)


def overdue(state: SiteState, tz: ZoneInfo, closing: time, grace_min: int) -> set[tuple[int, str]]:
    found = find_overdue(state, datetime.now(UTC), closing, timedelta(minutes=grace_min), tz)
    return {(o.staff_id, o.device) for o in found}


def name_of(names: People, kiosk_id: str, kind: str, ident: int) -> str:
    who: dict[str, Any] = names.get((kiosk_id, kind, ident), {})
    return str(who.get("name") or ("(erased)" if kind == "visitor" else f"staff #{ident}"))
