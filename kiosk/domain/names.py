"""Checking and showing people's names: real names in any script accepted, junk refused,
as little as possible shown."""

from __future__ import annotations

import unicodedata

from kiosk.domain.types import PolicyError

MAX_NAME_CHARS = 80
MAX_TEXT_CHARS = 120


def clean_text(value: str, what: str, *, required: bool = True, limit: int = MAX_TEXT_CHARS) -> str:
    """Normalise free text typed at the kiosk: NFC, single spaces, no control characters."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise PolicyError(f"The {what} has characters that cannot be stored. Please retype it.")
    if required and not text:
        raise PolicyError(f"Please enter the {what}.")
    if len(text) > limit:
        raise PolicyError(f"The {what} is too long (at most {limit} characters).")
    return text


def clean_name(value: str, what: str = "name") -> str:
    """A person's name: any script, apostrophes and hyphens welcome, at most 80 characters."""
    name = clean_text(value, what, limit=MAX_NAME_CHARS)
    if not any(ch.isalpha() for ch in name):
        raise PolicyError(f"The {what} needs at least one letter.")
    return name


def first_name(name: str) -> str:
    """What the kiosk greets a person with: never their full name on a public screen."""
    return name.split(maxsplit=1)[0] if name.split() else name


def short_name(name: str) -> str:
    """First name and initial ("Jane D."), enough for a person to recognise themselves."""
    parts = name.split()
    if len(parts) < 2:
        return name
    return f"{parts[0]} {parts[-1][0]}."


def matches_prefix(name: str, typed: str) -> bool:
    """True when any word of the name starts with what was typed (case- and accent-insensitive)."""
    wanted = fold(typed)
    if not wanted:
        return False
    folded = fold(name)
    return folded.startswith(wanted) or any(word.startswith(wanted) for word in folded.split())


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def one_line(text: str) -> str:
    """A notice may have paragraphs; the config file's bound on a text is for one line."""
    return text.replace("\n", " ")
