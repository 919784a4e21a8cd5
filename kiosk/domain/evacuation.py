"""The evacuation roll call, as pure rules: who must be accounted for, who is, and the figures a
drill record keeps (who started it, how long until everyone was accounted for, who never was).

An evacuation is three kinds of event: `evacuation.started` (drill or real, by a member of staff,
with the roll as it stood: everyone on site, staff and visitors), `evacuation.marked` (one person
accounted for, by whom) and `evacuation.ended`. Someone on the roll who signs out after the start
has left the building on their way, so counts as accounted for too; someone who arrives during it
is added to the list, since they are inside now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kiosk.domain.state import EventFact, SiteState
from kiosk.domain.types import EventKind, PolicyError

PersonKey = tuple[str, int]  # ("staff", staff id) or ("visitor", visitor id)


class Mode(StrEnum):
    DRILL = "drill"
    REAL = "real"


class Status(StrEnum):
    MISSING = "missing"  # not yet accounted for
    MARKED = "marked"  # ticked as accounted for
    LEFT = "left"  # signed out since the start: out of the building


@dataclass(frozen=True)
class RollEntry:
    """One person on the roll, with what the list needs besides their name."""

    key: PersonKey
    visitor_type: str | None = None  # None for staff
    lone_working: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"type": self.key[0], "id": self.key[1], "visitor_type": self.visitor_type,
                "lone_working": self.lone_working}  # fmt: skip


@dataclass(frozen=True)
class Mark:
    at: datetime
    by: int | None  # the staff member whose badge started the roll call at the kiosk


@dataclass
class Evacuation:
    evacuation_id: str
    mode: Mode
    started_at: datetime
    started_by: int | None
    roll: list[RollEntry] = field(default_factory=list)
    marks: dict[PersonKey, Mark] = field(default_factory=dict)
    ended_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class RollLine:
    entry: RollEntry
    status: Status
    mark: Mark | None = None

    @property
    def accounted(self) -> bool:
        return self.status is not Status.MISSING


def roll_from_state(state: SiteState) -> list[RollEntry]:
    """Everyone on site now: staff first, then visitors in the order they arrived."""
    staff = [RollEntry(("staff", int(sid))) for sid in state.staff]
    guests = sorted(state.visitors.values(), key=lambda v: v.arrived_at)
    visitors = [
        RollEntry(("visitor", int(v.visitor_id)), v.visitor_type, v.lone_working) for v in guests
    ]
    return staff + visitors


def start_payload(
    evacuation_id: str, mode: Mode, state: SiteState, kiosk_id: str, current: Evacuation | None
) -> dict[str, Any]:
    """What `evacuation.started` records; one roll call at a time per kiosk."""
    if current is not None and current.open:
        raise PolicyError("A roll call is already running. Carry on with it, or end it first.")
    roll = [entry.as_json() for entry in roll_from_state(state)]
    return {"evacuation_id": evacuation_id, "mode": mode.value, "kiosk": kiosk_id, "roll": roll}


def mark_payload(evacuation: Evacuation | None, key: PersonKey, kiosk_id: str) -> dict[str, Any]:
    """What `evacuation.marked` records, or PolicyError when there is nothing to mark."""
    if evacuation is None or not evacuation.open:
        raise PolicyError("There is no roll call running.")
    return {"evacuation_id": evacuation.evacuation_id, "kiosk": kiosk_id,
            "marked_by": evacuation.started_by}  # fmt: skip


def _entry(value: Mapping[str, Any]) -> RollEntry:
    visitor_type = value.get("visitor_type")
    return RollEntry(
        (str(value["type"]), int(value["id"])),
        str(visitor_type) if visitor_type is not None else None,
        bool(value.get("lone_working", False)),
    )


def _subject(event: EventFact) -> PersonKey | None:
    if event.staff_id is not None:
        return ("staff", int(event.staff_id))
    if event.visitor_id is not None:
        return ("visitor", int(event.visitor_id))
    return None


def _apply(current: Evacuation | None, event: EventFact) -> Evacuation | None:
    p = event.payload
    if event.kind == EventKind.EVACUATION_STARTED:
        return Evacuation(
            str(p["evacuation_id"]), Mode(p["mode"]), event.occurred_at,
            int(event.staff_id) if event.staff_id is not None else None,
            [_entry(e) for e in p.get("roll", [])],
        )  # fmt: skip
    if current is None or p.get("evacuation_id") != current.evacuation_id:
        return current
    key = _subject(event)
    if event.kind == EventKind.EVACUATION_MARKED and key is not None:
        by = p.get("marked_by")
        current.marks.setdefault(key, Mark(event.occurred_at, int(by) if by else None))
    elif event.kind == EventKind.EVACUATION_ENDED and current.ended_at is None:
        current.ended_at = event.occurred_at
    return current


def fold_latest(events: Iterable[EventFact]) -> Evacuation | None:
    """The latest evacuation in these events (in seq order), or None."""
    current: Evacuation | None = None
    for event in events:
        current = _apply(current, event)
    return current


def roll_lines(evacuation: Evacuation, state: SiteState) -> list[RollLine]:
    """The list to show: the roll plus anyone who arrived since, each marked, signed out or
    missing; those not yet accounted for first, then by the order of the roll."""
    entries = list(evacuation.roll)
    known = {e.key for e in entries}
    entries += [e for e in roll_from_state(state) if e.key not in known]
    here = {e.key for e in roll_from_state(state)}
    lines = [_line(evacuation, e, here) for e in entries]
    return sorted(lines, key=lambda line: line.accounted)  # stable: roll order within each


def _line(evacuation: Evacuation, entry: RollEntry, here: set[PersonKey]) -> RollLine:
    mark = evacuation.marks.get(entry.key)
    if mark is not None:
        return RollLine(entry, Status.MARKED, mark)
    return RollLine(entry, Status.MISSING if entry.key in here else Status.LEFT)


def headcount(lines: Iterable[RollLine]) -> tuple[int, int]:
    """(accounted for, everyone on the list)."""
    listed = list(lines)
    return sum(1 for line in listed if line.accounted), len(listed)
