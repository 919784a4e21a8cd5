"""A subject access file as a person reads it: plain UTF-8 text, headed sections, local times,
nothing that needs our software (or a spreadsheet) to open.

What is held is gathered where it is held — the kiosk's database (`kiosk.services.access`) or the
records service's (`kiosk.sync.server.subject_access`) — into a `Holding`; this module writes it,
the same way for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.domain.kind_words import KIND_WORDS
from kiosk.domain.names import fold

ROLE_WORDS = {
    "subject": "about you",
    "approver": "you approved it",
    "recorder": "you recorded it for someone else",
}


@dataclass(frozen=True)
class HeldEvent:
    seq: int
    kind: str
    occurred_at: datetime
    clock_synced: bool
    roles: tuple[str, ...]  # "subject", "approver", "recorder"
    details: dict[str, Any]
    sync_state: str = ""
    kiosk_id: str = ""


@dataclass
class Holding:
    """What is held about one person, as plain values."""

    name: str
    staff: list[dict[str, Any]] = field(default_factory=list)
    badges: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    events: list[HeldEvent] = field(default_factory=list)
    # Records kept only at the records service (the console): declarations, observations.
    declarations: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.staff or self.visits or self.events or self.declarations
                    or self.observations)  # fmt: skip


def role_of(
    payload: dict[str, Any], about_them: bool, staff_ids: set[int], wanted: str
) -> tuple[str, ...]:
    """The parts a person had in an event: its subject, its approver, its recorder."""
    roles = ["subject"] if about_them else []
    if payload.get("approver_id") in staff_ids:
        roles.append("approver")
    if fold(str(payload.get("recorded_by") or "")) == wanted:
        roles.append("recorder")
    return tuple(roles)


def details(payload: dict[str, Any], names: dict[int, str], *, about_them: bool) -> dict[str, Any]:
    """The event's payload, approver by name; an event about someone else keeps only what the
    person did in it (nobody else's devices, locker or name)."""
    shown = dict(payload) if about_them else {k: payload[k] for k in ("reason",) if k in payload}
    if "approver_id" in shown:
        shown["approved by"] = names.get(shown.pop("approver_id"), "unknown")
    return shown


def render(holding: Holding, held_by: str, tz: ZoneInfo, made_at: datetime) -> str:
    """The file: `held_by` names the setting and where this copy of the data is."""
    lines = [
        f"What {held_by} holds about {holding.name}",
        f"(subject access request, made {_when(made_at, tz)})",
        "",
        *_section("As a member of staff", holding.staff, tz),
        *_section("Badges", holding.badges, tz),
        *_section("As a visitor or parent", holding.visits, tz),
        *_optional("Declarations", holding.declarations, tz),
        *_optional("Virtual observations", holding.observations, tz),
        f"== Records ({len(holding.events)}) ==",
        *(_event_line(e, tz) for e in holding.events),
        *([] if holding.events else ["none"]),
        "",
        "== Where copies are kept ==",
        *(f"- {where}" for where in holding.copies),
        "",
        "== How long ==",
        *(f"- {period}" for period in holding.periods),
        "",
        "A time marked (clock not set) was recorded before the kiosk knew the time of day;",
        "its order among the records is right, its date may not be.",
    ]
    return "\n".join(lines) + "\n"


def _optional(title: str, rows: list[dict[str, Any]], tz: ZoneInfo) -> list[str]:
    """A section only the records service can have: left out when it holds none."""
    return _section(title, rows, tz) if rows else []


def _section(title: str, rows: list[dict[str, Any]], tz: ZoneInfo) -> list[str]:
    lines = [f"== {title} =="]
    for row in rows:
        lines += [f"{key}: {_value(value, tz)}" for key, value in row.items()] + [""]
    return [*lines, "none", ""] if not rows else lines


def _event_line(e: HeldEvent, tz: ZoneInfo) -> str:
    when = _when(e.occurred_at, tz) + ("" if e.clock_synced else " (clock not set)")
    roles = ", ".join(ROLE_WORDS[r] for r in e.roles)
    kind = KIND_WORDS.get(e.kind, e.kind).replace(" (at the kiosk)", "")
    where = f" at {e.kiosk_id}" if e.kiosk_id else ""
    shown = "; ".join(
        f"{k.replace('_', ' ')}: {_value(v, tz)}" for k, v in sorted(e.details.items())
    )
    return f"- #{e.seq}{where} {when}  {kind}  [{roles}]" + (f"  {shown}" if shown else "")


def _value(value: Any, tz: ZoneInfo) -> str:
    if isinstance(value, datetime):
        return _when(value, tz)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
