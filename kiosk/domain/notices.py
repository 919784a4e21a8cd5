"""Which notice a visitor acknowledges, and the rule that a notice's version follows its text.

A version label names one text: the record says "version 2026-09", so that label must always
mean the words that were on the screen. The kiosk remembers a fingerprint of the text it first
showed under each (version, language); a different text under a label it already knows is
refused, saying a new version is needed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from kiosk.domain.types import PolicyError


def fingerprint(text: str) -> str:
    """The text's SHA-256, over its words: re-wrapping a line in the config is not a change."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def check_same_text(version: str, language: str, known: str | None, text: str) -> None:
    """Refuse `text` under `version` if that version was first shown with other words."""
    if known is not None and known != fingerprint(text):
        raise PolicyError(
            f"The notice text ({language}) changed but its version is still {version!r}: "
            "a changed text needs a new version (notice.version, or notice.versions for a "
            "translation). Nothing was recorded."
        )


@dataclass(frozen=True)
class DayNotice:
    """The visitor notice for one special day, instead of the usual one."""

    on_date: date
    title: str
    version: str
    text: str


def check_day_notices(items: list[DayNotice]) -> None:
    if len({n.on_date for n in items}) != len(items):
        raise PolicyError("One event-day notice per date.")
    for notice in items:
        if not 1 <= len(notice.title.strip()) <= 80:
            raise PolicyError("An event-day notice needs a title of 1 to 80 characters.")
        if not 1 <= len(notice.version.strip()) <= 40 or not 1 <= len(notice.text.strip()) <= 2000:
            raise PolicyError(f"The notice for {notice.on_date} needs a version and a text.")
