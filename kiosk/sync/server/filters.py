"""The events page's filters, read from a query string: the raw text to show back in the form,
the `Filters` the queries take, and a sentence for each value that cannot be used.

A filter that cannot be used is never dropped or guessed at: showing every event when the manager
asked for some would be a wrong answer that looks right. Dates are the contract's years (an end
date of 9999-12-31 overflowed the day after it, a 500, and a CSV cut off after its header); a kind
is a kind's name, since `%` and `_` in it would be LIKE wildcards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from kiosk.sync.contract import FIRST_YEAR, LAST_YEAR
from kiosk.sync.server.queries import Filters

NAMES = ("start", "end", "kiosk", "person", "kind")
LABELS = {"start": "From", "end": "To", "kind": "Kind"}
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
# A kind or a family of kinds ("shift" or "shift.start"), as the push API allows them.
KIND = re.compile(r"[a-z_]{1,15}(\.[a-z_]{1,16})?")


@dataclass(frozen=True)
class Parsed:
    filters: Filters
    raw: dict[str, str]
    problems: list[str] = field(default_factory=list)


def parse(params: Mapping[str, str]) -> Parsed:
    """The filters in `params`; any that cannot be used are named in `problems`."""
    # NUL removed: no stored text holds one, and PostgreSQL refuses one in a query.
    raw = {k: params.get(k, "")[:80].replace("\x00", "") for k in NAMES}
    problems: list[str] = []
    start, end = _day("start", raw, problems), _day("end", raw, problems)
    if start and end and start > end:
        problems.append(f"From ({start}) is after To ({end}).")
    if raw["kind"] and not KIND.fullmatch(raw["kind"]):
        problems.append(f"Kind: {raw['kind']} is not an event kind.")
    return Parsed(Filters(start, end, raw["kiosk"], raw["person"], raw["kind"]), raw, problems)


def _day(name: str, raw: dict[str, str], problems: list[str]) -> date | None:
    text = raw[name]
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        problems.append(f"{LABELS[name]}: {text} is not a date (YYYY-MM-DD).")
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        problems.append(f"{LABELS[name]}: {text} is outside {FIRST_DAY} to {LAST_DAY}.")
        return None
    return day
