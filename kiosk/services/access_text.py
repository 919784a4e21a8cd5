"""The subject access file as a person reads it: plain UTF-8 text, headed sections, local times,
nothing that needs our software (or a spreadsheet) to open."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.config import Config
from kiosk.domain.kind_words import KIND_WORDS
from kiosk.services.access import HeldEvent, Holding

ROLE_WORDS = {
    "subject": "about you",
    "approver": "you approved it",
    "recorder": "you recorded it for someone else",
}


def render(holding: Holding, config: Config, made_at: datetime) -> str:
    tz = ZoneInfo(config.kiosk.timezone)
    days = config.retention
    lines = [
        f"What {config.kiosk.setting_name} holds about {holding.name}",
        f"(subject access request; kiosk {config.kiosk.id}, made {_when(made_at, tz)})",
        "",
        *_section("As a member of staff", holding.staff, tz),
        *_section("Badges", holding.badges, tz),
        *_section("As a visitor or parent", holding.visits, tz),
        f"== Records ({len(holding.events)}) ==",
        *(_event_line(e, tz) for e in holding.events),
        *([] if holding.events else ["none"]),
        "",
        "== Where copies are kept ==",
        *(f"- {where}" for where in holding.copies),
        "",
        "== How long ==",
        f"- visitors' names, organisations and who they visited: {days.visitor_details_days} days",
        f"- refused badges and wrong PINs: {days.refused_attempts_days} days",
        f"- staff shift and device records: {days.staff_events_days} days",
        f"- exported files: {days.export_files_days} days",
        "",
        "A time marked (clock not set) was recorded before the kiosk knew the time of day;",
        "its order among the records is right, its date may not be.",
    ]
    return "\n".join(lines) + "\n"


def _section(title: str, rows: list[dict[str, Any]], tz: ZoneInfo) -> list[str]:
    lines = [f"== {title} =="]
    for row in rows:
        lines += [f"{key}: {_value(value, tz)}" for key, value in row.items()] + [""]
    return [*lines, "none", ""] if not rows else lines


def _event_line(e: HeldEvent, tz: ZoneInfo) -> str:
    when = _when(e.occurred_at, tz) + ("" if e.clock_synced else " (clock not set)")
    roles = ", ".join(ROLE_WORDS[r] for r in e.roles)
    details = "; ".join(
        f"{k.replace('_', ' ')}: {_value(v, tz)}" for k, v in sorted(e.details.items())
    )
    kind = KIND_WORDS.get(e.kind, e.kind).replace(" (at the kiosk)", "")
    return f"- #{e.seq} {when}  {kind}  [{roles}]" + (f"  {details}" if details else "")


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
