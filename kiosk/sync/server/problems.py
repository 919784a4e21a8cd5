"""Refusals as values: one JSON shape (`Problem`) for every error the API returns, and the checks
that turn a request's headers and body into either a validated batch or such a refusal."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from kiosk.sync.contract import MAX_BATCH_EVENTS, MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY
from kiosk.sync.server.schema import NO_NUL, BatchIn, EventIn, InvalidEvent

M = TypeVar("M", bound=BaseModel)
KEY_PATTERN = re.compile(rf"^[A-Za-z0-9._:-]{{1,{MAX_IDEMPOTENCY_KEY}}}$")


class Refused(Exception):
    """A request the API will not act on; becomes a Problem response, stores nothing."""

    def __init__(
        self, status: int, detail: str, *, retry_after_s: int | None = None,
        invalid: list[InvalidEvent] | None = None, headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.invalid = invalid or []
        self.headers = dict(headers or {})
        if retry_after_s is not None:
            self.headers["Retry-After"] = str(retry_after_s)


def problem_response(refused: Refused) -> JSONResponse:
    body = {"detail": refused.detail, "invalid_events": [i.model_dump() for i in refused.invalid]}
    return JSONResponse(body, status_code=refused.status, headers=refused.headers)


def unauthorised(detail: str) -> Refused:
    return Refused(401, detail, headers={"WWW-Authenticate": 'Bearer realm="records"'})


def idempotency_key(request: Request) -> str:
    key = request.headers.get("idempotency-key")
    if key is None:
        raise Refused(400, "an Idempotency-Key header is required (one per batch)")
    if not KEY_PATTERN.fullmatch(key):
        raise Refused(
            400, f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} of A-Z a-z 0-9 . _ : -"
        )
    return key


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (before it is all read)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise Refused(413, f"body larger than {MAX_BODY_BYTES} bytes; send smaller batches")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refused(413, f"body larger than {MAX_BODY_BYTES} bytes; send smaller batches")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Refused(400, f"body is not valid JSON: {exc}") from None


def _messages(exc: ValidationError) -> list[str]:
    # A payload value is checked against each branch of JsonValue; only the branch it belongs to
    # says what is wrong (a NUL in text, a number that is not finite), the others only that it
    # is not a string, a number, a list... Those are left out, and repeats said once.
    shown = [
        e
        for e in exc.errors()
        if e["loc"][:1] != ("payload",) or not e["type"].endswith(("_type", "_parsing"))
    ]
    return list(dict.fromkeys(f"{_where(e['loc'])}: {_plain(e)}" for e in shown))


def _where(loc: tuple[int | str, ...]) -> str:
    """The field, as a dotted path. Inside a payload pydantic puts the JsonValue branch it
    tried after every key or index ('payload', 'x', 'list[...]', 0, 'constrained-str'): only
    the keys and indexes are kept."""
    parts = [loc[0], *loc[1::2]] if loc[:1] == ("payload",) else list(loc)
    return ".".join(str(p).replace("\x00", "\\u0000") for p in parts) or "event"


def _plain(error: Any) -> str:
    """pydantic's sentence, except where its pattern would mean nothing to a manager."""
    if error.get("ctx", {}).get("pattern") == NO_NUL:
        return "contains a NUL character (\\u0000), which cannot be stored"
    return str(error["msg"])


def parse_batch(body: bytes) -> list[EventIn]:
    """Parse and check a whole batch in one pass of pydantic's core (most batches are good);
    only a batch that fails is taken apart event by event, so that its 422 names each failure."""
    try:
        batch = BatchIn.model_validate_json(body)
    except ValidationError:
        return validate_batch(parse_json(body))
    if len(batch.events) > MAX_BATCH_EVENTS:
        raise Refused(413, f"{len(batch.events)} events in one batch; at most {MAX_BATCH_EVENTS}")
    return unique_ids(batch.events)


def validate_batch(data: Any) -> list[EventIn]:
    """Each event checked on its own, so a 422 names every one that failed."""
    if (
        not isinstance(data, dict)
        or set(data) != {"events"}
        or not isinstance(data["events"], list)
    ):
        raise Refused(422, 'body must be an object {"events": [...]} and nothing else')
    raw = data["events"]
    if not raw:
        raise Refused(422, "a batch needs at least one event")
    if len(raw) > MAX_BATCH_EVENTS:
        raise Refused(413, f"{len(raw)} events in one batch; at most {MAX_BATCH_EVENTS}")
    events: list[EventIn] = []
    invalid: list[InvalidEvent] = []
    for index, item in enumerate(raw):
        try:
            events.append(EventIn.model_validate(item))
        except ValidationError as exc:
            ident = item.get("id") if isinstance(item, dict) else None
            invalid.append(InvalidEvent(index=index, id=ident if isinstance(ident, str) else None,
                                        errors=_messages(exc)))  # fmt: skip
    if invalid:
        raise Refused(422, f"{len(invalid)} of {len(raw)} events are not valid", invalid=invalid)
    return unique_ids(events)


def unique_ids(events: list[EventIn]) -> list[EventIn]:
    """An event sent twice is one event; one id with two contents is refused, both named, since
    storing the first and calling the second a duplicate would lose one without a word."""
    first: dict[str, int] = {}
    clashes: set[int] = set()
    for index, event in enumerate(events):
        seen = first.setdefault(event.id, index)
        if seen != index and events[seen] != event:
            clashes |= {seen, index}
    if not clashes:
        return events
    why = "id: the same id as another event in this batch, with different content"
    invalid = [InvalidEvent(index=i, id=events[i].id, errors=[why]) for i in sorted(clashes)]
    raise Refused(422, f"{len(invalid)} events share an id but differ", invalid=invalid)


def validate_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(422, "; ".join(_messages(exc))) from None
