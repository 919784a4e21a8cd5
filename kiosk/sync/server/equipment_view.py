"""The setting's own cameras and tablets as the manager reads them: who has which now (overdue
ones marked: not back by closing, or out with someone whose shift has ended), and each piece's
history, on the page and as CSV. Read from the `equipment.*` events of the setting's kiosks,
folded by the kiosk's own rules; names are the kiosks' subjects, as on the events page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.domain.equipment import PURPOSE_LABELS, EquipmentOut, Purpose, find_late, fold_equipment
from kiosk.domain.types import EventKind, StaffId
from kiosk.export_columns import neutralise
from kiosk.sync.server import queries, sitestate
from kiosk.sync.server.csvrows import People, local_time
from kiosk.sync.server.dated_view import DATED, dated_fact, shown_time
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.tenancy import Setting

KINDS = (EventKind.EQUIPMENT_OUT.value, EventKind.EQUIPMENT_IN.value)
HISTORY_HEADER = ["time_local", "kiosk_id", "what", "equipment", "equipment_kind", "person",
                  "purpose", "returned_by"]  # fmt: skip


@dataclass(frozen=True)
class OutNow:
    label: str
    kind: str
    holder: str
    purpose: str
    since: str
    late: str


def _events(session: Session, setting_id: int) -> list[RecordEvent]:
    query = (
        select(RecordEvent)
        .where(RecordEvent.kiosk_id.in_(queries.kiosks_of(setting_id)), RecordEvent.kind.in_(KINDS))
        # By the time the console dates them: a camera signed out while the kiosk's clock was
        # not set is out since then, not since 1970.
        .order_by(RecordEvent.dated_at, RecordEvent.kiosk_id, RecordEvent.seq)
        .options(*DATED)
    )
    return list(session.scalars(query))


def _purpose(value: object) -> str:
    try:
        return PURPOSE_LABELS[Purpose(str(value))]
    except ValueError:
        return str(value or "")


def read(engine: Engine, setting: Setting) -> tuple[list[OutNow], list[list[str]]]:
    """Who has which now, and the history (newest first), for the page."""
    tz = ZoneInfo(setting.timezone)
    with Session(engine) as session:
        events = _events(session, setting.id)
        names = queries.people_for(session, events)
    holders: dict[
        int, str
    ] = {}  # equipment id -> the kiosk whose event signed it out (staff ids are per kiosk)
    for e in events:
        holders[int((e.payload or {}).get("equipment_id", 0))] = e.kiosk_id
    out = fold_equipment(dated_fact(e) for e in events)
    late = _late(engine, setting, out, holders)
    rows = []
    for ident, o in sorted(out.items(), key=lambda item: item[1].since):
        holder = queries.name_of(names, holders[ident], "staff", o.staff_id)
        rows.append(OutNow(o.label, _kind(events, o), holder, _purpose(o.purpose.value),
                           local_time(o.since.isoformat(), tz), late.get(ident, "")))  # fmt: skip
    history = [history_row(e, names, tz) for e in reversed(events)]
    return rows, history


def _kind(events: list[RecordEvent], out: EquipmentOut) -> str:
    for e in reversed(events):
        if (e.payload or {}).get("equipment_id") == out.equipment_id:
            return str((e.payload or {}).get("equipment_kind", ""))
    return ""


def _late(
    engine: Engine, setting: Setting, out: dict[int, EquipmentOut], holders: dict[int, str]
) -> dict[int, str]:
    kiosks = sorted(set(holders.values()))
    states = sitestate.current(engine, kiosks)
    closing = time.fromisoformat(setting.closing_time)
    grace = timedelta(minutes=setting.overdue_grace_min)
    found: dict[int, str] = {}
    for kiosk in kiosks:
        state = states.get(kiosk) or queries.site_state(engine, kiosk)
        mine = {i: o for i, o in out.items() if holders[i] == kiosk}
        on_shift = {StaffId(s) for s in state.staff}
        for x in find_late(mine, on_shift, datetime.now(UTC), closing=closing, grace=grace,
                           tz=ZoneInfo(setting.timezone)):  # fmt: skip
            found[x.out.equipment_id] = f"OVERDUE: {x.why}"
    return found


def history_row(e: RecordEvent, names: People, tz: ZoneInfo) -> list[str]:
    p = e.payload or {}
    returned = p.get("returned_by")
    by = queries.name_of(names, e.kiosk_id, "staff", returned) if isinstance(returned, int) else ""
    person = queries.name_of(names, e.kiosk_id, "staff", e.subject_id or 0)
    what = "Signed out" if e.kind == EventKind.EQUIPMENT_OUT else "Signed back in"
    return [shown_time(e, tz), e.kiosk_id, what, str(p.get("equipment", "")),
            str(p.get("equipment_kind", "")), person, _purpose(p.get("purpose")), by]  # fmt: skip


def history_csv(engine: Engine, setting: Setting) -> Iterator[str]:
    """Every kept equipment event of the setting, oldest first; text made safe for spreadsheets."""
    tz = ZoneInfo(setting.timezone)
    with Session(engine) as session:
        events = _events(session, setting.id)
        names = queries.people_for(session, events)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HISTORY_HEADER)
    for e in events:
        writer.writerow([neutralise(cell) for cell in history_row(e, names, tz)])
    yield buffer.getvalue()
