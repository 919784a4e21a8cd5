"""The manager's web page: log in, who is on site per kiosk (devices out and overdue, dead letters
the kiosks report), events with filters, CSV export.

Sessions are HttpOnly, SameSite=Strict cookies (Secure unless the service listens on loopback);
every form carries a CSRF token (double-submit on the login form, the session's token after), and
pages are sent with a strict Content-Security-Policy and no caching, since they show names.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date
from typing import Annotated
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy import Engine

from kiosk.domain.types import EventKind
from kiosk.sync.server import csvrows, filters, pages, queries
from kiosk.sync.server.managers import (
    LoginRefused,
    WebLogin,
    check_login,
    end_session,
    session_for,
    start_session,
)
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.overview import overview

SESSION_COOKIE = "records_session"
LOGIN_COOKIE = "records_login"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
KINDS = sorted({k.value.split(".")[0] for k in EventKind} | {k.value for k in EventKind})
SessionId = Annotated[str | None, Cookie(alias=SESSION_COOKIE)]


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def to_login() -> RedirectResponse:
    return RedirectResponse("/manager/login", status_code=303)


async def form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > 10_000:
        return {}
    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    # No browser sends a NUL, and PostgreSQL refuses one in a query: such a form is not read.
    if any("\x00" in k or "\x00" in v for k, v in fields.items()):
        return {}
    return fields


def build_web(engine: Engine, settings: object) -> APIRouter:
    tz = ZoneInfo(str(getattr(settings, "timezone", "Europe/London")))
    secure = bool(getattr(settings, "secure_cookies", True))
    router = APIRouter(prefix="/manager", include_in_schema=False)

    async def who(sid: str | None) -> WebLogin | None:
        return await run_in_threadpool(session_for, engine, sid)

    def cookie(response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                            secure=secure, path="/")  # fmt: skip

    @router.get("/style.css")
    async def style() -> Response:
        return Response(pages.CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @router.get("/login")
    async def login_form() -> Response:
        token = secrets.token_urlsafe(24)
        response = html(pages.login(token))
        cookie(response, LOGIN_COOKIE, token, 3600)
        return response

    @router.post("/login")
    async def login(
        request: Request, login_token: Annotated[str | None, Cookie(alias=LOGIN_COOKIE)] = None
    ) -> Response:
        data = await form(request)
        if not login_token or not hmac.compare_digest(data.get("csrf", ""), login_token):
            return html(pages.login(login_token or "", "The form expired; please try again."), 400)
        try:
            await run_in_threadpool(
                check_login, engine, data.get("name", ""), data.get("password", "")
            )
        except LoginRefused as refused:
            return html(pages.login(login_token, str(refused)), 401)
        sid = await run_in_threadpool(start_session, engine, data["name"])
        response = RedirectResponse("/manager", status_code=303)
        cookie(response, SESSION_COOKIE, sid, 8 * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @router.post("/logout")
    async def logout(request: Request, sid: SessionId = None) -> Response:
        user = await who(sid)
        data = await form(request)
        if user and sid and hmac.compare_digest(data.get("csrf", ""), user.csrf):
            await run_in_threadpool(end_session, engine, sid)
            response = to_login()
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response
        return html(pages.page("Refused", "<p>That form had expired. Nothing was done.</p>"), 400)

    @router.get("")
    async def home(sid: SessionId = None) -> Response:
        user = await who(sid)
        if user is None:
            return to_login()
        body = await run_in_threadpool(overview, engine, tz, settings)
        return html(pages.page("On site", body, csrf=user.csrf, manager=user.manager))

    @router.get("/events")
    async def events(request: Request, sid: SessionId = None) -> Response:
        user = await who(sid)
        if user is None:
            return to_login()
        asked = filters.parse(request.query_params)
        body = await run_in_threadpool(_events_body, engine, asked, tz)
        return html(pages.page("Events", body, csrf=user.csrf, manager=user.manager),
                    400 if asked.problems else 200)  # fmt: skip

    @router.get("/events.csv")
    async def export(request: Request, sid: SessionId = None) -> Response:
        if await who(sid) is None:
            return to_login()
        asked = filters.parse(request.query_params)
        if asked.problems:  # the page says why, before a download starts: a stream cannot
            return await events(request, sid)
        found = asked.filters
        rows = (csvrows.row(e, names, tz) for e, names in queries.all_events(engine, found, tz))
        name = f"records-{date.today().isoformat()}.csv"
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(
            csvrows.stream(rows), media_type="text/csv; charset=utf-8",
            headers={**HEADERS, **disposition},
        )  # fmt: skip

    return router


def _events_body(engine: Engine, asked: filters.Parsed, tz: ZoneInfo) -> str:
    raw = asked.raw
    rows, names = ([], {}) if asked.problems else queries.latest_events(engine, asked.filters, tz)
    kiosk_names = queries.kiosks(engine)
    controls = "".join([
        pages.field("From", "start", raw["start"], "date"),
        pages.field("To", "end", raw["end"], "date"),
        pages.select_field("Kiosk", "kiosk", raw["kiosk"], kiosk_names),
        pages.field("Person", "person", raw["person"]),
        pages.select_field("Kind", "kind", raw["kind"], KINDS),
        '<button class="primary" type="submit" id="apply">Show</button>',
    ])  # fmt: skip
    link = "/manager/events.csv" + pages.query_string(raw)
    table = pages.table(
        ["Time", "Kiosk", "Kind", "Person", "Detail"],
        (
            [csvrows.local_time(e.occurred_at, tz), e.kiosk_id, e.kind, _who(e, names), _brief(e)]
            for e in rows
        ),
        empty="No events match.",
    )
    refused = "".join(f'<p class="error">{pages.escape(p)}</p>' for p in asked.problems)
    return (f'<h1>Events</h1><form class="filters" method="get">{controls}</form>{refused}'
            f'<p><a class="button" id="export" href="{pages.escape(link)}">Export CSV</a> '
            f"Showing the newest {queries.PAGE_ROWS} at most.</p>{table}")  # fmt: skip


def _who(e: RecordEvent, names: csvrows.People) -> str:
    if e.subject_type is None or e.subject_id is None:
        return ""
    return queries.name_of(names, e.kiosk_id, e.subject_type, e.subject_id)


def _brief(e: RecordEvent) -> str:
    p = e.payload or {}
    parts = [f"{k}: {p[k]}" for k in ("devices", "device", "reason", "locker", "why") if p.get(k)]
    return "; ".join(str(x) for x in parts)
