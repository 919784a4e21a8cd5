"""An organisation admin's pages: the organisation's accounts (add, give a setting, disable,
re-enable, set a new password: the last two end the account's sessions at once) and the audit
trail (a page at a time, and as CSV). Accounts of another organisation are not found."""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations.

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.export_columns import HEADER
from kiosk.sync.server import audit, csvcopy, filters
from kiosk.sync.server.kiosk_audit_page import kiosk_audit_context, kiosk_audit_csv_rows
from kiosk.sync.server.managers import (
    ADMIN,
    INSPECTOR,
    MANAGER,
    MIN_PASSWORD,
    add_account,
    change_password,
    set_disabled,
)
from kiosk.sync.server.render import HEADERS
from kiosk.sync.server.tenancy import Account, AccountSetting, AuditEntry
from kiosk.sync.server.web import page, see_other, settings_of
from kiosk.sync.server.web_setting import page_number
from kiosk.sync.server.webauth import Access, Invalid, NotFound, Posted, Viewer

ROLE_NAMES = {ADMIN: "Organisation admin", MANAGER: "Setting manager",
              INSPECTOR: "Inspector (reads the audit)"}  # fmt: skip
AUDIT_HEADER = ["at", "actor", "address", "action", "setting_id", "detail"]


def build_admin_pages(engine: Engine, access: Access) -> APIRouter:
    router = APIRouter(prefix="/manager", include_in_schema=False)
    Admin = Annotated[Viewer, Depends(access.admin)]
    Auditor = Annotated[Viewer, Depends(access.auditor)]
    Form = Annotated[Posted, Depends(access.posted)]

    @router.get("/accounts")
    async def accounts(viewer: Admin) -> Response:
        rows = await run_in_threadpool(_accounts, engine, viewer)
        return await run_in_threadpool(page, engine, "accounts.html", viewer, title="Accounts",
                                       accounts=rows, min_password=MIN_PASSWORD)  # fmt: skip

    @router.post("/accounts")
    async def add(posted: Form, viewer: Admin) -> Response:
        await run_in_threadpool(_add, engine, posted)
        return see_other("/manager/accounts")

    @router.post("/accounts/{account_id}/{action}")
    async def change(account_id: str, action: str, posted: Form, viewer: Admin) -> Response:
        if action not in ACTIONS:
            raise NotFound()
        await run_in_threadpool(_change, engine, posted, account_id, action)
        return see_other("/manager/accounts")

    @router.get("/audit")
    async def audit_page(request: Request, viewer: Auditor) -> Response:
        number = page_number(request)
        rows = await run_in_threadpool(audit.entries, engine, viewer.organisation_id, number)
        names = {s.id: s.name for s in await run_in_threadpool(settings_of, engine, viewer)}
        shown = [_audit_cells(r, names) for r in rows[: audit.PAGE_ROWS]]
        kiosks = await run_in_threadpool(kiosk_audit_context, engine, viewer.organisation_id,
                                         number)  # fmt: skip
        more = len(rows) > audit.PAGE_ROWS or kiosks.pop("more_kiosk_rows")
        return await run_in_threadpool(page, engine, "audit.html", viewer, title="Audit",
                                       rows=shown, page=number, page_base="/manager/audit?",
                                       more=more, **kiosks)  # fmt: skip

    @router.get("/audit.csv")
    async def audit_csv(viewer: Auditor) -> Response:
        await run_in_threadpool(audit.record_now, engine, viewer.actor, "audit_download")
        disposition = {"Content-Disposition": 'attachment; filename="audit.csv"'}
        return StreamingResponse(_audit_csv(engine, viewer.organisation_id),
                                 media_type="text/csv; charset=utf-8",
                                 headers={**HEADERS, **disposition})  # fmt: skip

    @router.get("/group/events.csv")
    async def group_csv(request: Request, viewer: Admin) -> Response:
        """Every setting of the organisation in one file (an admin's view of the whole group)."""
        asked = filters.parse(request.query_params)
        if asked.problems:  # said on a page before a download starts: a stream cannot
            return await run_in_threadpool(page, engine, "message.html", viewer, 400,
                                           title="Not exported",
                                           message=" ".join(asked.problems))  # fmt: skip
        used = {k: v for k, v in asked.raw.items() if v and k != "kiosk"}
        await run_in_threadpool(audit.record_now, engine, viewer.actor, "csv_download",
                                filters={**used, "scope": "organisation"})  # fmt: skip
        settings = await run_in_threadpool(settings_of, engine, viewer)
        wanted = replace(asked.filters, kiosk="")  # kiosk ids belong to one setting's page
        text = csvcopy.group_csv_text(engine, settings, wanted, ["setting", *HEADER])
        name = f"group-records-{date.today().isoformat()}.csv"
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(text,
                                 media_type="text/csv; charset=utf-8",
                                 headers={**HEADERS, **disposition})  # fmt: skip

    @router.get("/audit-kiosks.csv")
    async def kiosk_audit_csv(viewer: Auditor) -> Response:
        await run_in_threadpool(audit.record_now, engine, viewer.actor, "audit_download",
                                what="kiosks")  # fmt: skip
        disposition = {"Content-Disposition": 'attachment; filename="audit-kiosks.csv"'}
        return StreamingResponse(kiosk_audit_csv_rows(engine, viewer.organisation_id),
                                 media_type="text/csv; charset=utf-8",
                                 headers={**HEADERS, **disposition})  # fmt: skip

    return router


def _accounts(engine: Engine, viewer: Viewer) -> list[dict[str, object]]:
    names = {s.id: s.name for s in settings_of(engine, viewer)}
    with Session(engine) as session:
        rows = session.scalars(
            select(Account).where(Account.organisation_id == viewer.organisation_id)
            .order_by(Account.name)
        ).all()  # fmt: skip
        links = session.execute(
            select(AccountSetting.account_id, AccountSetting.setting_id).where(
                AccountSetting.account_id.in_([a.id for a in rows])
            )
        ).all()
    given: dict[int, list[str]] = {}
    for account_id, setting_id in links:
        given.setdefault(account_id, []).append(names.get(setting_id, "?"))
    return [
        {"id": a.id, "name": a.name, "role": ROLE_NAMES.get(a.role, a.role),
         "settings": ", ".join(sorted(given.get(a.id, []))) or "—",
         "disabled": a.disabled_at is not None, "me": a.name == viewer.name}
        for a in rows
    ]  # fmt: skip


def _setting_ids(posted: Posted) -> list[int]:
    text = posted.get("setting")
    if not text:
        return []
    if not text.isdigit() or int(text) not in posted.viewer.setting_ids:
        raise Invalid("That setting is not one of this organisation's.")
    return [int(text)]


def _add(engine: Engine, posted: Posted) -> None:
    name, password, role = posted.get("name").strip(), posted.get("password"), posted.get("role")
    if not 1 <= len(name) <= 80:
        raise Invalid("An account name is 1 to 80 characters.")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"A password needs at least {MIN_PASSWORD} characters.")
    if role not in ROLE_NAMES:
        raise Invalid("Choose a role.")
    settings = _setting_ids(posted) if role == MANAGER else []
    try:
        with Session(engine) as session, session.begin():
            add_account(session, posted.viewer.organisation_id, name, password, role=role,
                        setting_ids=settings)  # fmt: skip
            audit.record(session, posted.viewer.actor, "account_add", account=name, role=role,
                         settings=settings)  # fmt: skip
    except IntegrityError:
        raise Invalid(f"There is an account called {name!r} already.") from None


ACTIONS = {"disable", "enable", "password", "give", "take"}


def _change(engine: Engine, posted: Posted, account_id: str, action: str) -> None:
    viewer = posted.viewer
    with Session(engine) as session, session.begin():
        row = session.get(Account, int(account_id)) if account_id.isdigit() else None
        if row is None or row.organisation_id != viewer.organisation_id:
            raise NotFound()
        if action in ("disable", "enable"):
            if row.name == viewer.name:
                raise Invalid("You cannot disable your own account.")
            set_disabled(session, row, action == "disable")
        elif action == "password":
            if len(posted.get("password")) < MIN_PASSWORD:
                raise Invalid(f"A password needs at least {MIN_PASSWORD} characters.")
            change_password(session, row, posted.get("password"))
        elif action == "give" and row.role == INSPECTOR:
            raise Invalid("An inspector reads the audit only: no setting is given to them.")
        else:
            _give_or_take(session, row, _setting_ids(posted), give=action == "give")
        given = _setting_ids(posted) if action in ("give", "take") else []
        audit.record(session, viewer.actor, f"account_{action}", given[0] if given else None,
                     account=row.name)  # fmt: skip


def _give_or_take(session: Session, row: Account, setting_ids: list[int], *, give: bool) -> None:
    for setting_id in setting_ids:
        link = session.get(AccountSetting, (row.id, setting_id))
        if give and link is None:
            session.add(AccountSetting(account_id=row.id, setting_id=setting_id))
        elif not give and link is not None:
            session.delete(link)


def _audit_cells(e: AuditEntry, names: dict[int, str]) -> list[str]:
    detail = "; ".join(f"{k}: {v}" for k, v in (e.detail or {}).items() if v not in (None, ""))
    return [e.at[:19].replace("T", " "), e.actor, e.address, e.action.replace("_", " "),
            names.get(e.setting_id or 0, str(e.setting_id or "")), detail]  # fmt: skip


def _audit_csv(engine: Engine, organisation_id: int) -> Iterator[str]:
    from kiosk.export_columns import neutralise

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AUDIT_HEADER)
    for e in audit.all_entries(engine, organisation_id):
        writer.writerow([e.at, neutralise(e.actor), e.address, e.action, e.setting_id or "",
                         neutralise(json.dumps(e.detail, ensure_ascii=False))])  # fmt: skip
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
