"""The manager's first page: per kiosk, who is on site now, which devices are out (overdue ones
marked), visitors, and the kiosk's own report (events waiting, dead letters with their reasons)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.domain.state import SiteState
from kiosk.sync.server import pages, queries
from kiosk.sync.server.csvrows import People, local_time
from kiosk.sync.server.models import KioskReport


def _hhmm(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d %b %H:%M") if moment else ""


def _staff(
    kiosk: str, state: SiteState, names: People, tz: ZoneInfo, late: set[tuple[int, str]]
) -> str:
    rows = [
        [queries.name_of(names, kiosk, "staff", p.staff_id), _hhmm(p.started_at, tz),
         p.locker or "", ", ".join(sorted(p.stored))]
        for p in state.staff.values()
    ]  # fmt: skip
    out = [
        [queries.name_of(names, kiosk, "staff", p.staff_id), device, d.reason.value,
         _hhmm(d.since, tz), _hhmm(d.expected_return, tz),
         "<!<span class=\"late\">OVERDUE</span>" if (p.staff_id, device) in late else ""]
        for p in state.staff.values() for device, d in sorted(p.out.items())
    ]  # fmt: skip
    return (
        "<h3>Staff on site</h3>"
        + pages.table(["Name", "Since", "Locker", "Stored"], rows, empty="No staff on site.")
        + "<h3>Devices out</h3>"
        + pages.table(["Name", "Device", "Reason", "Since", "Due back", ""], out, empty="None out.")
    )


def _visitors(kiosk: str, state: SiteState, names: People, tz: ZoneInfo) -> str:
    rows = []
    for v in state.visitors.values():
        who = names.get((kiosk, "visitor", v.visitor_id), {})
        rows.append([str(who.get("name") or "(erased)"), v.visitor_type,
                     str(who.get("organisation") or ""), _hhmm(v.arrived_at, tz),
                     "yes" if v.lone_working else "no"])  # fmt: skip
    headers = ["Name", "Type", "Organisation", "Since", "Lone working"]
    return "<h3>Visitors</h3>" + pages.table(headers, rows, empty="No visitors on site.")


def _report(report: KioskReport | None, tz: ZoneInfo) -> str:
    if report is None:
        return "<p>This kiosk has not reported its queue yet.</p>"
    dead = [
        [str(d.get("seq")), str(d.get("kind")), str(d.get("error"))] for d in report.dead_events
    ]
    return (
        f"<p>Reported {pages.escape(local_time(report.reported_at, tz))}: "
        f'{report.pending} waiting to send, <strong class="dead-count">{report.dead}</strong> '
        "refused (dead letters).</p>"
        + pages.table(["Seq", "Kind", "Why refused"], dead, empty="No dead letters.")
    )


def overview(engine: Engine, tz: ZoneInfo, settings: object) -> str:
    closing = time.fromisoformat(str(getattr(settings, "closing_time", "18:30")))
    kiosks = queries.kiosks(engine)
    reports = queries.reports(engine)
    with Session(engine) as session:
        names = queries.people(session)
    parts = ["<h1>On site now</h1>"]
    if not kiosks:
        parts.append("<p>No kiosk has sent anything yet.</p>")
    for kiosk in kiosks:
        state = queries.site_state(engine, kiosk)
        late = queries.overdue(state, tz, closing)
        parts.append(
            f'<section class="card" id="kiosk-{pages.escape(kiosk)}"><h2>{pages.escape(kiosk)}</h2>'
            + _staff(kiosk, state, names, tz, late) + _visitors(kiosk, state, names, tz)
            + _report(reports.get(kiosk), tz) + "</section>"
        )  # fmt: skip
    return "".join(parts)
