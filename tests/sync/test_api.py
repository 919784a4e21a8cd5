"""The API's protocol over real HTTP, on SQLite and PostgreSQL: each status code the contract
promises, and that nothing from a refused request is stored."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select

from kiosk.sync.contract import MAX_BATCH_EVENTS, MAX_BODY_BYTES, OPENAPI_FILE
from kiosk.sync.server.app import Settings
from kiosk.sync.server.ingest import count_events
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.tokens import revoke_tokens
from tests.sync.server import Running, serve


def event(seq: int, **changes: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "seq": seq,
        "kind": "shift.start",
        "occurred_at": "2026-11-24T07:45:00.000000+00:00",
        "clock_synced": True,
        "boot_id": "b1",
        "mono_ns": seq * 1000,
        "payload": {"devices": ["phone"]},
        "subject": {"type": "staff", "id": 2, "name": "Ben Carter", "role": "staff"},
    }
    return {**body, **changes}


def push(
    records: Running,
    kiosk: str,
    events: list[dict[str, Any]],
    *,
    key: str | None = None,
    token: str | None = None,
    data: bytes | None = None,
) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if key is not False:  # False: send no key at all
        headers["Idempotency-Key"] = key or str(uuid.uuid4())
    tok = records.token(kiosk) if token is None else token
    if tok:
        headers["Authorization"] = f"Bearer {tok}"
    body = data if data is not None else json.dumps({"events": events}).encode()
    return requests.post(
        f"{records.url}/api/v1/kiosks/{kiosk}/events", data=body, headers=headers, timeout=30
    )


def test_health_answers(records: Running) -> None:
    answer = requests.get(f"{records.url}/api/v1/health", timeout=5)
    assert answer.status_code == 200 and answer.json()["database"] == "ok"


def test_a_batch_is_stored_once_and_a_replay_changes_nothing(records: Running) -> None:
    batch = [event(i) for i in range(1, 51)]
    first = push(records, "k1", batch, key="batch-1")
    assert first.status_code == 200 and first.json() == {"accepted": 50, "duplicates": 0}
    again = push(records, "k1", batch, key="batch-1")
    assert again.json() == {"accepted": 50, "duplicates": 0}
    assert again.headers["Idempotent-Replayed"] == "true"
    other_key = push(records, "k1", batch)
    assert other_key.json() == {"accepted": 0, "duplicates": 50}
    assert count_events(records.engine) == 50


def test_events_are_stored_as_sent_whatever_their_text(records: Running) -> None:
    """Each driver's own insert (executemany on SQLite, one JSON document on PostgreSQL) keeps
    every field: quotes, backslashes, emoji and nesting in the payload, a local offset turned
    into UTC, false and null; an id sent twice in one batch is stored once."""
    odd = event(
        1,
        occurred_at="2026-06-01T08:30:00.250000+01:00",
        clock_synced=False,
        payload={"note": 'say "hi" \\ back\nslash', "who": "Zoë 👶", "nested": {"a": [1, None]}},
        subject=None,
    )
    twice = event(2)
    answer = push(records, "k1", [odd, twice, twice])
    assert answer.json() == {"accepted": 2, "duplicates": 1}
    with records.engine.connect() as conn:
        rows = conn.execute(select(RecordEvent).order_by(RecordEvent.seq)).all()
    stored = {row.id: row for row in rows}
    assert set(stored) == {odd["id"], twice["id"]}
    first = stored[odd["id"]]
    assert first.payload == odd["payload"]
    assert first.occurred_at == "2026-06-01T07:30:00.250000+00:00"
    assert (first.clock_synced, first.subject_type, first.subject_id) == (False, None, None)
    assert (first.kiosk_id, first.seq, first.kind, first.boot_id, first.mono_ns) == (
        "k1",
        1,
        "shift.start",
        "b1",
        1000,
    )
    second = stored[twice["id"]]
    assert (second.subject_type, second.subject_id, second.clock_synced) == ("staff", 2, True)
    assert second.payload == {"devices": ["phone"]}


def test_concurrent_duplicates_store_each_event_once(records: Running) -> None:
    batch = [event(i) for i in range(1, 301)]
    accepted: list[int] = []

    def pusher() -> None:
        while (answer := push(records, "k1", batch)).status_code in (429, 503):
            assert "Retry-After" in answer.headers
        accepted.append(answer.json()["accepted"])

    threads = [threading.Thread(target=pusher) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(accepted) == 300 and len(accepted) == 6
    assert count_events(records.engine) == 300


@pytest.mark.parametrize(
    ("token", "status"),
    [("", 401), ("kt_not-a-token", 401), ("Basic abc", 401), ("other", 403), ("revoked", 401)],
)
def test_tokens_are_checked_and_nothing_is_stored(
    records: Running, token: str, status: int
) -> None:
    kiosk = "k1"
    if token == "other":
        token = records.token("k2")
    elif token == "revoked":
        kiosk, token = "k3", records.token("k3")
        assert revoke_tokens(records.engine, "k3") == 1
    answer = push(records, kiosk, [event(1)], token=token)
    assert answer.status_code == status
    assert count_events(records.engine) == 0


def test_under_load_the_service_sheds_with_retry_after(records_engine: Engine) -> None:
    running = serve(records_engine, Settings(max_inflight=1))
    barrier = threading.Barrier(8)
    shed: list[int] = []

    def kiosk(n: int) -> None:
        batch = [event(i) for i in range(1, MAX_BATCH_EVENTS + 1)]
        barrier.wait()
        while (answer := push(running, f"k{n}", batch, key=f"b{n}")).status_code == 503:
            shed.append(int(answer.headers["Retry-After"]))
        assert answer.status_code == 200

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    running.stop()
    assert shed and all(s >= 1 for s in shed)
    assert count_events(records_engine) == 8 * MAX_BATCH_EVENTS


@pytest.mark.parametrize(
    ("data", "key", "status", "words"),
    [
        (b'{"events": [', None, 400, "not valid JSON"),
        (b"\xff\xfe", None, 400, "not valid JSON"),
        (b'{"events": []}', None, 422, "at least one"),
        (b"[1, 2]", None, 422, "must be an object"),
        (b'{"events": [], "x": 1}', None, 422, "must be an object"),
        (b'{"events": [{}]}', False, 400, "Idempotency-Key"),
        (b'{"events": [{}]}', "bad key with spaces", 400, "Idempotency-Key"),
    ],
)
def test_malformed_requests_are_refused(
    records: Running, data: bytes, key: Any, status: int, words: str
) -> None:
    answer = push(records, "k1", [], data=data, key=key)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


def test_invalid_events_are_named_and_nothing_is_stored(records: Running) -> None:
    good = event(1)
    bad_kind = event(2, kind="Shift Start!")
    bad_time = event(3, occurred_at="2026-11-24T07:45:00")  # no zone: refused
    answer = push(records, "k1", [good, bad_kind, bad_time])
    assert answer.status_code == 422
    named = answer.json()["invalid_events"]
    assert [(n["index"], n["id"]) for n in named] == [(1, bad_kind["id"]), (2, bad_time["id"])]
    assert count_events(records.engine) == 0


def test_a_nul_character_is_named_not_retried_forever(records: Running) -> None:
    """PostgreSQL cannot store U+0000 in text: such an event is a 422 naming it on either
    database (not a 503 the kiosk would retry for ever); a literal backslash-u0000 is fine."""
    nul_payload = event(1, payload={"note": "a\x00b", "list": [1, {"k\x00": 2}], "int": "\x00"})
    nul_name = event(2, subject={"type": "visitor", "id": 7, "name": "Ann\x00"})
    escaped = event(3, payload={"note": "\\u0000 is how JSON writes it"})
    answer = push(records, "k1", [nul_payload, nul_name, escaped])
    assert answer.status_code == 422, answer.text
    named = answer.json()["invalid_events"]
    assert [(n["index"], n["id"]) for n in named] == [(0, nul_payload["id"]), (1, nul_name["id"])]
    why = "contains a NUL character (\\u0000), which cannot be stored"
    assert named[0]["errors"] == [
        f"payload.note: {why}",
        f"payload.list.1.k\\u0000: {why}",
        f"payload.int: {why}",  # a key that is also the name of a JsonValue branch
    ]
    assert named[1]["errors"] == [f"subject.name: {why}"]
    assert count_events(records.engine) == 0
    assert push(records, "k1", [escaped]).json() == {"accepted": 1, "duplicates": 0}


def test_numbers_that_are_not_finite_are_named(records: Running) -> None:
    """NaN and Infinity are not JSON, though Python writes them: refused on either database
    (PostgreSQL cannot store them), with the field named once."""
    odd = event(1, payload={"temperature": float("nan"), "readings": [1.5, float("inf")]})
    answer = push(records, "k1", [odd, event(2)])
    assert answer.status_code == 422, answer.text
    (named,) = answer.json()["invalid_events"]
    assert named["index"] == 0
    assert named["errors"] == [
        "payload.temperature: Input should be a finite number",
        "payload.readings.1: Input should be a finite number",
    ]
    assert count_events(records.engine) == 0


def test_a_lone_surrogate_is_named_not_stored(records: Running) -> None:
    """JSON may escape half of a UTF-16 pair on its own; that is no character and cannot be
    stored as UTF-8 text by either database: a 422 naming the fields, nothing stored."""
    odd = event(1, boot_id="b\ud800", payload={"note": "\udc00 alone"})
    answer = push(records, "k1", [odd])
    assert answer.status_code == 422, answer.text
    errors = answer.json()["invalid_events"][0]["errors"]
    assert [e.split(":")[0] for e in errors] == ["boot_id", "payload.note"]
    assert count_events(records.engine) == 0


def test_oversized_batches_and_bodies_are_413(records: Running) -> None:
    many = [event(i) for i in range(1, MAX_BATCH_EVENTS + 2)]
    assert push(records, "k1", many).status_code == 413
    huge = event(1, payload={"blob": "x" * MAX_BODY_BYTES})
    assert push(records, "k1", [huge]).status_code == 413
    assert count_events(records.engine) == 0


def test_a_key_reused_for_another_batch_is_refused(records: Running) -> None:
    assert push(records, "k1", [event(1)], key="same").status_code == 200
    answer = push(records, "k1", [event(2)], key="same")
    assert answer.status_code == 409 and "different batch" in answer.json()["detail"]
    assert count_events(records.engine) == 1


def test_the_served_contract_is_the_file_in_the_repo(records: Running) -> None:
    served = requests.get(f"{records.url}/api/v1/openapi.json", timeout=5).json()
    # If this fails after a deliberate API change: python -m kiosk.sync.server.app
    assert served == json.loads(OPENAPI_FILE.read_text())
