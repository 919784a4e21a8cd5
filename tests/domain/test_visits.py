"""Visitor rules: the notice, lone working, odd names, and sign-out search that lists nobody."""

from __future__ import annotations

import pytest

from kiosk.domain.names import clean_name, first_name, matches_prefix, short_name
from kiosk.domain.types import PolicyError, VisitorId, VisitorType
from kiosk.domain.visits import decide_sign_in, find_for_sign_out

QUIET = "The office by the front door"


def sign_in(**overrides: object) -> object:
    args: dict[str, object] = {
        "visitor_type": VisitorType.VISITOR,
        "name": "Jane Doe",
        "organisation": "Ofsted",
        "visiting": "Room 2",
        "acknowledged": True,
        "notice_version": "v1",
        "lone_working": False,
        "quiet_space": QUIET,
    }
    args.update(overrides)
    return decide_sign_in(**args)  # type: ignore[arg-type]


def test_a_lone_worker_is_shown_the_quiet_space_and_others_are_not() -> None:
    assert sign_in(lone_working=True).quiet_space == QUIET  # type: ignore[attr-defined]
    assert sign_in(lone_working=False).quiet_space is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"acknowledged": False}, "read the notice"),
        ({"name": "   "}, "enter the name"),
        ({"name": "1234"}, "at least one letter"),
        ({"name": "x" * 81}, "too long"),
        ({"name": "Jane\x00Doe"}, "cannot be stored"),
        ({"lone_working": True, "organisation": ""}, "enter the organisation"),
        ({"lone_working": True, "visitor_type": VisitorType.PARENT}, "organisation needs it"),
    ],
)
def test_sign_in_refusals(overrides: dict[str, object], error: str) -> None:
    with pytest.raises(PolicyError, match=error):
        sign_in(**overrides)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  Siobhán   Ó'Brien-Nguyễn ", "Siobhán Ó'Brien-Nguyễn"),
        ('=HYPERLINK("http://x")', '=HYPERLINK("http://x")'),  # stored; neutralised on export
        ("李 小龍", "李 小龍"),
        ("Cafe\u0301", "Café"),  # combining accent normalised to one character (NFC)
    ],
)
def test_odd_names_are_kept_as_typed_but_tidied(typed: str, expected: str) -> None:
    assert clean_name(typed) == expected


def test_the_screen_shows_first_names_and_initials_only() -> None:
    assert first_name("Jane Mary Doe") == "Jane"
    assert short_name("Jane Mary Doe") == "Jane D."
    assert short_name("Cher") == "Cher"


ON_SITE = [
    (VisitorId(1), "Jane Doe"),
    (VisitorId(2), "Janet Smith"),
    (VisitorId(3), "Zoë Adams"),
    (VisitorId(4), "Sam Jansen"),
]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("", []),
        ("j", []),  # fewer letters than the minimum finds nobody
        ("ja", []),  # three matches, more than the maximum of 2: type more
        ("jan", []),
        ("janet", ["Janet S."]),
        ("zoe", ["Zoë A."]),  # accents need not be typed
        ("ADA", ["Zoë A."]),  # any word of the name, any case
        ("jans", ["Sam J."]),
        ("xy", []),
    ],
)
def test_sign_out_search_never_lists_a_crowd(typed: str, found: list[str]) -> None:
    matches = find_for_sign_out(typed, ON_SITE, min_chars=2, max_results=2)
    assert [m.label for m in matches] == found


def test_prefix_matching() -> None:
    assert matches_prefix("Siobhán Ó'Brien", "ó'b")
    assert not matches_prefix("Siobhán Ó'Brien", "brien")
    assert not matches_prefix("Anyone", "   ")


def test_a_search_says_when_too_many_match_rather_than_nobody() -> None:
    from kiosk.domain.visits import search_visitors

    crowd = search_visitors("ja", ON_SITE, min_chars=2, max_results=2)
    assert crowd.matches == [] and crowd.too_many
    nobody = search_visitors("xy", ON_SITE, min_chars=2, max_results=2)
    assert nobody.matches == [] and not nobody.too_many
    short = search_visitors("j", ON_SITE, min_chars=2, max_results=2)
    assert short.matches == [] and not short.too_many
