"""The console's doors: log in and out, the list of the account's settings, a new setting (an
organisation admin), one's own password; and the answers every page shares (log-in needed, not
found, expired form).

Sessions are HttpOnly, SameSite=Strict cookies, Secure whenever the request came over HTTPS (told
by the connection itself, or by a configured proxy); every form carries a CSRF token
(double-submit on the log-in form, the session's token after). Pages are sent with a strict
Content-Security-Policy and no caching, since they show names.
"""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations, which
# name aliases local to the builder function.

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.sync.server import audit, render
from kiosk.sync.server.managers import (
    INSPECTOR,
    MIN_PASSWORD,
    SESSION_S,
    LoginRefused,
    account_named,
    change_password,
    check_login,
    end_session,
    password_matches,
    start_session,
)
from kiosk.sync.server.registry import new_setting
from kiosk.sync.server.tenancy import Setting
from kiosk.sync.server.webauth import (
    SESSION_COOKIE,
    Access,
    Expired,
    Invalid,
    NeedLogin,
    NotFound,
    Posted,
    Viewer,
    read_form,
)

LOGIN_COOKIE = "records_login"


def settings_of(engine: Engine, viewer: Viewer) -> list[Setting]:
    query = select(Setting).where(Setting.id.in_(viewer.setting_ids)).order_by(Setting.name)
    with Session(engine) as session:
        return list(session.scalars(query))


def page(
    engine: Engine, template: str, viewer: Viewer, status: int = 200, **context: Any
) -> Response:
    """A console page: the account's settings for the switcher, then the page's own values."""
    return render.html(template, status, viewer=viewer, settings=settings_of(engine, viewer),
                       **context)  # fmt: skip


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


class Cookies:
    def __init__(self, access: Access) -> None:
        self.access = access

    def set(self, request: Request, response: Response, name: str, value: str, age: int) -> None:
        response.set_cookie(name, value, max_age=age, httponly=True, samesite="strict",
                            secure=self.access.proxies.https(request), path="/")  # fmt: skip


def build_web(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager", include_in_schema=False)
    cookies = Cookies(access)
    Who = Annotated[Viewer, Depends(access.viewer)]
    Form = Annotated[Posted, Depends(access.posted)]
    Admin = Annotated[Viewer, Depends(access.admin)]

    @router.get("/style.css")
    async def style() -> Response:
        return Response(render.stylesheet(), media_type="text/css",
                        headers={"Cache-Control": "max-age=3600"})  # fmt: skip

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        token = secrets.token_urlsafe(24)
        response = render.html("login.html", title="Log in", login_token=token)
        cookies.set(request, response, LOGIN_COOKIE, token, 3600)
        return response

    @router.post("/login")
    async def login(
        request: Request, login_token: Annotated[str | None, Cookie(alias=LOGIN_COOKIE)] = None
    ) -> Response:
        data = await read_form(request)
        name, address = data.get("name", "")[:80], access.proxies.address(request)
        if not login_token or not hmac.compare_digest(data.get("csrf", ""), login_token):
            return _login_page(login_token or "", "The form expired; please try again.", 400)
        try:
            await run_in_threadpool(check_login, engine, name, data.get("password", ""), address)
        except LoginRefused as refused:
            await run_in_threadpool(_audit_login, engine, name, address, False)
            return _login_page(login_token, str(refused), 401)
        await run_in_threadpool(_audit_login, engine, name, address, True)
        sid = await run_in_threadpool(start_session, engine, name)
        response = see_other("/manager")
        cookies.set(request, response, SESSION_COOKIE, sid, SESSION_S)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @router.post("/logout")
    async def logout(
        posted: Form, sid: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None
    ) -> Response:
        if sid:
            await run_in_threadpool(end_session, engine, sid)
        response = see_other("/manager/login")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("")
    async def home(viewer: Who) -> Response:
        if viewer.role == INSPECTOR:
            return see_other("/manager/audit")
        if len(viewer.setting_ids) == 1:
            return see_other(f"/manager/s/{viewer.setting_ids[0]}")
        return await run_in_threadpool(page, engine, "home.html", viewer, title="Settings")

    @router.post("/settings")
    async def add_setting(posted: Form, _admin: Admin) -> Response:
        name = posted.get("name").strip()
        if not 1 <= len(name) <= 120:
            raise Invalid("A setting needs a name of 1 to 120 characters.")
        ident = await run_in_threadpool(_add_setting, engine, posted.viewer, name)
        return see_other(f"/manager/s/{ident}/policy")

    @router.get("/password")
    async def password_form(viewer: Who) -> Response:
        return await run_in_threadpool(page, engine, "password.html", viewer, title="Password")

    @router.post("/password")
    async def password(posted: Form) -> Response:
        error = await run_in_threadpool(_new_password, engine, posted)
        if error:
            return await run_in_threadpool(page, engine, "password.html", posted.viewer, 400,
                                           title="Password", error=error)  # fmt: skip
        return see_other("/manager/login")

    return router


def _login_page(token: str, error: str, status: int) -> Response:
    return render.html("login.html", status, title="Log in", login_token=token, error=error)


def _audit_login(engine: Engine, name: str, address: str, ok: bool) -> None:
    with Session(engine) as session, session.begin():
        account = account_named(session, name)
        # An unknown name is not written down: it may be a password typed in the wrong box.
        who = account.name if account else "(unknown name)"
        org = account.organisation_id if account else None
        audit.record(session, audit.Actor(who, org, address), "login" if ok else "login_failed")


def _add_setting(engine: Engine, viewer: Viewer, name: str) -> int:
    with Session(engine) as session, session.begin():
        setting = new_setting(session, viewer.organisation_id, name)
        audit.record(session, viewer.actor, "setting_add", setting.id, name=name)
        return setting.id


def _new_password(engine: Engine, posted: Posted) -> str:
    """Change one's own password (which ends every session of the account); an error or ''."""
    new = posted.get("new")
    if len(new) < MIN_PASSWORD:
        return f"A password needs at least {MIN_PASSWORD} characters."
    if new != posted.get("again"):
        return "The two new passwords are not the same."
    with Session(engine) as session, session.begin():
        row = account_named(session, posted.viewer.name)
        if row is None or not password_matches(row.password_hash, posted.get("current")):
            return "The current password is not right."
        change_password(session, row, new)
        audit.record(session, posted.viewer.actor, "password_change", account=row.name)
    return ""


async def need_login(_request: Request, _exc: Exception) -> Response:
    return see_other("/manager/login")


async def not_found(_request: Request, _exc: Exception) -> Response:
    return render.html("not_found.html", 404, title="Not found")


async def expired(_request: Request, exc: Exception) -> Response:
    message = str(exc) or "That form had expired. Nothing was done."
    return render.html("message.html", 400, title="Not done", message=message)


HANDLERS = {NeedLogin: need_login, NotFound: not_found, Expired: expired, Invalid: expired}
