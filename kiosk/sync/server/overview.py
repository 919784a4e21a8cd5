"""The setting's first page, as data for its template: per kiosk of the setting, who is on site
now, which devices are out (who approved, overdue ones marked), visitors (their organisation and
lone working), and the kiosk's own report (events waiting, dead letters with their reasons). Time
zone, closing time and overdue grace are the setting's own."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, tuple_
from sqlalchemy.orm import Session

from kiosk.domain.names import short_name
from kiosk.domain.state import OpenException, SiteState
from kiosk.domain.types import EventKind, StaffId
from kiosk.sync.server import doors, queries, sitestate, words
from kiosk.sync.server.clock import stored_text
from kiosk.sync.server.csvrows import local_time
from kiosk.sync.server.models import KioskReport, RecordEvent, Subject
from kiosk.sync.server.tenancy import Setting


@dataclass
class KioskView:
    id: str
    staff: list[list[str]] = field(default_factory=list)
    out: list[list[str]] = field(default_factory=list)  # the last cell is "OVERDUE" or ""
    visitors: list[list[str]] = field(default_factory=list)
    # Devices not back at their owner's shift end: open until a manager closes one at the kiosk.
    exceptions: list[list[str]] = field(default_factory=list)
    reported: str = ""
    pending: int = 0
    dead: int = 0
    dead_events: list[list[str]] = field(default_factory=list)


Names = dict[tuple[str, int], Subject]


def _hhmm(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d %b %H:%M") if moment else ""


def _names(engine: Engine, kiosk: str, state: SiteState) -> Names:
    """Only the people on site now (and their approvers), not every name the kiosk ever sent."""
    keys: set[tuple[str, int]] = {("staff", p.staff_id) for p in state.staff.values()}
    keys |= {("staff", d.approver_id) for p in state.staff.values() for d in p.out.values()
             if d.approver_id}  # fmt: skip
    keys |= {("visitor", v.visitor_id) for v in state.visitors.values()}
    keys |= {("staff", x.staff_id) for x in state.exceptions.values()}
    if not keys:
        return {}
    query = select(Subject).where(
        Subject.kiosk_id == kiosk, tuple_(Subject.type, Subject.id).in_(sorted(keys))
    )
    with Session(engine) as session:
        return {(s.type, s.id): s for s in session.scalars(query)}


def _staff_name(names: Names, ident: int | None) -> str:
    found = names.get(("staff", ident or 0))
    return (found.name if found else None) or (f"staff #{ident}" if ident else "")


def _fill_people(
    view: KioskView, state: SiteState, names: Names, setting: Setting, tz: ZoneInfo
) -> None:
    closing = time.fromisoformat(setting.closing_time)
    late = queries.overdue(state, tz, closing, setting.overdue_grace_min)
    for p in state.staff.values():
        name = _staff_name(names, p.staff_id)
        view.staff.append([name, _hhmm(p.started_at, tz), p.locker or "",
                           ", ".join(sorted(p.stored))])  # fmt: skip
        for device, d in sorted(p.out.items()):
            view.out.append([name, device, words.reason(d.reason.value),
                             _staff_name(names, d.approver_id), _hhmm(d.since, tz),
                             _hhmm(d.expected_return, tz),
                             "OVERDUE" if (p.staff_id, device) in late else ""])  # fmt: skip
    for v in state.visitors.values():
        who = names.get(("visitor", v.visitor_id))
        name = (who.name if who else None) or "(erased)"
        org = (who.organisation if who else None) or ""
        lone = "yes" if v.lone_working else "no"
        view.visitors.append([name, v.visitor_type, org, _hhmm(v.arrived_at, tz), lone])
    for x in sorted(state.exceptions.values(), key=lambda x: x.since):
        view.exceptions.append([_staff_name(names, x.staff_id), x.device, _hhmm(x.since, tz),
                                "OPEN"])  # fmt: skip


def _fill_report(view: KioskView, report: KioskReport | None, tz: ZoneInfo) -> None:
    if report is None:
        return
    view.reported = local_time(report.reported_at, tz)
    view.pending, view.dead = report.pending, report.dead
    view.dead_events = [[str(d.get("seq")), words.kind(str(d.get("kind"))), str(d.get("error"))]
                        for d in report.dead_events]  # fmt: skip


def overview(engine: Engine, setting: Setting) -> list[KioskView]:
    """Per kiosk of the setting, who came in by that door and is on site now, wherever they have
    been since (the doors' events merged: kiosk.sync.server.doors)."""
    tz = ZoneInfo(setting.timezone)
    reports = queries.reports(engine, setting.id)
    kiosks = queries.kiosks(engine, setting.id)
    kept = sitestate.current(engine, kiosks)
    with Session(engine) as session:
        merged = doors.on_site(session, setting.id)
    open_exceptions = _open_exceptions(engine, kiosks, kept)
    views = []
    for kiosk in kiosks:
        state = merged.get(kiosk, SiteState())
        if kiosk not in kept:  # events the rules refuse (see sitestate): fold them, as before
            state = queries.site_state(engine, kiosk)
        else:
            state = replace(state, exceptions=open_exceptions.get(kiosk, {}))
        view = KioskView(kiosk)
        _fill_people(view, state, _names(engine, kiosk, state), setting, tz)
        _fill_report(view, reports.get(kiosk), tz)
        views.append(view)
    return views


Exceptions = dict[tuple[StaffId, str], OpenException]


def _open_exceptions(
    engine: Engine, kiosks: list[str], kept: dict[str, SiteState]
) -> dict[str, Exceptions]:
    """Per door, the devices still out when their owner's shift ended there (each door's kept
    state has them: they outlive the shift, which the merged view of who is on site does not
    keep), less those a manager closed at any door of the setting since. Usually there are none,
    and then nothing more is read; else only the closings since the oldest, by the
    (kiosk_id, occurred_at) index."""
    found = {k: dict(state.exceptions) for k, state in kept.items() if state.exceptions}
    if not found:
        return {}
    oldest = min(x.since for exceptions in found.values() for x in exceptions.values())
    query = select(RecordEvent.subject_id, RecordEvent.payload, RecordEvent.occurred_at).where(
        RecordEvent.kiosk_id.in_(kiosks),
        RecordEvent.occurred_at >= stored_text(oldest),
        RecordEvent.kind == EventKind.EXCEPTION_CLOSE.value,
    )
    with Session(engine) as session:
        closings = session.execute(query).all()
    for staff_id, payload, at in closings:
        key = (StaffId(int(staff_id or 0)), str((payload or {}).get("device", "")))
        closed_at = datetime.fromisoformat(at)
        for exceptions in found.values():
            if key in exceptions and exceptions[key].since <= closed_at:
                del exceptions[key]
    return found


def conflict_rows(engine: Engine, setting: Setting) -> list[list[str]]:
    """The setting's conflicts between doors, for the manager: when, which door, who, what and
    why. A visitor is shown by first name and initial only."""
    tz = ZoneInfo(setting.timezone)
    with Session(engine) as session:
        found = doors.conflicts(session, setting.id)
        keys = {(c.kiosk_id, "staff" if c.who.startswith("s:") else "visitor", c.subject_id or 0)
                for c in found}  # fmt: skip
        names = {(s.kiosk_id, s.type, s.id): s for s in _subjects(session, keys)}
    rows = []
    for c in found:
        kind = "staff" if c.who.startswith("s:") else "visitor"
        who = names.get((c.kiosk_id, kind, c.subject_id or 0))
        name = (who.name if who else None) or f"{kind} #{c.subject_id}"
        shown = name if kind == "staff" else short_name(name)
        rows.append([local_time(c.occurred_at, tz), c.kiosk_id, shown, words.kind(c.kind), c.why])
    return rows


def _subjects(session: Session, keys: set[tuple[str, str, int]]) -> list[Subject]:
    if not keys:
        return []
    query = select(Subject).where(tuple_(Subject.kiosk_id, Subject.type, Subject.id).in_(keys))
    return list(session.scalars(query))
