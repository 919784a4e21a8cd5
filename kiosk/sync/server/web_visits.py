"""Visits on the console that the policy plans ahead: event-day visitor notices (day_notices.py)
and virtual observations (observations.py), each with its page and its forms."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations.

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from kiosk.sync.server import day_notices, observations
from kiosk.sync.server.tenancy import Setting
from kiosk.sync.server.web import page, see_other
from kiosk.sync.server.web_policy import read_with
from kiosk.sync.server.web_staff import in_transaction
from kiosk.sync.server.webauth import Access, NotFound, Posted, Viewer

DONE = {"scheduled": "Scheduled.", "cancelled": "Cancelled.", "requested": "Request recorded.",
        "approved": "Approved.", "refused": "Refused."}  # fmt: skip


def build_visit_pages(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager/s/{setting_id}", include_in_schema=False)
    Who = Annotated[Viewer, Depends(access.viewer)]
    Scope = Annotated[Setting, Depends(access.setting)]
    Form = Annotated[Posted, Depends(access.posted)]

    @router.get("/event-days")
    async def event_days(request: Request, viewer: Who, setting: Scope) -> Response:
        rows = await run_in_threadpool(read_with, engine, lambda s: day_notices.day_notices_of(
            s, setting.id, from_day=day_notices.today_in(setting)))  # fmt: skip
        done = DONE.get(request.query_params.get("done", ""), "")
        return await run_in_threadpool(page, engine, "event_days.html", viewer, setting=setting,
                                       title="Event days", done=done, notices=rows)  # fmt: skip

    @router.post("/event-days")
    async def schedule(posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: day_notices.schedule(
            s, setting, actor, on_date=posted.get("on_date"), title=posted.get("title"),
            version=posted.get("version"), body=posted.get("body")))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/event-days?done=scheduled")

    @router.post("/event-days/{notice_id}/cancel")
    async def cancel(notice_id: int, posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        cancelled = await run_in_threadpool(in_transaction, engine, lambda s: day_notices.cancel(
            s, setting, actor, notice_id))  # fmt: skip
        if not cancelled:
            raise NotFound()
        return see_other(f"/manager/s/{setting.id}/event-days?done=cancelled")

    @router.get("/observations")
    async def observations_page(request: Request, viewer: Who, setting: Scope) -> Response:
        rows = await run_in_threadpool(read_with, engine, lambda s: observations.observations_of(
            s, setting.id))  # fmt: skip
        done = DONE.get(request.query_params.get("done", ""), "")
        return await run_in_threadpool(page, engine, "observations.html", viewer,
                                       setting=setting, title="Virtual observations", done=done,
                                       observations=rows)  # fmt: skip

    @router.post("/observations")
    async def request_observation(posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: observations.record_request(
            s, setting, actor, posted.fields))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/observations?done=requested")

    @router.post("/observations/{observation_id}/{decision}")
    async def decide(observation_id: int, decision: str, posted: Form, setting: Scope) -> Response:
        if decision not in ("approve", "refuse"):
            raise NotFound()
        actor = posted.viewer.actor
        found = await run_in_threadpool(in_transaction, engine, lambda s: observations.decide(
            s, setting, actor, observation_id, decision == "approve"))  # fmt: skip
        if not found:
            raise NotFound()
        return see_other(f"/manager/s/{setting.id}/observations?done={decision}d")

    return router
