"""The manager's CSV export: one row per event, names resolved, safe to open in Excel.

The whole row is built by one SQL query (names joined, local time computed from the zone's offset
changes, spreadsheet-formula text neutralised, lists joined), so Python only streams the database's
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

CHUNK_ROWS = 5000
# Cells a spreadsheet would run as a formula (OWASP's list): such text gets a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER = [
    "seq", "event_id", "kiosk_id", "time_utc", "time_local", "clock_synced", "kind",
    "person_type", "person", "organisation", "visiting", "devices", "locker", "reason",
    "approver", "expected_return_local", "notice_version", "lone_working", "quiet_space_shown",
    "on_behalf", "recorded_by", "detail",
]  # fmt: skip


class ExportScope(StrEnum):
    STAFF = "staff"
    VISITORS = "visitors"
    ALL = "all"


SCOPE_SQL = {
    ExportScope.STAFF: "(e.staff_id IS NOT NULL OR e.kind LIKE 'badge.%')",
    ExportScope.VISITORS: "e.visitor_id IS NOT NULL",
    ExportScope.ALL: "1",
}


@dataclass(frozen=True)
class ExportRequest:
    start: date
    end: date  # inclusive
    scope: ExportScope
    destination: Path


def neutralise(cell: str) -> str:
    """Python twin of `_safe` below, for exports built outside SQLite."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


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
    starts = "'=', '+', '-', '@', char(9), char(13)"
    return f"CASE WHEN substr({expr}, 1, 1) IN ({starts}) THEN '''' || {expr} ELSE {expr} END"


def _yes_no(expr: str) -> str:
    return f"CASE {expr} WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE '' END"


def _when(kinds: str, key: str) -> str:
    """A payload field, read only for the kinds that carry it (each read parses the JSON)."""
    return f"CASE WHEN e.kind IN ({kinds}) THEN json_extract(e.payload, '$.{key}') END"


STAFF_ACTIONS = "'shift.start', 'shift.end', 'device.out', 'device.in'"
# Few events are recorded on someone's behalf: a plain substring test (no JSON parse) skips
# the rest, which matters at a million rows.
ON_BEHALF = (
    "CASE WHEN instr(e.payload, '\"on_behalf\"') THEN json_extract(e.payload, '$.on_behalf') END"
)
RECORDED_BY = (
    "CASE WHEN instr(e.payload, '\"recorded_by\"') "
    "THEN json_extract(e.payload, '$.recorded_by') END"
)
# Kinds whose payload says which badge or why something was refused.
DETAILED = (
    "'badge.unknown', 'badge.refused', 'admin.badge_enrol', 'admin.badge_revoke', "
    "'approval.refused'"
)
# Device kinds and locker ids are identifiers the config checks (letters, digits, - and _), so
# they are written as they are; free text typed by people goes through _safe.
DEVICES = (
    "CASE e.kind WHEN 'shift.start' THEN json_extract(e.payload, '$.devices') "
    "WHEN 'shift.end' THEN json_extract(e.payload, '$.collected') "
    "WHEN 'device.out' THEN json_extract(e.payload, '$.device') "
    "WHEN 'device.in' THEN json_extract(e.payload, '$.device') END"
)
DEVICE_LIST = (
    f"coalesce(nullif(replace(replace(replace(replace({DEVICES}, '[\"', ''), '\"]', ''), "
    "'\",\"', '; '), '[]', ''), ''), '')"
)


def export_sql(
    request: ExportRequest, tz: ZoneInfo, data_span: tuple[datetime, datetime] | None = None
) -> tuple[str, dict[str, str]]:
    """The one query that produces every CSV row, and its parameters.

    `data_span` (first and last event time in the range), when known, keeps the local-time CASE
    to the offset changes that can matter: a ten-year range of a month's data needs one or two.
    """
    lo, hi = utc_bounds(request.start, request.end, tz)
    first, last = data_span or (lo, hi)
    # Expected-return times may lie up to a day after the last event.
    changes = offset_changes(
        tz, max(lo, first) - timedelta(days=1), min(hi, last) + timedelta(days=2)
    )
    due = _when("'device.out'", "expected_return")
    person = (
        "CASE WHEN e.staff_id IS NOT NULL THEN s.name "
        "WHEN v.id IS NOT NULL THEN coalesce(v.name, '(erased)') ELSE '' END"
    )
    detail = (
        f"CASE WHEN e.kind IN ({DETAILED}) THEN trim("
        "coalesce('uid=' || json_extract(e.payload, '$.uid'), '') || ' ' || "
        "coalesce('why=' || json_extract(e.payload, '$.why'), '')) ELSE '' END"
    )
    out, visit = "'device.out'", "'visitor.in'"
    columns = [
        "e.seq", "e.id", "e.kiosk_id", "e.occurred_at", _local("e.occurred_at", changes),
        _yes_no("e.clock_synced"), "e.kind",
        "CASE WHEN e.staff_id IS NOT NULL THEN 'staff' ELSE coalesce(v.visitor_type, '') END",
        _safe(person), _safe("coalesce(v.organisation, '')"), _safe("coalesce(v.visiting, '')"),
        DEVICE_LIST, f"coalesce({_when(STAFF_ACTIONS, 'locker')}, '')",
        f"coalesce({_when(out, 'reason')}, '')", _safe("coalesce(a.name, '')"),
        f"CASE WHEN e.kind = 'device.out' THEN {_local(due, changes)} ELSE '' END",
        f"coalesce({_when(visit, 'notice_version')}, '')",
        _yes_no(_when(visit, "lone_working")),
        _safe(f"coalesce({_when(visit, 'quiet_space')}, '')"),
        _yes_no(ON_BEHALF), _safe(f"coalesce({RECORDED_BY}, '')"), detail,
    ]  # fmt: skip
    sql = (
        f"SELECT {', '.join(columns)} FROM events AS e "  # noqa: S608 - no user text in the SQL
        "LEFT JOIN staff AS s ON s.id = e.staff_id "
        "LEFT JOIN visitors AS v ON v.id = e.visitor_id "
        "LEFT JOIN staff AS a ON e.kind = 'device.out' "
        "AND a.id = json_extract(e.payload, '$.approver_id') "
        f"WHERE e.occurred_at >= :lo AND e.occurred_at < :hi AND {SCOPE_SQL[request.scope]} "
        "ORDER BY e.seq"
    )
    return sql, {"lo": utc_text(lo), "hi": utc_text(hi)}


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
