"""A setting's notices (versions kept and dated), policy values and kiosks (register, issue a
token shown once, revoke, last report) on the console. Changes are in setting_admin.py."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations.

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.sync.server import setting_admin as admin
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.tenancy import TEXT_KINDS, Setting
from kiosk.sync.server.web import page, see_other
from kiosk.sync.server.web_staff import in_transaction
from kiosk.sync.server.webauth import Access, NotFound, Posted, Viewer

T = TypeVar("T")
DONE = {
    "published": "Published as a new version.",
    "saved": "Saved.",
    "registered": "Kiosk registered. Issue its token below.",
    "revoked": "Its tokens are revoked: the kiosk can no longer send.",
}


def build_setup_pages(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager/s/{setting_id}", include_in_schema=False)
    Who = Annotated[Viewer, Depends(access.viewer)]
    Scope = Annotated[Setting, Depends(access.setting)]
    Form = Annotated[Posted, Depends(access.posted)]

    def show(template: str, request: Request, viewer: Viewer, setting: Setting,
             **context: Any) -> Response:  # fmt: skip
        done = DONE.get(request.query_params.get("done", ""), "")
        return page(engine, template, viewer, setting=setting, done=done, **context)

    @router.get("/texts")
    async def texts(request: Request, viewer: Who, setting: Scope) -> Response:
        rows = await run_in_threadpool(_read, engine, lambda s: admin.texts_of(s, setting))
        return await run_in_threadpool(show, "texts.html", request, viewer, setting,
                                       title="Notices", texts=rows, kinds=list(TEXT_KINDS.items()),
                                       suggested=now_text()[:10])  # fmt: skip

    @router.post("/texts")
    async def publish(posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: admin.publish_text(
            s, setting, actor, posted.get("kind"), version=posted.get("version").strip(),
            body=posted.get("body")))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/texts?done=published")

    @router.get("/policy")
    async def policy(request: Request, viewer: Who, setting: Scope) -> Response:
        return await run_in_threadpool(show, "policy.html", request, viewer, setting,
                                       title="Policy")  # fmt: skip

    @router.post("/policy")
    async def save_policy(posted: Form, setting: Scope) -> Response:
        change = admin.parse_policy(posted.fields)
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: admin.save_policy(
            s, setting, actor, posted.get("name"), change))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/policy?done=saved")

    @router.get("/kiosks")
    async def kiosks(request: Request, viewer: Who, setting: Scope) -> Response:
        rows = await run_in_threadpool(_read, engine, lambda s: admin.kiosks_of_setting(s, setting))
        return await run_in_threadpool(show, "kiosks.html", request, viewer, setting,
                                       title="Kiosks", kiosks=rows, token="")  # fmt: skip

    @router.post("/kiosks")
    async def register(posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: admin.add_kiosk(
            s, setting, actor, posted.get("kiosk").strip(), posted.get("label")))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/kiosks?done=registered")

    @router.post("/kiosks/{kiosk_id}/{action}")
    async def token(
        request: Request, kiosk_id: str, action: str, posted: Form, setting: Scope
    ) -> Response:
        if action not in ("token", "revoke"):
            raise NotFound()

        def work(session: Session) -> str:
            return _token(session, setting, posted, kiosk_id, action)

        issued = await run_in_threadpool(in_transaction, engine, work)
        if not issued:
            return see_other(f"/manager/s/{setting.id}/kiosks?done=revoked")
        rows = await run_in_threadpool(_read, engine, lambda s: admin.kiosks_of_setting(s, setting))
        # The one time the token is shown: this response, never a page that can be reloaded.
        return await run_in_threadpool(show, "kiosks.html", request, posted.viewer, setting,
                                       title="Kiosks", kiosks=rows, token=issued,
                                       token_kiosk=kiosk_id)  # fmt: skip

    return router


def _read(engine: Engine, work: Callable[[Session], T]) -> T:
    with Session(engine, expire_on_commit=False) as session:
        return work(session)


def _token(session: Session, setting: Setting, posted: Posted, kiosk_id: str, action: str) -> str:
    kiosk = admin.kiosk_of(session, setting, kiosk_id)
    if kiosk is None:
        raise NotFound()
    if action == "token":
        return admin.issue_token(session, setting, posted.viewer.actor, kiosk)
    admin.revoke_kiosk_tokens(session, setting, posted.viewer.actor, kiosk)
    return ""
