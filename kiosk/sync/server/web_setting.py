"""One setting's reading pages: who is on site now, events with filters a page at a time, and the
CSV of the filtered events (each download recorded in the audit). The setting comes from the
`Access.setting` dependency, so a page of a setting the account may not use is a 404."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations, which
# name aliases local to the builder function.

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from kiosk.sync.server import audit, csvrows, dated_view, filters, queries, words
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.overview import conflict_rows, overview
from kiosk.sync.server.render import HEADERS
from kiosk.sync.server.tenancy import Setting
from kiosk.sync.server.web import page
from kiosk.sync.server.webauth import Access, Viewer


def page_number(request: Request) -> int:
    text = request.query_params.get("page", "1")
    return int(text) if text.isdigit() and 0 < len(text) < 6 and int(text) > 0 else 1


def query_string(raw: dict[str, str]) -> str:
    from urllib.parse import urlencode

    kept = {k: v for k, v in raw.items() if v}
    return "?" + urlencode(kept) if kept else ""


def build_setting_pages(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager/s/{setting_id}", include_in_schema=False)
    Who = Annotated[Viewer, Depends(access.viewer)]
    Scope = Annotated[Setting, Depends(access.setting)]

    @router.get("")
    async def onsite(viewer: Who, setting: Scope) -> Response:
        kiosks = await run_in_threadpool(overview, engine, setting)
        clashes = await run_in_threadpool(conflict_rows, engine, setting)
        return await run_in_threadpool(page, engine, "onsite.html", viewer, setting=setting,
                                       title="On site", kiosks=kiosks,
                                       conflicts=clashes)  # fmt: skip

    @router.get("/events")
    async def events(request: Request, viewer: Who, setting: Scope) -> Response:
        asked = filters.parse(request.query_params)
        context = await run_in_threadpool(
            _events_context, engine, setting, asked, page_number(request)
        )
        return await run_in_threadpool(page, engine, "events.html", viewer,
                                       400 if asked.problems else 200, setting=setting,
                                       title="Events", **context)  # fmt: skip

    @router.get("/events.csv")
    async def export(request: Request, viewer: Who, setting: Scope) -> Response:
        asked = filters.parse(request.query_params)
        if asked.problems:  # the page says why, before a download starts: a stream cannot
            return await events(request, viewer, setting)
        found, raw = asked.filters, asked.raw
        tz = ZoneInfo(setting.timezone)
        used = {k: v for k, v in raw.items() if v}
        await run_in_threadpool(audit.record_now, engine, viewer.actor, "csv_download",
                                setting_id=setting.id, filters=used)  # fmt: skip
        rows = queries.csv_rows(engine, setting.id, found, tz)
        name = f"records-{date.today().isoformat()}.csv"
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(
            csvrows.stream(rows), media_type="text/csv; charset=utf-8",
            headers={**HEADERS, **disposition},
        )  # fmt: skip

    return router


def _events_context(
    engine: Engine, setting: Setting, asked: filters.Parsed, page_no: int
) -> dict[str, Any]:
    tz = ZoneInfo(setting.timezone)
    raw = asked.raw
    rows: list[RecordEvent] = []
    names: csvrows.People = {}
    more = False
    if not asked.problems:
        rows, names, more = queries.event_page(engine, setting.id, asked.filters, tz, page_no)
    kiosks = queries.kiosks(engine, setting.id)
    base = f"/manager/s/{setting.id}/events" + query_string(raw)
    return {
        "raw": raw,
        "problems": asked.problems,
        "rows": [_row(e, names, tz) for e in rows],
        "kiosk_choices": [(k, k) for k in kiosks],
        "kind_choices": words.kind_choices(),
        "export_link": f"/manager/s/{setting.id}/events.csv" + query_string(raw),
        "page_base": base + ("&" if "?" in base else "?"),
        "page": page_no,
        "more": more,
    }


def _row(e: RecordEvent, names: csvrows.People, tz: ZoneInfo) -> list[str]:
    who = ""
    if e.subject_type is not None and e.subject_id is not None:
        who = queries.name_of(names, e.kiosk_id, e.subject_type, e.subject_id)
    return [dated_view.shown_time(e, tz), e.kiosk_id, words.kind(e.kind), who,
            detail(e, names)]  # fmt: skip


def detail(e: RecordEvent, names: csvrows.People) -> str:
    """The facts a manager reads in a row: devices, locker, the exception and who approved it,
    a visitor's organisation and lone working, an unknown badge's UID."""
    p, parts = e.payload or {}, []
    for key, label in (("devices", "devices"), ("collected", "collected"), ("device", "device"),
                       ("locker", "locker"), ("uid", "badge"), ("why", "why")):  # fmt: skip
        if p.get(key):
            parts.append(f"{label}: {words.devices(p[key])}")
    if p.get("reason"):
        parts.append(f"reason: {words.reason(p['reason'])}")
    approver = p.get("approver_id")
    if isinstance(approver, int) and not isinstance(approver, bool):
        parts.append("approved by " + queries.name_of(names, e.kiosk_id, "staff", approver))
    if e.kind == "visitor.in":
        who = names.get((e.kiosk_id, "visitor", e.subject_id or 0), {})
        if who.get("organisation"):
            parts.append(f"from {who['organisation']}")
        parts.append("lone working: " + ("yes" if p.get("lone_working") else "no"))
    return "; ".join(parts)
