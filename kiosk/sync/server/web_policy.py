"""The rest of the policy on the console: the setting's own cameras and tablets (the register,
who has which now, history, CSV; policy_admin.py and equipment_view.py), and the staff
agreements (who has acknowledged which version, the renewal period) with the declarations that
only managers see (agreements_view.py)."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations.

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.domain.equipment import KINDS
from kiosk.sync.server import agreements_view, audit, equipment_view
from kiosk.sync.server import policy_admin as admin
from kiosk.sync.server.render import HEADERS
from kiosk.sync.server.tenancy import Person, Setting, SettingEquipment
from kiosk.sync.server.web import page, see_other
from kiosk.sync.server.web_staff import in_transaction
from kiosk.sync.server.webauth import Access, NotFound, Posted, Viewer

T = TypeVar("T")
DONE = {
    "added": "Added to the register.",
    "retired": "Retired: its records are kept.",
    "saved": "Saved.",
    "declared": "Declaration recorded.",
    "removed": "Declaration removed.",
}


def build_policy_pages(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager/s/{setting_id}", include_in_schema=False)
    Who = Annotated[Viewer, Depends(access.viewer)]
    Scope = Annotated[Setting, Depends(access.setting)]
    Form = Annotated[Posted, Depends(access.posted)]

    @router.get("/equipment")
    async def equipment(request: Request, viewer: Who, setting: Scope) -> Response:
        register = await run_in_threadpool(_register, engine, setting.id)
        out, history = await run_in_threadpool(equipment_view.read, engine, setting)
        rows = [[o.label, o.kind, o.holder, o.purpose, o.since, o.late] for o in out]
        done = DONE.get(request.query_params.get("done", ""), "")
        return await run_in_threadpool(page, engine, "equipment.html", viewer, setting=setting,
                                       title="Equipment", done=done, register=register, out=rows,
                                       history=history, kinds=[(k, k) for k in KINDS])  # fmt: skip

    @router.post("/equipment")
    async def add(posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: admin.add_equipment(
            s, setting, actor, kind=posted.get("kind"), label=posted.get("label"),
            asset_tag=posted.get("asset_tag"), tag=posted.get("tag")))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/equipment?done=added")

    @router.post("/equipment/{equipment_id}/retire")
    async def retire(equipment_id: int, posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        row = await run_in_threadpool(in_transaction, engine, lambda s: admin.retire_equipment(
            s, setting, actor, equipment_id))  # fmt: skip
        if row is None:
            raise NotFound()
        return see_other(f"/manager/s/{setting.id}/equipment?done=retired")

    @router.get("/equipment.csv")
    async def export(viewer: Who, setting: Scope) -> Response:
        await run_in_threadpool(audit.record_now, engine, viewer.actor, "csv_download",
                                setting_id=setting.id, filters={"what": "equipment"})  # fmt: skip
        name = f"equipment-{date.today().isoformat()}.csv"
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(
            equipment_view.history_csv(engine, setting), media_type="text/csv; charset=utf-8",
            headers={**HEADERS, **disposition},
        )  # fmt: skip

    @router.get("/agreements")
    async def agreements(request: Request, viewer: Who, setting: Scope) -> Response:
        context = await run_in_threadpool(
            read_with, engine, lambda s: _agreements_context(s, setting)
        )
        done = DONE.get(request.query_params.get("done", ""), "")
        return await run_in_threadpool(page, engine, "agreements.html", viewer, setting=setting,
                                       title="Agreements", done=done, **context)  # fmt: skip

    @router.post("/agreements/renewal")
    async def renewal(posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: agreements_view.set_renewal(
            s, setting, actor, posted.get("days")))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/agreements?done=saved")

    @router.post("/declarations")
    async def declare(posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        await run_in_threadpool(in_transaction, engine, lambda s: agreements_view.add_declaration(
            s, setting, actor, person_id=posted.get("person"), about=posted.get("about"),
            review_on=posted.get("review_on")))  # fmt: skip
        return see_other(f"/manager/s/{setting.id}/agreements?done=declared")

    @router.post("/declarations/{declaration_id}/remove")
    async def undeclare(declaration_id: int, posted: Form, setting: Scope) -> Response:
        actor = posted.viewer.actor
        removed = await run_in_threadpool(in_transaction, engine, lambda s: (
            agreements_view.remove_declaration(s, setting, actor, declaration_id)))  # fmt: skip
        if not removed:
            raise NotFound()
        return see_other(f"/manager/s/{setting.id}/agreements?done=removed")

    return router


def read_with(engine: Engine, work: Callable[[Session], T]) -> T:
    with Session(engine, expire_on_commit=False) as session:
        return work(session)


def _agreements_context(session: Session, setting: Setting) -> dict[str, Any]:
    headings, staff = agreements_view.acknowledgements(session, setting)
    staying = select(Person).where(Person.setting_id == setting.id, Person.left_at.is_(None))
    people = session.scalars(staying.order_by(Person.name))
    return {
        "current": agreements_view.current_agreements(session, setting.id),
        "headings": ["Staff", *headings],
        "staff": [[s.name, *s.cells] for s in staff],
        "declarations": agreements_view.declarations_of(session, setting),
        "people": [(str(p.id), p.name) for p in people],
    }


def _register(engine: Engine, setting_id: int) -> list[SettingEquipment]:
    with Session(engine, expire_on_commit=False) as session:
        return admin.equipment_of(session, setting_id)
