"""The HTTP API of the contract: push a batch, report a kiosk's status, health.

Each push is checked in the order that costs least to refuse: token, load, key, size, JSON,
events; only a request that passes every check reaches the database, so nothing from a refused
request is stored. Load is bounded by counting requests in the database: one per kiosk at a time
(429) and a few overall (503), both with Retry-After, so a crowd of kiosks back off instead of
queueing on the database's locks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.sync.contract import (
    EVENTS_PATH,
    FEED_MAX_WAIT_S,
    FEED_PATH,
    HEALTH_PATH,
    KIOSK_ID_PATTERN,
    REPLAYED_HEADER,
    SETTING_PATH,
    STATUS_PATH,
)  # fmt: skip
from kiosk.sync.server import feed, problems, tokens
from kiosk.sync.server.ingest import KeyReused, Stored, body_digest, store_batch, store_report
from kiosk.sync.server.problems import Refused
from kiosk.sync.server.schema import (
    BatchResult,
    EventIn,
    FeedPage,
    Health,
    KioskStatusIn,
    Problem,
    SettingSnapshot,
)
from kiosk.sync.server.snapshot import Snapshot, snapshot_for

P = ParamSpec("P")
T = TypeVar("T")
bearer = HTTPBearer(
    auto_error=False, description="the kiosk's token from `kiosk records token add`"
)
KioskPath = Annotated[str, Path(pattern=KIOSK_ID_PATTERN, max_length=64)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass
class Gate:
    """Requests in the database now: per kiosk at most one, overall at most `max_inflight`."""

    max_inflight: int = 8
    retry_after_s: int = 1
    busy: set[str] = field(default_factory=set)

    @contextmanager
    def enter(self, kiosk_id: str) -> Iterator[None]:
        # Runs on the event loop thread only, so plain set operations are atomic here.
        if kiosk_id in self.busy:
            raise Refused(429, "this kiosk already has a batch in flight", retry_after_s=1)
        if len(self.busy) >= self.max_inflight:
            raise Refused(503, "busy; try again shortly", retry_after_s=self.retry_after_s)
        self.busy.add(kiosk_id)
        try:
            yield
        finally:
            self.busy.discard(kiosk_id)


async def authorise(
    engine: Engine, kiosk_id: str, cred: HTTPAuthorizationCredentials | None
) -> None:
    if cred is None or cred.scheme.lower() != "bearer":
        raise problems.unauthorised("a bearer token is required")
    owner = await run_in_threadpool(tokens.kiosk_for, engine, cred.credentials)
    if owner is None:
        raise problems.unauthorised("the token is not known or has been revoked")
    if owner != kiosk_id:
        raise Refused(403, "this token belongs to another kiosk")


REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (400, 401, 403, 409, 413, 422, 429, 503)
}


def build_api(engine: Engine, gate: Gate) -> APIRouter:
    router = APIRouter()
    bell = feed.Bell()

    @router.post(
        EVENTS_PATH, response_model=BatchResult, responses=REFUSALS, tags=["sync"],
        openapi_extra={"requestBody": _body("BatchIn"), "parameters": [_KEY_PARAM]},
        summary="Push a batch of events (stored once per event id)",
    )  # fmt: skip
    async def push_events(
        request: Request,
        kiosk_id: KioskPath,
        cred: Credentials,
    ) -> Response:
        try:
            await authorise(engine, kiosk_id, cred)
            key = problems.idempotency_key(request)
            body = await problems.read_body(request)
            events = problems.parse_batch(body)
            with gate.enter(kiosk_id):
                stored = await _store(engine, kiosk_id, key, body, events)
        except Refused as refused:
            return problems.problem_response(refused)
        if stored.accepted:
            bell.ring()  # the other doors' feeds waiting for news
        headers = {REPLAYED_HEADER: "true"} if stored.replayed else {}
        result = BatchResult(accepted=stored.accepted, duplicates=stored.duplicates)
        return JSONResponse(result.model_dump(), headers=headers)

    @router.put(
        STATUS_PATH, status_code=204, responses=REFUSALS, tags=["sync"],
        openapi_extra={"requestBody": _body("KioskStatusIn")},
        summary="Report the kiosk's queue and dead letters",
    )  # fmt: skip
    async def put_status(
        request: Request,
        kiosk_id: KioskPath,
        cred: Credentials,
    ) -> Response:
        try:
            await authorise(engine, kiosk_id, cred)
            data = problems.parse_json(await problems.read_body(request))
            report = problems.validate_model(KioskStatusIn, data)
            await _db(store_report, engine, kiosk_id, report)
        except Refused as refused:
            return problems.problem_response(refused)
        return Response(status_code=204)

    @router.get(
        SETTING_PATH, response_model=SettingSnapshot, tags=["sync"],
        responses={304: {"description": "the kiosk's copy (If-None-Match) is current; no body"},
                   **{code: {"model": Problem} for code in (401, 403, 404, 422, 503)}},
        summary="The kiosk's setting: roster, badges, PINs, notices and policy values",
    )  # fmt: skip
    async def get_setting(
        request: Request,
        kiosk_id: KioskPath,
        cred: Credentials,
    ) -> Response:
        try:
            await authorise(engine, kiosk_id, cred)
            wanted = request.headers.get("If-None-Match")
            snapshot = await _db(_snapshot, engine, kiosk_id, wanted)
        except Refused as refused:
            return problems.problem_response(refused)
        headers = {"ETag": snapshot.etag, "Cache-Control": "no-cache"}
        if snapshot.body is None:
            return Response(status_code=304, headers=headers)
        return Response(snapshot.body, media_type="application/json", headers=headers)

    @router.get(
        FEED_PATH, response_model=FeedPage, responses=REFUSALS, tags=["sync"],
        summary="The setting's other kiosks' events after a receipt number (long-poll)",
    )  # fmt: skip
    async def get_feed(
        kiosk_id: KioskPath,
        cred: Credentials,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        wait: Annotated[float, Query(ge=0, le=FEED_MAX_WAIT_S)] = 0.0,
    ) -> Response:
        try:
            await authorise(engine, kiosk_id, cred)
            page = await feed.wait_for_page(engine, bell, kiosk_id, after, wait)
        except Refused as refused:
            return problems.problem_response(refused)
        except SQLAlchemyError:
            busy = Refused(503, "the records database is busy or unreachable", retry_after_s=2)
            return problems.problem_response(busy)
        return JSONResponse(page)

    @router.get(HEALTH_PATH, response_model=Health, responses={503: {"model": Problem}})
    async def health() -> Response:
        try:
            await _db(_ping, engine)
        except Refused as refused:
            return problems.problem_response(refused)
        now = datetime.now(UTC).isoformat()
        return JSONResponse({"status": "ok", "database": "ok", "time": now})

    return router


async def _store(
    engine: Engine, kiosk_id: str, key: str, body: bytes, events: list[EventIn]
) -> Stored:
    try:
        return await _db(store_batch, engine, kiosk_id, key, body_digest(body), events)
    except KeyReused as exc:
        raise Refused(409, str(exc)) from None


async def _db(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a database call off the event loop; a busy or unreachable database is a 503."""
    try:
        return await run_in_threadpool(func, *args, **kwargs)
    except OperationalError:
        raise Refused(503, "the records database is busy or unreachable", retry_after_s=2) from None
    except SQLAlchemyError:
        raise Refused(503, "the records database failed; try again", retry_after_s=2) from None


def _snapshot(engine: Engine, kiosk_id: str, if_none_match: str | None) -> Snapshot:
    with Session(engine) as session:
        found = snapshot_for(session, kiosk_id, if_none_match)
    if found is None:
        raise Refused(404, "this kiosk belongs to no setting")
    return found


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _body(schema: str) -> dict[str, object]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"required": True, "content": {"application/json": {"schema": ref}}}


_KEY_PARAM = {
    "name": "Idempotency-Key", "in": "header", "required": True,
    "description": "one per batch; a retry of the same batch sends the same key",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
}  # fmt: skip
