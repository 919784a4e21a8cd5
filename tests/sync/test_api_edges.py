"""The push API at its edges, over real HTTP on SQLite and PostgreSQL: times the service cannot
hold, dates sent as numbers, and one id with two contents in one batch. Each is a 422 that names
the field (a kiosk does not retry a 422), and nothing of the batch is stored."""

from __future__ import annotations

import json

import pytest

from kiosk.sync.contract import OPENAPI_FILE
from kiosk.sync.server.ingest import count_events
from tests.sync.server import Running
from tests.sync.test_api import event, push


def refused_fields(answer: object) -> list[list[str]]:
    """Per invalid event, the fields its errors name (the text before the first ':')."""
    assert hasattr(answer, "json")
    return [[e.split(":")[0] for e in n["errors"]] for n in answer.json()["invalid_events"]]


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59-05:00",  # beyond datetime's range once moved to UTC: was a 500
        "0001-01-01T00:00:00+05:00",  # before it, the same way round
        "9999-12-31T23:59:59+00:00",  # storable, but no kiosk's clock says so
        "1969-07-20T20:17:40Z",
        "3000-01-01T00:00:00Z",
    ],
)
def test_a_time_out_of_range_is_a_422_naming_the_field(records: Running, when: str) -> None:
    answer = push(records, "k1", [event(1), event(2, occurred_at=when)])
    assert answer.status_code == 422, answer.text
    assert refused_fields(answer) == [["occurred_at"]]
    (named,) = answer.json()["invalid_events"]
    assert named["index"] == 1 and "1970" in named["errors"][0] and "2999" in named["errors"][0]
    assert count_events(records.engine) == 0


@pytest.mark.parametrize(
    "when",
    [1764662400, 1764662400.5, "1764662400", True, "2026-11-24T07:45Z", "2026-11-24 07:45:00Z"],
    ids=["int", "float", "digits", "bool", "no-seconds", "space"],
)
def test_a_time_must_be_rfc3339_text(records: Running, when: object) -> None:
    """A JSON number (or digits in a string) was taken as seconds since 1970: the contract says
    a date-time is RFC 3339 text, so anything else is refused, not guessed at."""
    answer = push(records, "k1", [event(1, occurred_at=when)])
    assert answer.status_code == 422, answer.text
    assert refused_fields(answer) == [["occurred_at"]]
    assert "RFC 3339" in answer.json()["invalid_events"][0]["errors"][0]
    assert count_events(records.engine) == 0


def test_the_edges_of_the_range_are_stored(records: Running) -> None:
    first = event(1, occurred_at="1970-01-01T00:00:00Z")  # a Pi that booted without the time
    last = event(2, occurred_at="2999-12-31T23:59:59-05:00")
    lower = event(3, occurred_at="2026-11-24t07:45:00.5z")
    answer = push(records, "k1", [first, last, lower])
    assert answer.json() == {"accepted": 3, "duplicates": 0}, answer.text


def test_one_id_with_two_contents_refuses_the_whole_batch(records: Running) -> None:
    """Was half stored and called a duplicate: which of the two is the event? Neither is
    stored, both are named; the same event twice is still one event and one duplicate."""
    good = event(1)
    first = event(2)
    other = {**first, "kind": "shift.end"}
    answer = push(records, "k1", [good, first, other])
    assert answer.status_code == 422, answer.text
    named = answer.json()["invalid_events"]
    assert [(n["index"], n["id"]) for n in named] == [(1, first["id"]), (2, first["id"])]
    assert all("different content" in n["errors"][0] for n in named)
    assert count_events(records.engine) == 0
    again = push(records, "k1", [good, first, first])
    assert again.json() == {"accepted": 2, "duplicates": 1}


def test_the_contract_says_what_a_time_may_be() -> None:
    occurred = json.loads(OPENAPI_FILE.read_text())["components"]["schemas"]["EventIn"][
        "properties"
    ]["occurred_at"]
    assert occurred["format"] == "date-time" and occurred["pattern"].startswith("^(19[7-9]")
    events = json.loads(OPENAPI_FILE.read_text())["components"]["schemas"]["BatchIn"]
    assert "same id" in events["properties"]["events"]["description"]
