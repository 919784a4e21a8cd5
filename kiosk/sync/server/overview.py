"""The setting's first page, as data for its template: per kiosk of the setting, who is on site
now, which devices are out (who approved, overdue ones marked), visitors (their organisation and
lone working), and the kiosk's own report (events waiting, dead letters with their reasons). Time
zone, closing time and overdue grace are the setting's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, tuple_
from sqlalchemy.orm import Session

from kiosk.domain.state import SiteState
from kiosk.sync.server import queries, sitestate, words
from kiosk.sync.server.csvrows import local_time
from kiosk.sync.server.models import KioskReport, Subject
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
    tz = ZoneInfo(setting.timezone)
    reports = queries.reports(engine, setting.id)
    kiosks = queries.kiosks(engine, setting.id)
    kept = sitestate.current(engine, kiosks)
    views = []
    for kiosk in kiosks:
        state = kept.get(kiosk)
        if state is None:  # no kept state (see sitestate): fold its events, as before
            state = queries.site_state(engine, kiosk)
        view = KioskView(kiosk)
        _fill_people(view, state, _names(engine, kiosk, state), setting, tz)
        _fill_report(view, reports.get(kiosk), tz)
        views.append(view)
    return views
