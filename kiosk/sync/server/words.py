"""What the console calls things: the words a manager uses, not the log's identifiers."""

from __future__ import annotations

from typing import Any

from kiosk.domain.kind_words import KIND_WORDS

KINDS = KIND_WORDS  # shared with the kiosk's subject access file
GROUPS = {
    "shift": "Shifts",
    "device": "Devices out and back",
    "exception": "Devices not back at shift end",
    "equipment": "The setting's cameras and tablets",
    "agreement": "Staff agreements",
    "visitor": "Visitors",
    "badge": "Badges",
    "approval": "Approvals",
    "evacuation": "Evacuations",
    "admin": "Kiosk administration",
    "roster": "Setting updates at the kiosk",
}
REASONS = {
    "emergency": "emergency",
    "home_visit": "home visit",
    "outing": "outing",
    "virtual_course": "virtual course",
}


def kind(value: str) -> str:
    return KINDS.get(value, value)


def reason(value: Any) -> str:
    return REASONS.get(str(value), str(value or ""))


def kind_choices() -> list[tuple[str, str]]:
    """The events page's kind filter: each group, then each kind."""
    return [*GROUPS.items(), *KINDS.items()]


def devices(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")
