"""Who is asking, and what they may see: the console's one log-in check and its scopes.

`Access.viewer` is the single FastAPI dependency every console page takes (directly or through
`Access.setting`/`Access.admin`/`Access.posted`): no handler checks a session itself. A setting
the account may not use answers exactly as one that does not exist (404), so ids of other
settings cannot be told apart from unused ones. The client's address and scheme come from
X-Forwarded-For / X-Forwarded-Proto only when the connection is from a configured proxy.
"""

# No `from __future__ import annotations`: FastAPI reads the dependencies' annotations.

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Cookie, Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.sync.server.audit import Actor
from kiosk.sync.server.managers import ADMIN, INSPECTOR, account_named, session_for
from kiosk.sync.server.tenancy import AccountSetting, Setting

SESSION_COOKIE = "records_session"
MAX_FORM_BYTES = 20_000


class NeedLogin(Exception):
    """No live session: the page answers with the log-in form."""


class NotFound(Exception):
    """Not there, or not this account's to see: the same answer either way."""


class Expired(Exception):
    """A form without the session's CSRF token: nothing is done."""


class Invalid(Exception):
    """A form whose values cannot be used; the message says why, nothing is done."""


@dataclass(frozen=True)
class Viewer:
    account_id: int
    name: str
    role: str
    organisation_id: int
    setting_ids: tuple[int, ...]  # every setting of the organisation for an admin
    csrf: str
    address: str

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def reads_audit(self) -> bool:
        return self.role in (ADMIN, INSPECTOR)

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.organisation_id, self.address)


@dataclass(frozen=True)
class Posted:
    viewer: Viewer
    fields: dict[str, str]

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)


@dataclass(frozen=True)
class Proxies:
    trusted: frozenset[str]

    def forwarded(self, request: Request) -> bool:
        return request.client is not None and request.client.host in self.trusted

    def address(self, request: Request) -> str:
        if self.forwarded(request):
            hops = request.headers.get("x-forwarded-for", "").split(",")
            if hops[-1].strip():
                return hops[-1].strip()[:64]  # the hop the proxy itself saw
        return request.client.host if request.client else ""

    def https(self, request: Request) -> bool:
        if request.url.scheme == "https":
            return True
        proto = request.headers.get("x-forwarded-proto", "").lower()
        return self.forwarded(request) and proto == "https"


def load_viewer(engine: Engine, sid: str | None, address: str) -> Viewer | None:
    login = session_for(engine, sid)
    if login is None:
        return None
    with Session(engine) as session:
        row = account_named(session, login.manager)
        if row is None or row.disabled_at is not None:
            return None
        if row.role == ADMIN:
            query = select(Setting.id).where(Setting.organisation_id == row.organisation_id)
        else:
            query = select(AccountSetting.setting_id).where(AccountSetting.account_id == row.id)
        ids = tuple(sorted(session.scalars(query)))
        return Viewer(row.id, row.name, row.role, row.organisation_id, ids, login.csrf, address)


async def read_form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    # No browser sends a NUL, and PostgreSQL refuses one in a query: such a form is not read.
    if any("\x00" in k or "\x00" in v for k, v in fields.items()):
        return {}
    return fields


class Access:
    """The dependencies, bound to one engine and one proxy configuration."""

    def __init__(self, engine: Engine, proxies: Proxies) -> None:
        self.engine = engine
        self.proxies = proxies

        async def viewer(
            request: Request,
            sid: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
        ) -> Viewer:
            found = await run_in_threadpool(load_viewer, engine, sid, proxies.address(request))
            if found is None:
                raise NeedLogin()
            return found

        async def setting(setting_id: str, who: Annotated[Viewer, Depends(viewer)]) -> Setting:
            ident = int(setting_id) if setting_id.isdigit() and len(setting_id) < 10 else 0
            if ident not in who.setting_ids:
                raise NotFound()
            row = await run_in_threadpool(_setting, engine, ident)
            if row is None:
                raise NotFound()
            return row

        async def admin(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
            if not who.is_admin:
                raise NotFound()
            return who

        async def auditor(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
            if not who.reads_audit:
                raise NotFound()
            return who

        async def posted(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Posted:
            fields = await read_form(request)
            if not hmac.compare_digest(fields.get("csrf", ""), who.csrf):
                raise Expired()
            return Posted(who, fields)

        self.viewer = viewer
        self.setting = setting
        self.admin = admin
        self.auditor = auditor
        self.posted = posted


def _setting(engine: Engine, ident: int) -> Setting | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Setting, ident)
