"""A setting's staff on the console: the list, a new starter, and one person's page (edit, badges
enrolled from the unknown badges recently tapped at the setting's kiosks or typed, revoke, kiosk
PIN for a manager, mark a leaver). A person of another setting is not found. Changes are in
roster.py; this module reads forms and chooses the page."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations.

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kiosk.domain.types import PolicyError
from kiosk.sync.server import roster
from kiosk.sync.server.tenancy import Badge, Person, Setting
from kiosk.sync.server.web import page, see_other
from kiosk.sync.server.webauth import Access, Invalid, NotFound, Posted, Viewer

T = TypeVar("T")
DONE = {
    "added": "Added. Enrol their badge below.",
    "saved": "Saved.",
    "badge": "Badge enrolled.",
    "revoked": "Badge revoked.",
    "pin": "PIN set. It is not shown anywhere; tell the manager in person.",
    "left": "Marked as left: their badges are revoked, their history is kept.",
}


def in_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run one change in one transaction; a PolicyError is a message for the page, not a 500."""
    try:
        with Session(engine) as session, session.begin():
            return work(session)
    except PolicyError as refused:
        raise Invalid(str(refused)) from None


def _form(posted: Posted) -> roster.PersonForm:
    return roster.PersonForm(posted.get("name"), posted.get("role", "staff"),
                             posted.get("locker"))  # fmt: skip


def build_staff_pages(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager/s/{setting_id}/staff", include_in_schema=False)
    Who = Annotated[Viewer, Depends(access.viewer)]
    Scope = Annotated[Setting, Depends(access.setting)]
    Form = Annotated[Posted, Depends(access.posted)]

    def person_url(setting: Setting, person_id: int, done: str) -> Response:
        return see_other(f"/manager/s/{setting.id}/staff/{person_id}?done={done}")

    @router.get("")
    async def staff(viewer: Who, setting: Scope) -> Response:
        people = await run_in_threadpool(_people, engine, setting)
        return await run_in_threadpool(page, engine, "staff.html", viewer, setting=setting,
                                       title="Staff", people=people,
                                       roles=list(roster.ROLES.items()))  # fmt: skip

    @router.post("")
    async def add(posted: Form, setting: Scope) -> Response:
        actor, form = posted.viewer.actor, _form(posted)

        def work(session: Session) -> int:
            return roster.add_person(session, setting, actor, form)

        ident = await run_in_threadpool(in_transaction, engine, work)
        return person_url(setting, ident, "added")

    @router.get("/{person_id}")
    async def person(request: Request, person_id: str, viewer: Who, setting: Scope) -> Response:
        context = await run_in_threadpool(_person_context, engine, setting, person_id)
        done = DONE.get(request.query_params.get("done", ""), "")
        return await run_in_threadpool(page, engine, "person.html", viewer, setting=setting,
                                       title=context["person"].name, done=done,
                                       **context)  # fmt: skip

    @router.post("/{person_id}/{action}")
    async def change(person_id: str, action: str, posted: Form, setting: Scope) -> Response:
        if action not in CHANGES:
            raise NotFound()
        done = CHANGES[action]

        def work(session: Session) -> None:
            found = roster.person_of(session, setting, person_id)
            if found is None:
                raise NotFound()
            ACTIONS[action](session, setting, posted, found)

        await run_in_threadpool(in_transaction, engine, work)
        return person_url(setting, int(person_id), done)

    return router


def _pin(session: Session, setting: Setting, posted: Posted, person: Person) -> None:
    if posted.get("pin") != posted.get("again"):
        raise PolicyError("The two PINs are not the same.")
    roster.set_pin(session, setting, posted.viewer.actor, person, posted.get("pin"))


Change = Callable[[Session, Setting, Posted, Person], object]
ACTIONS: dict[str, Change] = {
    "edit": lambda s, st, p, who: roster.edit_person(s, st, p.viewer.actor, who, _form(p)),
    "leave": lambda s, st, p, who: roster.mark_leaver(s, st, p.viewer.actor, who),
    "badges": lambda s, st, p, who: roster.enrol_badge(
        s, st, p.viewer.actor, who, p.get("typed") or p.get("uid")
    ),
    "revoke": lambda s, st, p, who: roster.revoke_badge(s, st, p.viewer.actor, who, p.get("badge")),
    "pin": _pin,
}
CHANGES = {"edit": "saved", "leave": "left", "badges": "badge", "revoke": "revoked", "pin": "pin"}


def _people(engine: Engine, setting: Setting) -> list[dict[str, object]]:
    live = (
        select(Badge.person_id, func.count().label("n"))
        .where(Badge.setting_id == setting.id, Badge.revoked_at.is_(None))
        .group_by(Badge.person_id)
        .subquery()
    )
    query = (
        select(Person, live.c.n)
        .outerjoin(live, live.c.person_id == Person.id)
        .where(Person.setting_id == setting.id)
        .order_by(Person.left_at.is_not(None), Person.name)
    )
    with Session(engine) as session:
        return [
            {"id": p.id, "name": p.name, "role": roster.ROLES.get(p.role, p.role),
             "locker": p.usual_locker or "", "badges": n or 0, "left": p.left_at is not None}
            for p, n in session.execute(query)
        ]  # fmt: skip


def _person_context(engine: Engine, setting: Setting, person_id: str) -> dict[str, Any]:
    with Session(engine, expire_on_commit=False) as session:
        found = roster.person_of(session, setting, person_id)
        if found is None:
            raise NotFound()
        return {
            "person": found,
            "has_pin": found.pin_hash is not None,
            "badges": roster.badges_of(session, found),
            "unknown": roster.recent_unknown(session, setting),
            "roles": list(roster.ROLES.items()),
            "lockers": [(x, x) for x in setting.lockers],
        }
