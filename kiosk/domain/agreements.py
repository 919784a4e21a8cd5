"""The staff agreements (e-safety and internet use, confidentiality): which a member of staff must
acknowledge before their shift starts, and whether they may put one off.

An agreement is due when its current version has never been acknowledged, or the last
acknowledgement of it is older than the setting's renewal period. A person may defer a due
agreement once (recorded), so nobody is kept from work; after that it is acknowledged before the
shift starts. A deferral counts until the next acknowledgement of that agreement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.domain.state import EventFact
from kiosk.domain.types import EventKind, PolicyError

TITLES = {
    "esafety": "E-safety and internet agreement",
    "confidentiality": "Confidentiality agreement",
}


@dataclass(frozen=True)
class Agreement:
    kind: str  # a key of TITLES
    version: str
    text: str

    @property
    def title(self) -> str:
        return TITLES.get(self.kind, self.kind)


@dataclass(frozen=True)
class Due:
    agreement: Agreement
    why: str  # "new version" / "renewal" / "never acknowledged"
    may_defer: bool


@dataclass
class History:
    """One person's acknowledgements and deferrals of one agreement, from their events."""

    last_ack_version: str | None = None
    last_ack_at: datetime | None = None
    deferred_since_ack: bool = False


def histories(events: Iterable[EventFact]) -> dict[str, History]:
    """Agreement kind -> the person's history, from their agreement events in seq order."""
    found: dict[str, History] = {}
    for event in events:
        history = found.setdefault(str(event.payload.get("agreement")), History())
        if event.kind == EventKind.AGREEMENT_ACK:
            history.last_ack_version = str(event.payload.get("version"))
            history.last_ack_at = event.occurred_at
            history.deferred_since_ack = False
        elif event.kind == EventKind.AGREEMENT_DEFER:
            history.deferred_since_ack = True
    return found


def due_agreements(
    current: list[Agreement], past: dict[str, History], now: datetime, renewal: timedelta
) -> list[Due]:
    due = []
    for agreement in current:
        history = past.get(agreement.kind, History())
        why = _why_due(agreement, history, now, renewal)
        if why:
            due.append(Due(agreement, why, may_defer=not history.deferred_since_ack))
    return due


def _why_due(agreement: Agreement, history: History, now: datetime, renewal: timedelta) -> str:
    if history.last_ack_at is None:
        return "never acknowledged"
    if history.last_ack_version != agreement.version:
        return "new version"
    if now - history.last_ack_at > renewal:
        return "renewal"
    return ""


def decide_defer(due: list[Due], kind: str) -> Due:
    found = next((d for d in due if d.agreement.kind == kind), None)
    if found is None:
        raise PolicyError("That agreement is not waiting for you.")
    if not found.may_defer:
        raise PolicyError(
            f"The {found.agreement.title} was put off once already. Please read it and agree "
            "before your shift starts."
        )
    return found


def check_agreements(items: list[Agreement]) -> None:
    """A set the kiosk can use: known kinds, one version of each, a text of sane size."""
    kinds = [a.kind for a in items]
    for agreement in items:
        if agreement.kind not in TITLES:
            raise PolicyError(f"Unknown agreement {agreement.kind!r} ({', '.join(TITLES)}).")
        if not 1 <= len(agreement.text.strip()) <= 8000 or not agreement.version.strip():
            raise PolicyError(f"The {agreement.title} needs a version and a text.")
    if len(set(kinds)) != len(kinds):
        raise PolicyError("Each agreement is given once (its current version).")
