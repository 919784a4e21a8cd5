"""The events page's filters over real HTTP, on SQLite and PostgreSQL: a date the service cannot
work with is a clear message (never a 500, never a cut-off CSV), and the kind filter matches
kinds, not LIKE patterns."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from kiosk.sync.server.managers import set_password
from tests.sync.server import Running
from tests.sync.site import morning
from tests.sync.test_api import event, push
from tests.sync.test_web import PASSWORD, home, login


@pytest.fixture
def manager(records: Running, tmp_path: Path) -> requests.Session:
    morning(records, tmp_path).close()
    set_password(records.engine, "amara", PASSWORD)
    web, answer = login(records)
    assert answer.status_code == 303
    return web


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"end": "9999-12-31"}, "To: 9999-12-31 is outside 1970-01-01 to 2999-12-31"),
        ({"start": "0001-01-01"}, "From: 0001-01-01 is outside 1970-01-01 to 2999-12-31"),
        ({"start": "2026-13-01"}, "From: 2026-13-01 is not a date (YYYY-MM-DD)"),
        ({"end": "tomorrow"}, "To: tomorrow is not a date (YYYY-MM-DD)"),
        ({"start": "2026-11-25", "end": "2026-11-24"}, "From (2026-11-25) is after To"),
        ({"kind": "%"}, "Kind: % is not an event kind"),
        ({"kind": "shift.%"}, "Kind: shift.% is not an event kind"),
    ],
)
@pytest.mark.parametrize("path", ["/events", "/events.csv"])
def test_a_filter_the_service_cannot_use_is_a_clear_message(
    records: Running, manager: requests.Session, path: str, params: dict[str, str], words: str
) -> None:
    """9999-12-31 as the end date was a 500 on the page and a CSV cut off after its header;
    a malformed date was quietly dropped, showing more than was asked for."""
    answer = manager.get(home(records) + path, params=params, timeout=10)
    assert answer.status_code == 400, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/html")  # not a CSV to save
    assert words in answer.text.replace("&#x27;", "'")
    assert "Ben Carter" not in answer.text  # no events shown under a filter that was not applied


def test_a_filter_at_the_edges_of_the_range_is_answered(
    records: Running, manager: requests.Session
) -> None:
    params = {"start": "1970-01-01", "end": "2999-12-31"}
    page = manager.get(f"{home(records)}/events", params=params, timeout=10)
    assert page.status_code == 200 and "Ben Carter" in page.text
    export = manager.get(f"{home(records)}/events.csv", params=params, timeout=10)
    assert export.status_code == 200 and "Ben Carter" in export.text


def test_the_kind_filter_matches_kinds_not_like_patterns(
    records: Running, manager: requests.Session
) -> None:
    """`_` is a letter of a kind's name but a LIKE wildcard: 'a_' matched 'ab.x' too."""
    kinds = ["a_.y", "ab.x", "a_b.z"]
    answer = push(records, "k9", [event(i + 1, kind=k) for i, k in enumerate(kinds)])
    assert answer.status_code == 200, answer.text
    for wanted, found in [("a_", ["a_.y"]), ("a_.y", ["a_.y"]), ("ab", ["ab.x"])]:
        export = manager.get(
            f"{home(records, 'k9')}/events.csv", params={"kind": wanted}, timeout=10
        )
        assert export.status_code == 200
        assert sorted(k for k in kinds if f",{k}," in export.text) == found, wanted
