"""The records service's composition root: `create_app` wires the database, the API, the manager's
pages and the OpenAPI document into one FastAPI application.

The OpenAPI document is generated from the code and kept in the repo (`kiosk/sync/openapi.json`);
a test checks the served one equals the file, so the written contract cannot drift from the code.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from kiosk.sync.contract import API_PREFIX
from kiosk.sync.server.access import AccessLog
from kiosk.sync.server.api import Gate, build_api
from kiosk.sync.server.retention import Retention, prune
from kiosk.sync.server.schema import BatchIn, KioskStatusIn

TITLE = "Nursery kiosk records service"
VERSION = "1.3.0"  # 1.1 the setting fetched down; 1.2 the feed, a visit's uuid; 1.3 the hash chain
OPENAPI_URL = API_PREFIX + "/openapi.json"
PRUNE_EVERY_S = 24 * 3600
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """The service's own settings; a setting's time zone, closing time and the rest are per
    setting, in its database (`tenancy.Setting`)."""

    max_inflight: int = 8
    retry_after_s: int = 1
    # Addresses of the reverse proxies whose X-Forwarded-For/-Proto are believed.
    trusted_proxies: tuple[str, ...] = ()
    retention: Retention = field(default_factory=Retention)


def create_app(engine: Engine, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    policy = settings.retention

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_prune_daily(engine, policy))
        yield
        task.cancel()

    app = FastAPI(title=TITLE, version=VERSION, openapi_url=OPENAPI_URL, docs_url=None,
                  redoc_url=None, lifespan=lifespan)  # fmt: skip
    app.include_router(build_api(engine, Gate(settings.max_inflight, settings.retry_after_s)))
    _add_console(app, engine, settings)
    app.add_middleware(AccessLog)
    app.add_exception_handler(HTTPException, _http_problem)
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _add_console(app: FastAPI, engine: Engine, settings: Settings) -> None:
    from kiosk.sync.server import web
    from kiosk.sync.server.web_admin import build_admin_pages
    from kiosk.sync.server.web_evacuation import build_evacuation_pages
    from kiosk.sync.server.web_policy import build_policy_pages
    from kiosk.sync.server.web_privacy import build_privacy_pages
    from kiosk.sync.server.web_setting import build_setting_pages
    from kiosk.sync.server.web_setup import build_setup_pages
    from kiosk.sync.server.web_staff import build_staff_pages
    from kiosk.sync.server.web_visits import build_visit_pages
    from kiosk.sync.server.webauth import Access, Proxies

    access = Access(engine, Proxies(frozenset(settings.trusted_proxies)))
    app.include_router(web.build_web(engine, access))
    app.include_router(build_setting_pages(engine, access))
    app.include_router(build_admin_pages(engine, access))
    app.include_router(build_staff_pages(engine, access))
    app.include_router(build_setup_pages(engine, access))
    app.include_router(build_evacuation_pages(engine, access))
    app.include_router(build_privacy_pages(engine, access))
    app.include_router(build_policy_pages(engine, access))
    app.include_router(build_visit_pages(engine, access))
    for exc, handler in web.HANDLERS.items():
        app.add_exception_handler(exc, handler)


async def _prune_daily(engine: Engine, policy: Retention) -> None:
    """The retention policy at start and then once a day; a failure is logged and tried again
    the next day (the data it would remove is only kept longer)."""
    while True:
        try:
            pruned = await run_in_threadpool(prune, engine, policy)
            log.info("retention applied: %s", asdict(pruned))
        except SQLAlchemyError as exc:
            log.warning("retention not applied (database error): %s", type(exc).__name__)
        await asyncio.sleep(PRUNE_EVERY_S)


async def _http_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and request.url.path.startswith("/manager"):
        from kiosk.sync.server.web import not_found

        return await not_found(request, exc)
    return JSONResponse({"detail": str(exc.detail), "invalid_events": []},
                        status_code=exc.status_code, headers=exc.headers)  # fmt: skip


async def _validation_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return JSONResponse({"detail": detail, "invalid_events": []}, status_code=422)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (BatchIn, KioskStatusIn):
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        _only_pattern_keys(components)
        app.openapi_schema = schema
    return app.openapi_schema


def _only_pattern_keys(node: Any) -> None:
    """pydantic writes a dict with constrained keys as `patternProperties` alone, which in JSON
    Schema leaves other keys free; the service refuses them, so the document says so too."""
    if isinstance(node, dict):
        if "patternProperties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _only_pattern_keys(value)
    elif isinstance(node, list):
        for value in node:
            _only_pattern_keys(value)


def write_openapi() -> None:
    """Regenerate kiosk/sync/openapi.json from the code: `python -m kiosk.sync.server.app`."""
    import json

    from kiosk.sync.contract import OPENAPI_FILE
    from kiosk.sync.server.db import make_engine

    schema = create_app(make_engine("sqlite://")).openapi()
    OPENAPI_FILE.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_openapi()
