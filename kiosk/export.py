"""The manager's CSV export: one row per event, names resolved, safe to open in Excel.

The whole row is built by one SQL query derived from the column table in `kiosk.export_columns`
(names joined, local time computed from the zone's offset changes, spreadsheet-formula text
neutralised, lists joined), so Python only streams the database's
rows into the csv module in chunks: memory stays flat and the export runs near the speed of the
database itself. The file is written beside its destination, readable only by its owner, and
renamed into place when complete, so a killed export never leaves half a file behind.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.export_columns import (
    COLUMNS,
    DETAIL_KEYS,
    DEVICE_KEYS,
    FORMULA_STARTS,
    HEADER,
    Column,
    Source,
)

CHUNK_ROWS = 5000


class ExportScope(StrEnum):
    STAFF = "staff"
    VISITORS = "visitors"
    ALL = "all"


SCOPE_SQL = {
    ExportScope.STAFF: "(e.staff_id IS NOT NULL OR e.kind LIKE 'badge.%')",
    ExportScope.VISITORS: "e.visitor_id IS NOT NULL",
    ExportScope.ALL: "1",
}


# An event stamped while the clock was not synchronised ("1970") is also in a date range by the time
# it really happened: a later synchronised event of the same boot, less the monotonic time
# between them; else a later synchronised event of any boot (it happened before that); else, with
# nothing better known, its stored time. The
# stored time is still what the row shows, with clock_synced "no" (kiosk.domain.times).
_RIGHT_TIME = (
    "coalesce((SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', s.occurred_at, "
    "printf('%+.6f seconds', (u.mono_ns - s.mono_ns) / 1e9)) FROM events AS s "
    "WHERE s.kiosk_id = u.kiosk_id AND s.seq > u.seq AND s.boot_id = u.boot_id "
    "AND s.clock_synced ORDER BY s.seq LIMIT 1), "
    "(SELECT s.occurred_at FROM events AS s WHERE s.kiosk_id = u.kiosk_id AND s.seq > u.seq "
    "AND s.clock_synced ORDER BY s.seq LIMIT 1), u.occurred_at)"
)
# Synchronised events through ix_events_occurred; the few others through ix_events_unsynced.
# The range's events by their stored time (through ix_events_occurred: the query as it always
# was), then the few stamped by an unset clock whose stored time is outside the range but whose
# right time is inside (through ix_events_unsynced). Such an event is in both its stored day's
# export and its real day's: leaving it out of "1970" would cost every export a filter.
UNSYNCED_IN_RANGE = (
    "e.rowid IN (SELECT u.rowid FROM events AS u WHERE u.clock_synced = 0 "  # noqa: S608
    "AND NOT (u.occurred_at >= :lo AND u.occurred_at < :hi) "
    f"AND {_RIGHT_TIME} >= :lo AND {_RIGHT_TIME} < :hi)"
)


@dataclass(frozen=True)
class ExportRequest:
    start: date
    end: date  # inclusive
    scope: ExportScope
    destination: Path


def utc_text(moment: datetime) -> str:
    """The stored form of a time, so that text comparison in SQL is time comparison."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def utc_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local calendar days [start, end] as a half-open UTC range."""
    lo = datetime.combine(start, time(0), tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)
    return lo.astimezone(UTC), hi.astimezone(UTC)


def offset_changes(tz: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[datetime, int]]:
    """(from when, UTC offset in seconds) for every offset the zone has between lo and hi."""

    def offset(at: int) -> int:
        moment = datetime.fromtimestamp(at, UTC).astimezone(tz)
        return int((moment.utcoffset() or timedelta(0)).total_seconds())

    start, end = int(lo.timestamp()), int(hi.timestamp())
    changes = [(start, offset(start))]
    for day in range(start, end, 86400):
        nxt = min(day + 86400, end)
        if offset(nxt) != changes[-1][1]:
            a, b = day, nxt  # bisect to the first second of the new offset
            while b - a > 1:
                mid = (a + b) // 2
                a, b = (mid, b) if offset(mid) == changes[-1][1] else (a, mid)
            changes.append((b, offset(b)))
    return [(datetime.fromtimestamp(at, UTC), secs) for at, secs in changes]


def _local(expr: str, changes: list[tuple[datetime, int]]) -> str:
    whens = " ".join(
        f"WHEN {expr} < '{utc_text(until)}' THEN '{secs:+d} seconds'"
        for (_, secs), (until, _) in pairwise(changes)
    )
    last = f"'{changes[-1][1]:+d} seconds'"
    modifier = f"CASE {whens} ELSE {last} END" if whens else last
    return f"strftime('%Y-%m-%d %H:%M:%S', {expr}, {modifier})"


def _safe(expr: str) -> str:
    """SQL twin of `neutralise`: the same FORMULA_STARTS, as SQLite characters."""
    starts = ", ".join(f"char({ord(c)})" for c in FORMULA_STARTS)
    return f"CASE WHEN substr({expr}, 1, 1) IN ({starts}) THEN '''' || {expr} ELSE {expr} END"


def _yes_no(expr: str) -> str:
    return f"CASE {expr} WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE '' END"


def _kinds(kinds: tuple[str, ...]) -> str:
    return ", ".join(f"'{kind}'" for kind in kinds)


def _payload(column: Column) -> str:
    """A payload field, read only for the kinds that carry it (each read parses the JSON)."""
    extract = f"json_extract(e.payload, '$.{column.key}')"
    if column.kinds:
        return f"CASE WHEN e.kind IN ({_kinds(column.kinds)}) THEN {extract} END"
    # A key most events lack: a plain substring test (no JSON parse) skips the rest, which
    # matters at a million rows.
    return f"CASE WHEN instr(e.payload, '\"{column.key}\"') THEN {extract} END"


def _devices() -> str:
    """The devices an event is about: a list joined with "; ", or the one device it names."""
    whens = " ".join(f"WHEN '{kind}' THEN '$.{key}'" for kind, key in DEVICE_KEYS.items())
    listed = f"SELECT group_concat(value, '; ') FROM json_each(e.payload, CASE e.kind {whens} END)"  # noqa: S608
    return f"coalesce(({listed}), '')"


def _payload_list(column: Column) -> str:
    listed = f"SELECT group_concat(value, '; ') FROM json_each(e.payload, '$.{column.key}')"  # noqa: S608
    return f"CASE WHEN e.kind IN ({_kinds(column.kinds)}) THEN coalesce(({listed}), '') ELSE '' END"


def _detail(column: Column) -> str:
    parts = " || ' ' || ".join(
        f"coalesce('{key}=' || json_extract(e.payload, '$.{key}'), '')" for key in DETAIL_KEYS
    )
    return f"CASE WHEN e.kind IN ({_kinds(column.kinds)}) THEN trim({parts}) ELSE '' END"


PERSON_TYPE_SQL = (
    "CASE WHEN e.staff_id IS NOT NULL THEN 'staff' ELSE coalesce(v.visitor_type, '') END"
)
PERSON_SQL = (
    "CASE WHEN e.staff_id IS NOT NULL THEN s.name "
    "WHEN v.id IS NOT NULL THEN coalesce(v.name, '(erased)') ELSE '' END"
)


def _payload_value(column: Column) -> str:
    if column.source is Source.PAYLOAD_LIST:
        return _payload_list(column)
    if column.source is Source.PAYLOAD_YES_NO:
        return _yes_no(_payload(column))
    return f"coalesce({_payload(column)}, '')"


def _sql_value(column: Column, changes: list[tuple[datetime, int]]) -> str:  # noqa: PLR0911
    """The SQL for one column's value, from its definition in `kiosk.export_columns`."""
    match column.source:
        case Source.EVENT:
            return f"e.{column.key}"
        case Source.LOCAL_TIME:
            return _local("e.occurred_at", changes)
        case Source.SYNCED:
            return _yes_no("e.clock_synced")
        case Source.PERSON_TYPE:
            return PERSON_TYPE_SQL
        case Source.PERSON:
            return PERSON_SQL
        case Source.VISITOR:
            return f"coalesce(v.{column.key}, '')"
        case Source.DEVICES:
            return _devices()
        case Source.APPROVER:
            return "coalesce(a.name, '')"  # joined in export_sql
        case Source.PAYLOAD | Source.PAYLOAD_LIST | Source.PAYLOAD_YES_NO:
            return _payload_value(column)
        case Source.PAYLOAD_LOCAL_TIME:
            return f"coalesce({_local(_payload(column), changes)}, '')"
        case Source.DETAIL:
            return _detail(column)


def _sql_cell(column: Column, changes: list[tuple[datetime, int]]) -> str:
    value = _sql_value(column, changes)
    return _safe(value) if column.neutralised else value


def _approver_join() -> str:
    (column,) = (c for c in COLUMNS if c.source is Source.APPROVER)
    return (
        f"LEFT JOIN staff AS a ON e.kind IN ({_kinds(column.kinds)}) "
        f"AND a.id = json_extract(e.payload, '$.{column.key}') "
    )


def export_sql(
    request: ExportRequest,
    tz: ZoneInfo,
    data_span: tuple[datetime, datetime] | None = None,
    unsynced_span: tuple[datetime, datetime] | None = None,
) -> tuple[str, dict[str, str]]:
    """The one query that produces every CSV row, and its parameters.

    `data_span` (first and last event time in the range), when known, keeps the local-time CASE
    to the offset changes that can matter: a ten-year range of a month's data needs one or two.
    `unsynced_span` does the same for the rows an unset clock stamped (their stored times, which
    may be years away from the range: a Pi that booted without the time says 1970), so their
    local time is the zone's offset at their stored time, as the records service writes it.
    """
    lo, hi = utc_bounds(request.start, request.end, tz)
    first, last = data_span or (lo, hi)
    scope = SCOPE_SQL[request.scope]
    in_range = _rows_sql(_changes_around(tz, max(lo, first), min(hi, last)))
    unsynced_first, unsynced_last = unsynced_span or (lo, hi)
    unsynced = _rows_sql(_changes_around(tz, unsynced_first, unsynced_last))
    sql = (
        f"{in_range} WHERE e.occurred_at >= :lo AND e.occurred_at < :hi AND {scope} "
        f"UNION ALL {unsynced} WHERE {UNSYNCED_IN_RANGE} AND {scope} "
        "ORDER BY 1"  # the first column is e.seq
    )
    return sql, {"lo": utc_text(lo), "hi": utc_text(hi)}


def _changes_around(tz: ZoneInfo, first: datetime, last: datetime) -> list[tuple[datetime, int]]:
    # Expected-return times may lie up to a day after the last event.
    return offset_changes(tz, first - timedelta(days=1), last + timedelta(days=2))


def _rows_sql(changes: list[tuple[datetime, int]]) -> str:
    columns = ", ".join(_sql_cell(column, changes) for column in COLUMNS)
    return (
        f"SELECT {columns} FROM events AS e "  # noqa: S608 - no user text in the SQL
        "LEFT JOIN staff AS s ON s.id = e.staff_id "
        "LEFT JOIN visitors AS v ON v.id = e.visitor_id "
        f"{_approver_join()}"
    )


def _open_private(path: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def write_csv(
    destination: Path,
    chunks: Iterable[list[Any]],
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write chunks of rows to a private temporary file, then move it into place; returns rows."""
    partial = destination.with_name(f".{destination.name}.partial")
    count = 0
    try:
        with os.fdopen(_open_private(partial), "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for chunk in chunks:
                writer.writerows(chunk)
                count += len(chunk)
                if on_progress is not None:
                    on_progress(count)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return count
