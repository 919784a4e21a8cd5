"""The roll call as the console shows it: the live board (everyone on site across the setting's
kiosks, who is not yet accounted for first), its cheap change stamp for the page's refresh, and
the record of each roll call for the inspector's report.

The board is the roll (who was on site when it began) plus anyone the kiosks' current state has
on site since; a person is accounted for by a mark (kiosk, board, or signing out), or by being no
longer on site at their kiosk. The report keeps to the roll and the marks alone, so it reads the
same however late an offline door's events arrive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, tuple_
from sqlalchemy.orm import Session

from kiosk.sync.server import queries
from kiosk.sync.server.evacuations import person, setting_roll
from kiosk.sync.server.models import EvacuationMark, EvacuationRow, KioskState, Subject
from kiosk.sync.server.tenancy import Setting

HOW = {"kiosk": "ticked at", "board": "ticked on the board by", "signed_out": "signed out at"}


@dataclass(frozen=True)
class BoardLine:
    person: str
    name: str
    label: str  # staff, visitor, parent, contractor
    lone_working: bool
    kiosk: str
    status: str  # missing, safe, left
    detail: str = ""

    @property
    def missing(self) -> bool:
        return self.status == "missing"


@dataclass
class Board:
    row: EvacuationRow | None
    started: str = ""
    started_by: str = ""
    lines: list[BoardLine] = field(default_factory=list)

    @property
    def accounted(self) -> int:
        return sum(1 for line in self.lines if not line.missing)

    @property
    def started_with(self) -> set[str]:
        """Who was on the roll when it began (the printable list)."""
        return {_who(e) for e in self.row.roll} if self.row else set()


@dataclass(frozen=True)
class Drill:
    """One roll call as the report lists it."""

    row: EvacuationRow
    started: str
    started_by: str
    on_roll: int
    all_accounted_after_s: float | None
    never_accounted: list[str]
    marks: list[str]


def hhmmss(text: str | None, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(text).astimezone(tz).strftime("%H:%M:%S") if text else ""


def latest(session: Session, setting_id: int) -> EvacuationRow | None:
    query = (
        select(EvacuationRow)
        .where(EvacuationRow.setting_id == setting_id, EvacuationRow.joined_to.is_(None))
        .order_by(EvacuationRow.started_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _names(session: Session, people: Iterable[tuple[str, str, int]]) -> dict[str, Subject]:
    keys = sorted(set(people))
    if not keys:
        return {}
    query = select(Subject).where(tuple_(Subject.kiosk_id, Subject.type, Subject.id).in_(keys))
    return {person(s.kiosk_id, s.type, s.id): s for s in session.scalars(query)}


def _marks(session: Session, evacuation_id: str) -> dict[str, EvacuationMark]:
    query = select(EvacuationMark).where(EvacuationMark.evacuation_id == evacuation_id)
    return {m.person: m for m in session.scalars(query)}


def _key(entry: dict[str, Any]) -> tuple[str, str, int]:
    """Where a roll entry's name is found: its door's own number for them."""
    return (str(entry["kiosk"]), str(entry["type"]), int(entry["id"]))


def _who(entry: dict[str, Any]) -> str:
    """Who the entry is across the setting's doors (marks and the live view use this)."""
    who = entry.get("who")
    return str(who) if who else person(*_key(entry))


def _display(entries: Iterable[dict[str, Any]], names: dict[str, Subject]) -> dict[str, str]:
    return {_who(e): _name(names, person(*_key(e))) for e in entries}


def _name(names: dict[str, Subject], who: str) -> str:
    found = names.get(who)
    return (found.name if found else None) or ("(name erased)" if found else who)


def _by(mark: EvacuationMark, names: dict[str, Subject], tz: ZoneInfo) -> str:
    if mark.how == "board":
        return f"ticked on the board by {mark.by_account} {hhmmss(mark.at, tz)}"
    if mark.how == "signed_out":
        return f"signed out at {mark.by_kiosk} {hhmmss(mark.at, tz)}"
    staff = person(mark.by_kiosk or "", "staff", mark.by_staff or 0)
    who = _name(names, staff) if mark.by_staff else "?"
    return f"ticked at {mark.by_kiosk} ({who}) {hhmmss(mark.at, tz)}"


def _live_roll(engine: Engine, setting_id: int) -> list[dict[str, Any]]:
    """Who is on site now across the setting's doors (the merged view kept at ingest)."""
    with Session(engine) as session:
        return setting_roll(session, setting_id)


def _line(entry: dict[str, Any], names: dict[str, Subject], marks: dict[str, EvacuationMark],
          here: set[str], tz: ZoneInfo) -> BoardLine:  # fmt: skip
    who = _who(entry)
    mark = marks.get(who)
    status = "missing" if who in here else "left"
    detail = "" if who in here else "no longer on site"
    if mark is not None:
        status = "left" if mark.how == "signed_out" else "safe"
        detail = _by(mark, names, tz)
    label = "staff" if entry["type"] == "staff" else str(entry.get("visitor_type") or "visitor")
    name = _name(names, person(*_key(entry)))
    return BoardLine(who, name, label, bool(entry.get("lone_working")), str(entry["kiosk"]),
                     status, detail)  # fmt: skip


def board(engine: Engine, setting: Setting) -> Board:
    """The latest roll call of the setting, live; an empty board if there has been none."""
    tz = ZoneInfo(setting.timezone)
    with Session(engine) as session:
        row = latest(session, setting.id)
        if row is None:
            return Board(None)
        marks = _marks(session, row.id)
    live = _live_roll(engine, setting.id)
    here = {_who(e) for e in live}
    listed = {_who(e) for e in row.roll}
    entries = row.roll + [e for e in live if _who(e) not in listed]
    with Session(engine) as session:
        wanted = [_key(e) for e in entries]
        wanted += [(m.by_kiosk or "", "staff", m.by_staff) for m in marks.values() if m.by_staff]
        wanted.append((row.kiosk_id, "staff", row.started_by or 0))
        names = _names(session, wanted)
    lines = [_line(e, names, marks, here, tz) for e in entries]
    lines.sort(key=lambda line: (not line.missing, line.name.casefold()))
    return Board(row, hhmmss(row.started_at, tz), _starter(row, names), lines)


def version(engine: Engine, setting_id: int) -> str:
    """A stamp that changes whenever the board would: the roll call, its marks, any kiosk's
    state. Three small indexed reads, so a phone may ask every few seconds."""
    kiosks = queries.kiosks_of(setting_id)
    with Session(engine) as session:
        row = latest(session, setting_id)
        if row is None:
            return "none"
        marks = session.scalar(select(func.count()).where(EvacuationMark.evacuation_id == row.id))
        states = session.scalar(
            select(func.max(KioskState.updated_at)).where(KioskState.kiosk_id.in_(kiosks))
        )
    return f"{row.id}|{row.ended_at or ''}|{marks}|{states or ''}"


def drills(engine: Engine, setting: Setting) -> list[Drill]:
    """Every roll call of the setting, newest first, with the figures an inspector asks for."""
    tz = ZoneInfo(setting.timezone)
    query = (
        select(EvacuationRow)
        .where(EvacuationRow.setting_id == setting.id, EvacuationRow.joined_to.is_(None))
        .order_by(EvacuationRow.started_at.desc())
    )
    with Session(engine) as session:
        rows = list(session.scalars(query))
        all_marks = {row.id: _marks(session, row.id) for row in rows}
        wanted = [_key(e) for row in rows for e in row.roll]
        wanted += [(row.kiosk_id, "staff", row.started_by or 0) for row in rows]
        wanted += [(m.by_kiosk or "", "staff", m.by_staff) for ms in all_marks.values()
                   for m in ms.values() if m.by_staff]  # fmt: skip
        names = _names(session, wanted)
    return [_drill(row, all_marks[row.id], names, tz) for row in rows]


def _drill(row: EvacuationRow, marks: dict[str, EvacuationMark], names: dict[str, Subject],
           tz: ZoneInfo) -> Drill:  # fmt: skip
    roll = [_who(e) for e in row.roll]
    shown = _display(row.roll, names)
    missing = [who for who in roll if who not in marks]
    after = None
    if roll and not missing:
        last = max(datetime.fromisoformat(marks[who].at) for who in roll)
        after = max(0.0, (last - datetime.fromisoformat(row.started_at)).total_seconds())
    elif not roll:
        after = 0.0
    started = datetime.fromisoformat(row.started_at).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    marked = [f"{shown.get(m.person, m.person)}: {_by(m, names, tz)}"
              for m in sorted(marks.values(), key=lambda m: m.at)]  # fmt: skip
    never = [shown.get(who, who) for who in missing] if row.ended_at else []
    return Drill(row, started, _starter(row, names), len(roll), after, never, marked)


def _starter(row: EvacuationRow, names: dict[str, Subject]) -> str:
    if row.started_by is None:
        return "no badge (the reader was not working)"
    return _name(names, person(row.kiosk_id, "staff", row.started_by))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "not everyone"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"
