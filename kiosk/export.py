"""The manager's CSV export: one row per event, names resolved, safe to open in Excel.

Rows are streamed from the database in chunks and written as they come, so memory stays flat
however many events there are. The file is written beside its destination, readable only by its
owner, and renamed into place when complete, so a killed export never leaves half a file behind.
Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR) are neutralised with a quote.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, String, func, select, true, type_coerce

from kiosk.store.models import Event, Visitor

CHUNK_ROWS = 5000
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


@dataclass(frozen=True)
class ExportRequest:
    start: date
    end: date  # inclusive
    scope: ExportScope
    destination: Path


def neutralise(cell: str) -> str:
    """Stop a spreadsheet from treating text as a formula (OWASP's advice: prefix a quote)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def utc_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local calendar days [start, end] as a half-open UTC range."""
    lo = datetime.combine(start, time(0), tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)
    return lo.astimezone(UTC), hi.astimezone(UTC)


def _scope_filter(scope: ExportScope) -> ColumnElement[bool]:
    if scope == ExportScope.STAFF:
        return Event.staff_id.is_not(None) | Event.kind.like("badge.%")
    if scope == ExportScope.VISITORS:
        return Event.visitor_id.is_not(None)
    return true()


def _json(key: str) -> Any:
    return func.json_extract(Event.payload, f"$.{key}")


def build_query(request: ExportRequest, tz: ZoneInfo) -> Select[*tuple[Any, ...]]:
    lo, hi = utc_bounds(request.start, request.end, tz)
    occurred = type_coerce(Event.occurred_at, String)  # raw text: no per-row conversion
    return (
        select(
            Event.seq, Event.id, Event.kiosk_id, occurred, Event.clock_synced, Event.kind,
            Event.staff_id, Visitor.visitor_type, Visitor.name, Visitor.organisation,
            Visitor.visiting, _json("devices"), _json("collected"), _json("locker"),
            _json("reason"), _json("approver_id"), _json("expected_return"),
            _json("notice_version"), _json("lone_working"), _json("quiet_space"),
            _json("on_behalf"), _json("recorded_by"), _json("uid"), _json("why"),
        )
        .outerjoin(Visitor, Visitor.id == Event.visitor_id)
        .where(Event.occurred_at >= lo, Event.occurred_at < hi, _scope_filter(request.scope))
        .order_by(Event.seq)
    )  # fmt: skip


class LocalTimes:
    """UTC text to local text; offsets cached per UTC hour (zones change offset on the hour)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz
        self._offsets: dict[str, timedelta] = {}

    def __call__(self, utc_text: str | None) -> str:
        if not utc_text:
            return ""
        moment = datetime.fromisoformat(utc_text)
        hour = utc_text[:13]
        offset = self._offsets.get(hour)
        if offset is None:
            offset = moment.astimezone(self._tz).utcoffset() or timedelta(0)
            self._offsets[hour] = offset
        return (moment + offset).strftime("%Y-%m-%d %H:%M:%S")


def _yes_no(value: Any) -> str:
    return "" if value is None else ("yes" if value in (1, True, "1", "true") else "no")


def _devices(raw: Any, collected: Any) -> str:
    text = raw if raw is not None else collected
    if text is None:
        return ""
    values = json.loads(text) if isinstance(text, str) and text.startswith("[") else [text]
    return "; ".join(str(v) for v in values)


class RowFormatter:
    def __init__(self, staff: dict[int, str], tz: ZoneInfo) -> None:
        self._staff = {sid: neutralise(name) for sid, name in staff.items()}
        self._local = LocalTimes(tz)

    def __call__(self, row: Any) -> list[Any]:
        (seq, eid, kiosk_id, utc, synced, kind, staff_id, vtype, vname, org, visiting,
         devices, collected, locker, reason, approver, due, notice, lone, quiet,
         on_behalf, recorded_by, uid, why) = row  # fmt: skip
        if staff_id is not None:
            person_type, person = "staff", self._staff.get(staff_id, f"#{staff_id}")
        elif vtype is not None:
            person_type, person = vtype, neutralise(vname) if vname else "(erased)"
        else:
            person_type, person = "", ""
        detail = " ".join(
            x for x in (f"uid={uid}" if uid else "", f"why={why}" if why else "") if x
        )
        return [
            seq, eid, kiosk_id, utc, self._local(utc), _yes_no(synced), kind, person_type, person,
            neutralise(org or ""), neutralise(visiting or ""), _devices(devices, collected),
            neutralise(str(locker)) if locker is not None else "", reason or "",
            self._staff.get(approver, "") if approver is not None else "",
            self._local(due), notice or "", _yes_no(lone), neutralise(quiet or ""),
            _yes_no(on_behalf), neutralise(str(recorded_by or "")), detail,
        ]  # fmt: skip


def _open_private(path: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def write_csv(
    destination: Path,
    rows: Iterable[list[Any]],
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write rows to a private temporary file, then move it into place; returns the row count."""
    partial = destination.with_name(f".{destination.name}.partial")
    count = 0
    try:
        with os.fdopen(_open_private(partial), "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for row in rows:
                writer.writerow(row)
                count += 1
                if on_progress is not None and count % CHUNK_ROWS == 0:
                    on_progress(count)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return count
