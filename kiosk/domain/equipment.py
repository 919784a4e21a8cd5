"""The setting's own equipment (cameras, tablets): the only devices that may photograph children,
signed out by a member of staff for a purpose and back in, and what the manager should chase.

These are never personal devices: they have their own register, their own event kinds
(`equipment.out`, `equipment.in`) and their own words on every screen, so the two cannot be
confused. Who has which is a fold of those events, like the rest of the site's state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.domain.overdue import locker_deadline
from kiosk.domain.state import EventFact
from kiosk.domain.types import EventKind, PolicyError, StaffId

KINDS = ("camera", "tablet", "laptop", "other")


class Purpose(StrEnum):
    LEARNING_JOURNALS = "learning_journals"
    DISPLAY = "display"
    VIRTUAL_COURSE = "virtual_course"
    OUTING = "outing"


PURPOSE_LABELS: dict[Purpose, str] = {
    Purpose.LEARNING_JOURNALS: "Learning journals",
    Purpose.DISPLAY: "Display",
    Purpose.VIRTUAL_COURSE: "Virtual course",
    Purpose.OUTING: "Outing",
}


@dataclass(frozen=True)
class EquipmentInfo:
    equipment_id: int
    kind: str
    label: str
    asset_tag: str = ""
    tag_uid: str | None = None  # the RFID tag stuck on it, if it has one
    active: bool = True


@dataclass(frozen=True)
class EquipmentOut:
    equipment_id: int
    label: str
    staff_id: StaffId
    purpose: Purpose
    since: datetime


def fold_equipment(events: Iterable[EventFact]) -> dict[int, EquipmentOut]:
    """Equipment id -> who has it now, from equipment events in seq order."""
    out: dict[int, EquipmentOut] = {}
    for event in events:
        ident = int(event.payload["equipment_id"])
        if event.kind == EventKind.EQUIPMENT_OUT and event.staff_id is not None:
            out[ident] = EquipmentOut(ident, str(event.payload.get("equipment", "")),
                                      event.staff_id, Purpose(event.payload["purpose"]),
                                      event.occurred_at)  # fmt: skip
        elif event.kind == EventKind.EQUIPMENT_IN:
            out.pop(ident, None)
    return out


def decide_out(
    item: EquipmentInfo, out: dict[int, EquipmentOut], on_shift: bool, purpose: Purpose
) -> dict[str, Any]:
    """Check signing the setting's equipment out; returns the payload to record."""
    if not item.active:
        raise PolicyError(f"{item.label} is no longer in the setting's register.")
    if not on_shift:
        raise PolicyError("Start your shift first, then sign out the setting's equipment.")
    if item.equipment_id in out:
        raise PolicyError(f"{item.label} is already signed out. It must be signed back in first.")
    return {"equipment_id": item.equipment_id, "equipment": item.label,
            "equipment_kind": item.kind, "purpose": purpose.value}  # fmt: skip


def decide_in(item: EquipmentInfo, out: dict[int, EquipmentOut], by: StaffId) -> dict[str, Any]:
    """Check signing equipment back in (whoever brings it back); the event is about its holder."""
    if item.equipment_id not in out:
        raise PolicyError(f"{item.label} is not signed out, so there is nothing to sign in.")
    return {"equipment_id": item.equipment_id, "equipment": item.label,
            "equipment_kind": item.kind, "returned_by": by}  # fmt: skip


@dataclass(frozen=True)
class LateEquipment:
    out: EquipmentOut
    why: str  # "not back by closing" or "shift ended"


def find_late(
    out: dict[int, EquipmentOut], on_shift: set[StaffId], now: datetime,
    *, closing: time, grace: timedelta, tz: ZoneInfo,
) -> list[LateEquipment]:  # fmt: skip
    """Equipment not back by closing (plus grace) on the day it went out, or out with someone
    whose shift has ended: the manager chases both."""
    late = []
    for item in sorted(out.values(), key=lambda o: o.since):
        if item.staff_id not in on_shift:
            late.append(LateEquipment(item, "shift ended"))
        elif now > locker_deadline(item.since, closing, grace, tz):
            late.append(LateEquipment(item, "not back by closing"))
    return late


def check_register(items: list[EquipmentInfo]) -> None:
    """A register the kiosk can use: labels and tags unique, kinds known, sizes sane."""
    labels: set[str] = set()
    tags: set[str] = set()
    for item in items:
        if item.kind not in KINDS:
            raise PolicyError(
                f"Unknown kind of equipment {item.kind!r} (one of {', '.join(KINDS)})."
            )
        if not 1 <= len(item.label.strip()) <= 60:
            raise PolicyError("Each piece of equipment needs a label of 1 to 60 characters.")
        if item.label.casefold() in labels:
            raise PolicyError(f"Two pieces of equipment are labelled {item.label!r}.")
        labels.add(item.label.casefold())
        if item.tag_uid:
            if item.tag_uid in tags:
                raise PolicyError(f"Two pieces of equipment have the tag {item.tag_uid}.")
            tags.add(item.tag_uid)
