"""A setting's privacy pages on the console: the notice's values, the printable notice, and a
subject access request answered as one text file (each download audited, without the name)."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations.

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.domain.privacy_notice import notice
from kiosk.domain.subject_access import render
from kiosk.sync.server import audit, setting_admin, subject_access
from kiosk.sync.server.render import HEADERS
from kiosk.sync.server.tenancy import Setting
from kiosk.sync.server.web import page, see_other
from kiosk.sync.server.web_staff import in_transaction
from kiosk.sync.server.webauth import Access, Posted, Viewer


def build_privacy_pages(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager/s/{setting_id}", include_in_schema=False)
    Who = Annotated[Viewer, Depends(access.viewer)]
    Scope = Annotated[Setting, Depends(access.setting)]
    Form = Annotated[Posted, Depends(access.posted)]

    def show(viewer: Viewer, setting: Setting, status: int = 200, **context: Any) -> Response:
        return page(engine, "privacy.html", viewer, status, setting=setting,
                    title="Privacy notice", **context)  # fmt: skip

    @router.get("/privacy")
    async def privacy(request: Request, viewer: Who, setting: Scope) -> Response:
        saved = "Saved." if request.query_params.get("done") == "saved" else ""
        return await run_in_threadpool(show, viewer, setting, done=saved)

    @router.post("/privacy")
    async def save_privacy(posted: Form, setting: Scope) -> Response:
        change = setting_admin.parse_policy(posted.fields, setting_admin.PRIVACY)
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: setting_admin.save_privacy(
            s, setting, actor, change))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/privacy?done=saved")

    @router.get("/privacy/notice")
    async def privacy_notice(viewer: Who, setting: Scope) -> Response:
        sections = notice(setting_admin.notice_facts(setting))
        return await run_in_threadpool(page, engine, "privacy_notice.html", viewer,
                                       setting=setting, title="Privacy notice",
                                       sections=sections)  # fmt: skip

    @router.post("/access")
    async def subject_access_file(posted: Form, setting: Scope) -> Response:
        name = " ".join(posted.get("name").split())
        text = await run_in_threadpool(_answer, engine, setting, posted.viewer, name)
        if text is None:
            return await run_in_threadpool(
                show, posted.viewer, setting, 200,
                error=f"Nothing is held about anyone called {name!r} at this setting.",
            )  # fmt: skip
        disposition = {"Content-Disposition": 'attachment; filename="subject-access.txt"'}
        return Response(text, media_type="text/plain; charset=utf-8",
                        headers={**HEADERS, **disposition})  # fmt: skip

    return router


def _answer(engine: Engine, setting: Setting, viewer: Viewer, name: str) -> str | None:
    """The file for that name, and the audit entry saying one was made (ids and counts only)."""
    with Session(engine) as session, session.begin():
        holding = subject_access.gather(session, setting, name) if name else None
        if holding is None or holding.empty:
            return None
        audit.record(session, viewer.actor, "subject_access", setting.id,
                     people=[p["number"] for p in holding.staff],
                     events=len(holding.events))  # fmt: skip
    held_by = f"{setting.name} (records service)"
    return render(holding, held_by, ZoneInfo(setting.timezone), datetime.now(UTC))
