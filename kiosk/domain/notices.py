"""Which notice a visitor acknowledges, and the rule that a notice's version follows its text.

A version label names one text: the record says "version 2026-09", so that label must always
mean the words that were on the screen. The kiosk remembers a fingerprint of the text it first
showed under each (version, language); a different text under a label it already knows is
refused, saying a new version is needed.
"""

from __future__ import annotations

import hashlib

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
