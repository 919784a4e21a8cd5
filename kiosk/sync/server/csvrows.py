"""The manager's CSV from the records service: the columns of `kiosk.export_columns`, read in
Python because the service's database may be PostgreSQL rather than SQLite. `kiosk export` on the
kiosk derives its SQL from the same table, so the two files agree cell by cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from kiosk.export_columns import (
    COLUMNS,
    DETAIL_KEYS,
    DEVICE_KEYS,
    HEADER,
    Column,
    Source,
    neutralise,
)

People = dict[tuple[str, str, int], dict[str, Any]]


class EventRow(Protocol):
    """What a row of the CSV is read from: a stored event, as an ORM object or a plain row (the
    exports read plain rows: building an ORM object per event cost more than writing its cells)."""

    @property
    def id(self) -> str: ...
    @property
    def kiosk_id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def occurred_at(self) -> str: ...
    @property
    def clock_synced(self) -> bool: ...
    @property
    def subject_type(self) -> str | None: ...
    @property
    def subject_id(self) -> int | None: ...
    @property
    def payload(self) -> dict[str, Any] | None: ...


def local_time(text: Any, tz: ZoneInfo) -> str:
    if not isinstance(text, str):
        return ""
    try:
        return datetime.fromisoformat(text).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ""


def _yes_no(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "") if isinstance(value, bool) else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class _Row(NamedTuple):
    """One event with what its cells are read from (a tuple: made once per exported event)."""

    event: EventRow
    payload: dict[str, Any]
    who: dict[str, Any]
    people: People
    tz: ZoneInfo


def _devices(r: _Row, column: Column) -> str:
    value = r.payload.get(DEVICE_KEYS.get(r.event.kind, ""))
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return _text(value)


def _listed(r: _Row, column: Column) -> str:
    value = r.payload.get(column.key)
    return "; ".join(str(v) for v in value) if isinstance(value, list) else _text(value)


def _person(r: _Row, column: Column) -> str:
    erased = "(erased)" if r.event.subject_type == "visitor" else ""
    return _text(r.who.get("name")) or erased


def _person_type(r: _Row, column: Column) -> str:
    return "staff" if r.event.subject_type == "staff" else _text(r.who.get("visitor_type"))


def _approver(r: _Row, column: Column) -> str:
    approver = r.people.get((r.event.kiosk_id, "staff", r.payload.get(column.key) or 0), {})
    return _text(approver.get("name"))


def _detail(r: _Row, column: Column) -> str:
    return " ".join(f"{k}={r.payload[k]}" for k in DETAIL_KEYS if r.payload.get(k) is not None)


READERS: dict[Source, Callable[[_Row, Column], str]] = {
    Source.EVENT: lambda r, c: _text(getattr(r.event, c.key)),
    Source.LOCAL_TIME: lambda r, c: local_time(r.event.occurred_at, r.tz),
    Source.SYNCED: lambda r, c: _yes_no(r.event.clock_synced),
    Source.PERSON_TYPE: _person_type,
    Source.PERSON: _person,
    Source.VISITOR: lambda r, c: _text(r.who.get(c.key)),
    Source.DEVICES: _devices,
    Source.APPROVER: _approver,
    Source.PAYLOAD: lambda r, c: _text(r.payload.get(c.key)),
    Source.PAYLOAD_LIST: _listed,
    Source.PAYLOAD_YES_NO: lambda r, c: _yes_no(r.payload.get(c.key)),
    Source.PAYLOAD_LOCAL_TIME: lambda r, c: local_time(r.payload.get(c.key), r.tz),
    Source.DETAIL: _detail,
}


Reader = Callable[[_Row, Column], str]


@cache
def _cells_of(kind: str) -> tuple[tuple[int, Reader, Column, bool], ...]:
    """The columns an event of this kind has a value in (the rest stay empty), each with its
    reader: worked out once per kind, not once per cell (a group's month is 3.8 million cells)."""
    return tuple(
        (n, READERS[column.source], column, column.neutralised)
        for n, column in enumerate(COLUMNS)
        if not column.kinds or kind in column.kinds
    )


def _subject(e: EventRow, people: People) -> dict[str, Any]:
    if e.subject_type is None or e.subject_id is None:
        return {}
    return people.get((e.kiosk_id, e.subject_type, e.subject_id), {})


def row(e: EventRow, people: People, tz: ZoneInfo) -> list[str]:
    r = _Row(e, e.payload or {}, _subject(e, people), people, tz)
    cells = [""] * len(COLUMNS)
    for n, read, column, neutralised in _cells_of(e.kind):
        value = read(r, column)
        cells[n] = neutralise(value) if value and neutralised else value
    return cells


def stream(rows: Iterable[list[str]], header: list[str] = HEADER) -> Iterator[str]:
    """CSV text in chunks: the header, then the rows, never the whole file in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for n, cells in enumerate(rows, 1):
        writer.writerow(cells)
        if n % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
