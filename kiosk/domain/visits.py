"""The visitor rules: the notice acknowledged, the lone-working exception, and finding oneself
to sign out without anyone else's name being shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.domain.names import clean_name, clean_text, fold, matches_prefix, short_name
from kiosk.domain.types import PolicyError, VisitorId, VisitorType


@dataclass(frozen=True)
class VisitorDetails:
    """Personal details, stored apart from events so retention can erase them."""

    visitor_type: VisitorType
    name: str
    organisation: str
    visiting: str


@dataclass(frozen=True)
class SignIn:
    details: VisitorDetails
    notice_version: str
    lone_working: bool
    quiet_space: str | None


def decide_sign_in(
    visitor_type: VisitorType,
    name: str,
    organisation: str,
    visiting: str,
    *,
    acknowledged: bool,
    notice_version: str,
    lone_working: bool,
    quiet_space: str,
) -> SignIn:
    """Check a sign-in; a lone worker is shown (and recorded as shown) the quiet space."""
    if not acknowledged:
        raise PolicyError("Please read the notice and tap 'I have read this and agree'.")
    org = clean_text(organisation, "organisation", required=lone_working)
    if lone_working and visitor_type == VisitorType.PARENT:
        raise PolicyError("The lone-working exception is for visitors whose organisation needs it.")
    details = VisitorDetails(
        visitor_type=visitor_type,
        name=clean_name(name),
        organisation=org,
        visiting=clean_text(visiting, "name of the person you are visiting", required=False),
    )
    return SignIn(details, notice_version, lone_working, quiet_space if lone_working else None)


@dataclass(frozen=True)
class VisitorMatch:
    visitor_id: VisitorId
    label: str  # first name and initial only


@dataclass(frozen=True)
class VisitorSearch:
    """What a name search found: the few matches, or that too many matched (type more)."""

    matches: list[VisitorMatch]
    too_many: bool = False


def search_visitors(
    typed: str,
    people: Iterable[tuple[VisitorId, str]],
    *,
    min_chars: int,
    max_results: int,
) -> VisitorSearch:
    """People whose name starts with what was typed: never a full list.

    Fewer letters than `min_chars` finds nobody; more matches than `max_results` also shows
    nobody (the person is asked to type more), so the screen never lists a crowd of names.
    """
    if len(fold(typed)) < min_chars:
        return VisitorSearch([])
    found = [
        VisitorMatch(vid, short_name(name)) for vid, name in people if matches_prefix(name, typed)
    ]
    if len(found) > max_results:
        return VisitorSearch([], too_many=True)
    return VisitorSearch(found)


def find_for_sign_out(
    typed: str,
    on_site: Iterable[tuple[VisitorId, str]],
    *,
    min_chars: int,
    max_results: int,
) -> list[VisitorMatch]:
    """Visitors on site matching what was typed (see `search_visitors`)."""
    found = search_visitors(typed, on_site, min_chars=min_chars, max_results=max_results)
    return found.matches
