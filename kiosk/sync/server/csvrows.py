"""The manager's CSV from the records service: the same columns (`kiosk.export.HEADER`) and the
same protection against spreadsheet formulas (`neutralise`) as `kiosk export` on the kiosk, built
in Python because the service's database may be PostgreSQL rather than SQLite."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.export import HEADER, neutralise
from kiosk.sync.server.models import RecordEvent

STAFF_ACTIONS = {"shift.start", "shift.end", "device.out", "device.in"}
BADGES = {"badge.unknown", "badge.refused", "admin.badge_enrol", "admin.badge_revoke"}
People = dict[tuple[str, str, int], dict[str, Any]]


def local_time(text: Any, tz: ZoneInfo) -> str:
    if not isinstance(text, str):
        return ""
    try:
        return datetime.fromisoformat(text).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ""


def _yes_no(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "") if isinstance(value, bool) else ""


def _devices(kind: str, p: dict[str, Any]) -> str:
    value = {"shift.start": p.get("devices"), "shift.end": p.get("collected")}.get(kind)
    if kind in ("device.out", "device.in"):
        value = p.get("device")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value) if value else ""


def _person(e: RecordEvent, people: People) -> dict[str, Any]:
    if e.subject_type is None or e.subject_id is None:
        return {}
    return people.get((e.kiosk_id, e.subject_type, e.subject_id), {})


def row(e: RecordEvent, people: People, tz: ZoneInfo) -> list[str]:
    p, who = e.payload or {}, _person(e, people)
    name = who.get("name") or ("(erased)" if e.subject_type == "visitor" else "")
    approver = people.get((e.kiosk_id, "staff", p.get("approver_id") or 0), {})
    visit = e.kind == "visitor.in"
    detail = ""
    if e.kind in BADGES:
        detail = " ".join(f"{k}={p[k]}" for k in ("uid", "why") if p.get(k) is not None)
    person_type = "staff" if e.subject_type == "staff" else str(who.get("visitor_type") or "")
    cells = [
        str(e.seq), e.id, e.kiosk_id, e.occurred_at, local_time(e.occurred_at, tz),
        _yes_no(e.clock_synced), e.kind, person_type, neutralise(name),
        neutralise(str(who.get("organisation") or "")), neutralise(str(who.get("visiting") or "")),
        _devices(e.kind, p), str(p.get("locker") or "") if e.kind in STAFF_ACTIONS else "",
        str(p.get("reason") or "") if e.kind == "device.out" else "",
        neutralise(str(approver.get("name") or "")),
        local_time(p.get("expected_return"), tz) if e.kind == "device.out" else "",
        str(p.get("notice_version") or "") if visit else "",
        _yes_no(p.get("lone_working")) if visit else "",
        neutralise(str(p.get("quiet_space") or "")) if visit else "",
        _yes_no(p.get("on_behalf")), neutralise(str(p.get("recorded_by") or "")), detail,
    ]  # fmt: skip
    return cells


def stream(rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text in chunks: the header, then the rows, never the whole file in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n, cells in enumerate(rows, 1):
        writer.writerow(cells)
        if n % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
