"""The roll call on the manager's phone: the live board (tick people safe at the assembly point,
several staff at once), its small change stamp the page polls, the printable list as it stood
when the roll call began, ending it, and the inspector's report of every drill (page and CSV).

Each tick and each end is audited. A tick is idempotent (evacuations.add_mark), so two phones
ticking the same person both succeed and count them once."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations.

import csv
import io
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.export_columns import neutralise
from kiosk.sync.server import audit, evacboard, evacuations
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.latevisitors import late_visitors
from kiosk.sync.server.models import EvacuationRow
from kiosk.sync.server.render import HEADERS, TEMPLATES
from kiosk.sync.server.tenancy import Setting
from kiosk.sync.server.web import page, see_other
from kiosk.sync.server.webauth import Access, Invalid, Posted, Viewer

REPORT_HEADER = [
    "started", "drill_or_real", "started_by", "door", "on_the_roll", "all_accounted_after",
    "never_accounted", "ended", "ended_by", "marks",
]  # fmt: skip


def _open_row(engine: Engine, setting: Setting, evacuation_id: str) -> EvacuationRow:
    with Session(engine) as session:
        row = session.get(EvacuationRow, evacuation_id)
    if row is None or row.setting_id != setting.id or row.joined_to is not None:
        raise Invalid("That roll call is not this setting's.")
    if row.ended_at is not None:
        raise Invalid("That roll call has ended; nothing was changed.")
    return row


def _mark(engine: Engine, setting: Setting, posted: Posted) -> None:
    row = _open_row(engine, setting, posted.get("evacuation"))
    who = posted.get("person")
    if who not in {line.person for line in evacboard.board(engine, setting).lines}:
        raise Invalid("That person is not on this setting's list.")
    if evacuations.mark_on_board(engine, row.id, who, posted.viewer.name):
        audit.record_now(engine, posted.viewer.actor, "evacuation_mark", setting.id,
                         evacuation=row.id, person=who)  # fmt: skip


def _end(engine: Engine, setting: Setting, posted: Posted) -> None:
    row = _open_row(engine, setting, posted.get("evacuation"))
    with Session(engine) as session, session.begin():
        evacuations.end(session, row.id, now_text(), posted.viewer.name)
        audit.record(session, posted.viewer.actor, "evacuation_end", setting.id, evacuation=row.id)


def report_rows(drills: list[evacboard.Drill], setting: Setting) -> list[list[str]]:
    """The report's CSV rows; every text cell neutralised against spreadsheet formulas."""
    tz = ZoneInfo(setting.timezone)
    rows = []
    for d in drills:
        ended = evacboard.hhmmss(d.row.ended_at, tz) if d.row.ended_at else "still running"
        cells = [d.started, d.row.mode, d.started_by, d.row.kiosk_id, str(d.on_roll),
                 evacboard.duration(d.all_accounted_after_s), _listed(d.never_accounted),
                 ended, d.row.ended_by or "", _listed(d.marks)]  # fmt: skip
        rows.append([neutralise(cell) for cell in cells])
    return rows


def _listed(parts: list[str]) -> str:
    """Names joined in one cell, each neutralised too: a reader may split the cell on ';'."""
    return "; ".join(neutralise(part) for part in parts)


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def build_evacuation_pages(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager", include_in_schema=False)
    Who = Annotated[Viewer, Depends(access.viewer)]
    Scope = Annotated[Setting, Depends(access.setting)]
    Form = Annotated[Posted, Depends(access.posted)]
    base = "/s/{setting_id}"

    @router.get("/board.js")
    async def script() -> Response:
        text = (TEMPLATES / "board.js").read_text(encoding="utf-8")
        cache = {"Cache-Control": "max-age=3600"}
        return Response(text, media_type="text/javascript", headers=cache)

    @router.get(base + "/evacuation")
    async def board(viewer: Who, setting: Scope) -> Response:
        found = await run_in_threadpool(evacboard.board, engine, setting)
        stamp = await run_in_threadpool(evacboard.version, engine, setting.id)
        late = await run_in_threadpool(late_visitors, engine, setting, datetime.now(UTC))
        return await run_in_threadpool(page, engine, "evacuation.html", viewer, setting=setting,
                                       title="Roll call", board=found, stamp=stamp,
                                       late=late)  # fmt: skip

    @router.get(base + "/evacuation/stamp")
    async def stamp(setting: Scope) -> Response:
        found = await run_in_threadpool(evacboard.version, engine, setting.id)
        return JSONResponse({"stamp": found}, headers=HEADERS)

    @router.post(base + "/evacuation/mark")
    async def mark(posted: Form, setting: Scope) -> Response:
        await run_in_threadpool(_mark, engine, setting, posted)
        return see_other(f"/manager/s/{setting.id}/evacuation")

    @router.post(base + "/evacuation/end")
    async def end(posted: Form, setting: Scope) -> Response:
        await run_in_threadpool(_end, engine, setting, posted)
        return see_other(f"/manager/s/{setting.id}/evacuation")

    @router.get(base + "/evacuation/print")
    async def printable(viewer: Who, setting: Scope) -> Response:
        found = await run_in_threadpool(evacboard.board, engine, setting)
        return await run_in_threadpool(page, engine, "evacuation_print.html", viewer,
                                       setting=setting, title="Roll call list",
                                       board=found)  # fmt: skip

    @router.get(base + "/drills")
    async def report(viewer: Who, setting: Scope) -> Response:
        found = await run_in_threadpool(evacboard.drills, engine, setting)
        rows = report_rows(found, setting)
        return await run_in_threadpool(page, engine, "drills.html", viewer, setting=setting,
                                       title="Fire drills", drills=found, rows=rows)  # fmt: skip

    @router.get(base + "/drills.csv")
    async def report_csv(viewer: Who, setting: Scope) -> Response:
        found = await run_in_threadpool(evacboard.drills, engine, setting)
        await run_in_threadpool(audit.record_now, engine, viewer.actor, "drills_download",
                                setting_id=setting.id)  # fmt: skip
        name = f"fire-drills-{date.today().isoformat()}.csv"
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(_csv(report_rows(found, setting)), media_type="text/csv; charset=utf-8",
                        headers={**HEADERS, **disposition})  # fmt: skip

    return router
