"""The API fuzzed from its own OpenAPI document (the file in the repo) by schemathesis, against
the real service over loopback: no 5xx except the documented 503, every status and body as the
document says. Examples are bounded so the run stays short."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from kiosk.sync.contract import OPENAPI_FILE
from kiosk.sync.server import db
from tests.sync.server import Running, serve

schema = schemathesis.openapi.from_path(str(OPENAPI_FILE))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    path = tmp_path_factory.mktemp("fuzz") / "records.sqlite3"
    engine: Engine = db.make_engine(f"sqlite:///{path}")
    running = serve(engine)
    running.token("entrance-1")
    yield running
    running.stop()
    engine.dispose()


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_matches_its_contract(case: schemathesis.Case, service: Running) -> None:
    positive = case.meta is None or case.meta.generation.mode.value == "positive"
    if positive:  # a kiosk with its own token, so valid bodies reach the database
        if case.path_parameters and "kiosk_id" in case.path_parameters:
            case.path_parameters["kiosk_id"] = "entrance-1"
        case.headers = {
            **(case.headers or {}),
            "Authorization": f"Bearer {service.tokens['entrance-1']}",
        }
        _one_content_per_id(case.body)
    _short_wait(case.query)
    case.call_and_validate(base_url=service.url)


def _short_wait(query: Any) -> None:
    """The feed may hold a request up to 25 s when nothing is new (long-poll, as documented): a
    valid wait is cut to a tenth of a second, so 60 examples do not take half an hour. An
    invalid one is left for the service to refuse."""
    wait = query.get("wait") if isinstance(query, dict) else None
    try:
        seconds = float(wait) if not isinstance(wait, bool) else -1.0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return
    if 0 <= seconds <= 25:
        query["wait"] = min(seconds, 0.1)


def _one_content_per_id(body: Any) -> None:
    """JSON Schema cannot say that one id means one event (the document says it in words, and
    the service refuses such a batch with 422): a generated batch that repeats an id with other
    content gets fresh ids for the repeats, so a positive case stays one the service must take."""
    events = body.get("events") if isinstance(body, dict) else None
    seen: dict[Any, Any] = {}
    for index, item in enumerate(events if isinstance(events, list) else []):
        if isinstance(item, dict) and seen.setdefault(item.get("id"), item) != item:
            item["id"] = str(uuid.uuid5(uuid.NAMESPACE_OID, f"fuzz-{index}"))
