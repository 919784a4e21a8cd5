"""Several doors, one setting: the order of the merged log and the conflicts two doors can make.

Each kiosk's own events keep their `seq` order. Kiosks' logs are merged by `occurred_at`, looking
only at the next event of each kiosk (a k-way merge), ties broken by kiosk id: so a kiosk whose
clock stepped back never has its own events reordered, and the same events give the same merged
log wherever they are merged (at every door and on the records service), whatever order they
arrived in.

Two doors cut off from each other can both act on one person. The fold resolves nothing on its
own authority beyond the plain rule (the later event in the merged log wins, as at one door); each
event that the state at that point says could not have happened is reported as a `Conflict`, for
the manager to see, and no event is dropped.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.state import EventFact, SiteState, apply
from kiosk.domain.types import EventKind

# Visits recorded before visits had a uuid get one derived from where they were recorded, so the
# kiosk (upgrading its database) and the records service (upgrading its own) agree on it.
_VISITS = uuid.UUID("5e1c7a54-2d0b-4c55-9a55-7f3c0d0e11a1")


def visit_uuid(kiosk_id: str, visitor_id: int) -> str:
    """The uuid of a visit that was recorded without one: kiosk `kiosk_id`'s visitor number."""
    return str(uuid.uuid5(_VISITS, f"{kiosk_id}:{visitor_id}"))


@dataclass(frozen=True)
class DoorEvent:
    """An event with where it comes from: its kiosk and that kiosk's seq."""

    event_id: str
    kiosk_id: str
    seq: int
    fact: EventFact


@dataclass(frozen=True)
class Conflict:
    event_id: str
    kiosk_id: str
    occurred_at: datetime
    kind: str
    why: str
    staff_id: int | None = None
    visitor_id: int | None = None


def merged(events: Iterable[DoorEvent]) -> Iterator[DoorEvent]:
    """The events of several kiosks in the merged log's order (see the module's docstring)."""
    streams: dict[str, list[DoorEvent]] = {}
    for event in events:
        streams.setdefault(event.kiosk_id, []).append(event)
    ordered = [sorted(stream, key=lambda e: e.seq) for _, stream in sorted(streams.items())]
    return heapq.merge(*ordered, key=lambda e: (e.fact.occurred_at, e.kiosk_id))


def _staff_conflict(state: SiteState, fact: EventFact) -> str | None:
    assert fact.staff_id is not None
    presence = state.staff.get(fact.staff_id)
    if fact.kind == EventKind.SHIFT_START and presence is not None:
        return "shift started while already on shift (started at another door?)"
    if fact.kind == EventKind.SHIFT_END and presence is None:
        return "shift ended but no shift was open (ended at two doors?)"
    if fact.kind in (EventKind.DEVICE_OUT, EventKind.DEVICE_IN) and presence is None:
        return f"{fact.kind} while not on shift"
    device = str(fact.payload.get("device", ""))
    if fact.kind == EventKind.DEVICE_OUT and presence and device in presence.out:
        return f"{device} taken out while already out"
    if fact.kind == EventKind.DEVICE_IN and presence and device not in presence.out:
        return f"{device} put back but was not out"
    return None


def _visitor_conflict(state: SiteState, fact: EventFact) -> str | None:
    assert fact.visitor_id is not None
    present = fact.visitor_id in state.visitors
    if fact.kind == EventKind.VISITOR_IN and present:
        return "visitor signed in while already on site"
    if fact.kind == EventKind.VISITOR_OUT and not present:
        return "visitor signed out but was not on site (signed out at two doors?)"
    return None


def conflict_of(state: SiteState, fact: EventFact) -> str | None:
    """Why this event could not have happened in this state, or None if it could."""
    if fact.staff_id is not None and fact.kind.startswith(("shift.", "device.")):
        return _staff_conflict(state, fact)
    if fact.visitor_id is not None and fact.kind.startswith("visitor."):
        return _visitor_conflict(state, fact)
    return None


def fold_doors(
    events: Iterable[DoorEvent], state: SiteState | None = None
) -> tuple[SiteState, list[Conflict]]:
    """Fold several kiosks' events in the merged order; the state and the conflicts met."""
    state = state if state is not None else SiteState()
    conflicts: list[Conflict] = []
    for event in merged(events):
        fact = event.fact
        why = conflict_of(state, fact)
        if why is not None:
            conflicts.append(Conflict(event.event_id, event.kiosk_id, fact.occurred_at, fact.kind,
                                      why, fact.staff_id, fact.visitor_id))  # fmt: skip
        apply(state, fact)
    return state, conflicts
