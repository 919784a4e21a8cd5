"""The manager's CSV on PostgreSQL: every cell computed by the database, from the same column
table (`kiosk.export_columns`) as the kiosk's SQLite export and the service's Python rows.

A group's month is ~160,000 rows of 22 cells. Reading them as Python objects and formatting each
cell in Python cost ~25 µs a row (four seconds a month), most of it calls per cell; here
PostgreSQL joins the names, converts times to the setting's zone, joins device lists and
neutralises formula text, and Python only hands each row of text to `csv.writer`. A SQLite
records service keeps the Python rows (`csvrows`), and the parity test holds all three to one
file, cell by cell.

Values a kiosk never sends but a malformed push could hold (a time that is not RFC 3339, an
approver id that is not a whole number) become empty cells here, never an error mid-download.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    func,
    lateral,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased

from kiosk.export_columns import (
    COLUMNS,
    DETAIL_KEYS,
    DEVICE_KEYS,
    FORMULA_STARTS,
    Column,
    Source,
)
from kiosk.sync.server.models import RecordEvent, Subject

WHO = aliased(Subject, name="who")
# Everything the kiosk writes as a time: `2026-03-02T09:15:00.123456+00:00` (or `Z`).
CLOCK = "YYYY-MM-DD HH24:MI:SS"  # what `csvrows.local_time` writes
RFC3339 = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _kinds(kinds: tuple[str, ...]) -> str:
    return ", ".join(_quote(kind) for kind in kinds)


def _field(key: str) -> str:
    return f"(payload.p -> {_quote(key)})"


def _text(key: str) -> str:
    return f"(payload.p ->> {_quote(key)})"


def _local(expr: str, zone: str, *, checked: bool = False) -> str:
    """A UTC time as the setting's local wall-clock time. Ingest stores every event's own time
    in one form (`checked`); a time in a payload that is not RFC 3339 becomes an empty cell."""
    local = f"to_char(CAST({expr} AS timestamptz) AT TIME ZONE {_quote(zone)}, {_quote(CLOCK)})"
    return local if checked else f"CASE WHEN {expr} ~ {_quote(RFC3339)} THEN {local} ELSE '' END"


def _yes_no(key: str) -> str:
    """yes / no for a JSON true / false (the Python rows ignore anything that is not a bool)."""
    return (
        f"CASE WHEN jsonb_typeof({_field(key)}) = 'boolean' THEN "
        f"CASE {_text(key)} WHEN 'true' THEN 'yes' ELSE 'no' END ELSE '' END"
    )


def _listed(key: str) -> str:
    """A payload list joined with "; " (or the one value it holds instead)."""
    elements = f"jsonb_array_elements_text({_field(key)}) AS item"
    joined = f"(SELECT string_agg(item, '; ') FROM {elements})"  # noqa: S608
    return (
        f"CASE WHEN jsonb_typeof({_field(key)}) = 'array' THEN coalesce({joined}, '') "
        f"ELSE coalesce({_text(key)}, '') END"
    )


def _devices() -> str:
    whens = " ".join(
        f"WHEN {_quote(kind)} THEN {_listed(key)}" for kind, key in DEVICE_KEYS.items()
    )
    return f"CASE events.kind {whens} ELSE '' END"


def _detail() -> str:
    parts = ", ".join(f"{_quote(key + '=')} || {_text(key)}" for key in DETAIL_KEYS)
    return f"concat_ws(' ', {parts})"


def _value(column: Column, zone: str) -> str:  # noqa: PLR0911, PLR0912 (one case per Source)
    """One column's value as SQL text over `events`, `payload` and `who` (the subject)."""
    match column.source:
        case Source.EVENT:
            return f"CAST(events.{column.key} AS text)"
        case Source.LOCAL_TIME:
            return _local("events.occurred_at", zone, checked=True)
        case Source.SYNCED:
            return "CASE WHEN events.clock_synced THEN 'yes' ELSE 'no' END"
        case Source.PERSON_TYPE:
            visitor_type = "coalesce(who.visitor_type, '')"
            return f"CASE WHEN events.subject_type = 'staff' THEN 'staff' ELSE {visitor_type} END"
        case Source.PERSON:
            erased = "CASE WHEN events.subject_type = 'visitor' THEN '(erased)' ELSE '' END"
            return f"coalesce(nullif(who.name, ''), {erased})"
        case Source.VISITOR:
            return f"coalesce(who.{column.key}, '')"
        case Source.DEVICES:
            return _devices()
        case Source.APPROVER:
            return _approver(column)
        case Source.PAYLOAD:
            return f"coalesce({_text(column.key)}, '')"
        case Source.PAYLOAD_LIST:
            return _listed(column.key)
        case Source.PAYLOAD_YES_NO:
            return _yes_no(column.key)
        case Source.PAYLOAD_LOCAL_TIME:
            return f"coalesce({_local(_text(column.key), zone)}, '')"
        case Source.DETAIL:
            return _detail()


def _raw(column: Column, zone: str) -> str:
    """One column's value for this row's kind, before neutralising."""
    value = _value(column, zone)
    if column.kinds:
        value = f"CASE WHEN events.kind IN ({_kinds(column.kinds)}) THEN {value} ELSE '' END"
    return value


def _shown(raw: str, column: Column) -> str:
    """The cell as written: `raw` (a column of the `cell` subquery) neutralised if need be."""
    if not column.neutralised:  # the SQL twin of `neutralise`
        return raw
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
    return f"CASE WHEN left({raw}, 1) IN ({starts}) THEN '''' || {raw} ELSE {raw} END"


def _approver(column: Column) -> str:
    """The approver's name, looked up only for the kinds that name one. A join instead tested
    every staff row of the kiosk against every event (two thirds of the database's time)."""
    whole = f"{_text(column.key)} ~ '^[0-9]{{1,18}}$'"
    approver_id = f"CASE WHEN {whole} THEN CAST({_text(column.key)} AS bigint) END"
    named = (
        "SELECT approver.name FROM subjects AS approver WHERE approver.kiosk_id = "  # noqa: S608
        f"events.kiosk_id AND approver.type = 'staff' AND approver.id = {approver_id}"
    )
    return f"coalesce(({named}), '')"


def csv_query(
    events: Select[RecordEvent],
    zone: str,
    *,
    lead: ColumnElement[str] | None = None,
    copy: bool = False,
) -> Select[*tuple[Any, ...]]:
    """`events` (the filtered events of a setting, `queries.event_query`) as CSV cells, one text
    column per CSV column, in kiosk and seq order. `zone` must be a known zone name (the
    setting's, checked when it was saved); it is quoted as a literal, never run as SQL.
    `lead`: a column in front (the group CSV's setting name). `copy`: empty cells as NULL, which
    COPY writes as nothing, as `csv.writer` writes an empty string (`kiosk.sync.server.csvcopy`)."""
    # Each value is worked out once a row, in a subquery of its own (OFFSET 0 keeps PostgreSQL
    # from folding it into the outer query), and only then neutralised: written inline, the
    # neutralising CASE computed each value twice, in its test and in the branch it took (a
    # device list's subquery among them).
    raw: list[ColumnElement[Any]] = [
        literal_column(_raw(column, zone)).label(f"c{n}") for n, column in enumerate(COLUMNS)
    ]
    values = lateral(select(*raw).offset(0), name="cell")
    cells: list[ColumnElement[Any]] = [
        literal_column(_shown(f"cell.c{n}", column), String) for n, column in enumerate(COLUMNS)
    ]
    if lead is not None:
        cells.insert(0, lead)
    if copy:
        cells = [func.nullif(cell, "") for cell in cells]
    who_on = and_(
        WHO.kiosk_id == RecordEvent.kiosk_id,
        WHO.type == RecordEvent.subject_type,
        WHO.id == RecordEvent.subject_id,
    )
    # The payload is stored as `json` (text, parsed again by every `->`); read as `jsonb` it is
    # parsed once a row, which halved the database's time for a month.
    parsed = select(cast(RecordEvent.payload, JSONB).label("p")).correlate(RecordEvent).offset(0)
    payload = lateral(parsed, name="payload")
    return (
        events.with_only_columns(*cells)
        .select_from(RecordEvent)
        .join(payload, true())
        .outerjoin(WHO, who_on)
        .join(values, true())
        .order_by(RecordEvent.kiosk_id, RecordEvent.seq)
    )
