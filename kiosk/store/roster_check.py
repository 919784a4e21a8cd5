"""Checking a setting snapshot from the records service before anything of it is used.

The whole document is read and checked first: its size, its shape, every staff member, badge,
notice and policy value (with the config file's own bounds, `kiosk.config.bound_error`). One bad
field refuses the whole snapshot, with a reason that names the field and never a person, and the
kiosk keeps running on the last good one. Sections this kiosk does not know are ignored (a newer
service may send more).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kiosk.config import SETTING_OWNED, bound_error
from kiosk.domain.names import MAX_NAME_CHARS, one_line
from kiosk.domain.people import normalise_uid
from kiosk.domain.types import PolicyError, Role
from kiosk.security import is_checkable

FORMAT = 1
MAX_BYTES = 1024 * 1024
MAX_STAFF = 2000
MAX_BADGES = 4000
MAX_ID = 2**31 - 1
NOTICE_KINDS = ("visitor_notice", "staff_notice")


class RosterRefused(ValueError):
    """A snapshot that cannot be used; the message names the field, never a person."""


@dataclass(frozen=True)
class RosterStaff:
    id: int
    name: str
    role: str
    usual_locker: str | None
    pin_hash: str | None
    active: bool


@dataclass(frozen=True)
class Roster:
    setting_id: int
    version: int
    staff: tuple[RosterStaff, ...]
    badges: dict[str, int]  # live badge uid -> staff id
    config: dict[str, Any]  # SETTING_OWNED key -> the setting's value
    notices: dict[str, dict[str, str]]  # kind -> {"version", "text"}
    links: dict[int, int]  # this kiosk's earlier staff number -> person id


def parse_roster(body: bytes) -> Roster:
    """The snapshot in `body`, checked whole; RosterRefused says why not."""
    if len(body) > MAX_BYTES:
        raise RosterRefused(f"snapshot is {len(body)} bytes, over the {MAX_BYTES} limit")
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RosterRefused(f"snapshot is not JSON ({type(exc).__name__})") from None
    doc = _table(doc, "snapshot")
    if doc.get("format") != FORMAT:
        raise RosterRefused(f"snapshot format {doc.get('format')!r} is not {FORMAT}")
    sections = _table(doc.get("sections"), "sections")
    staff = _staff(_list(sections.get("staff"), "staff", MAX_STAFF))
    ids = {s.id for s in staff}
    notices = _notices(_table(sections.get("notices"), "notices"))
    config = _config(_table(sections.get("policy"), "policy"), notices)
    _lockers_known(staff, config)
    return Roster(
        setting_id=_id(doc.get("setting_id"), "setting_id"),
        version=_id(doc.get("version"), "version"),
        staff=staff,
        badges=_badges(_list(sections.get("badges"), "badges", MAX_BADGES), staff),
        config=config,
        notices=notices,
        links=_links(_table(sections.get("links", {}), "links"), ids),
    )


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RosterRefused(f"{where}: must be an object")
    return value


def _list(value: Any, where: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise RosterRefused(f"{where}: must be a list")
    if len(value) > limit:
        raise RosterRefused(f"{where}: {len(value)} entries, over the {limit} limit")
    return value


def _id(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise RosterRefused(f"{where}: must be a whole number from 1 to {MAX_ID}")
    return value


def _text(value: Any, where: str, limit: int, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= limit or "\x00" in value:
        raise RosterRefused(f"{where}: must be text of 1 to {limit} characters")
    return value


def _staff(rows: list[Any]) -> tuple[RosterStaff, ...]:
    found: dict[int, RosterStaff] = {}
    for n, raw in enumerate(rows):
        row, where = _table(raw, f"staff[{n}]"), f"staff[{n}]"
        person = RosterStaff(
            id=_id(row.get("id"), f"{where}.id"),
            name=str(_text(row.get("name"), f"{where}.name", MAX_NAME_CHARS)),
            role=_role(row.get("role"), f"{where}.role"),
            usual_locker=_text(row.get("usual_locker"), f"{where}.usual_locker", 16, optional=True),
            pin_hash=_pin_hash(row.get("pin_hash"), f"{where}.pin_hash"),
            active=_flag(row.get("active"), f"{where}.active"),
        )
        if person.id in found:
            raise RosterRefused(f"{where}.id: {person.id} appears twice")
        found[person.id] = person
    return tuple(found.values())


def _role(value: Any, where: str) -> str:
    if value not in {r.value for r in Role}:
        raise RosterRefused(f"{where}: must be one of {', '.join(r.value for r in Role)}")
    return str(value)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise RosterRefused(f"{where}: must be true or false")
    return value


def _pin_hash(value: Any, where: str) -> str | None:
    text = _text(value, where, 200, optional=True)
    if text is not None and not is_checkable(text):
        raise RosterRefused(f"{where}: is not a PIN hash this kiosk can check")
    return text


def _badges(rows: list[Any], staff: tuple[RosterStaff, ...]) -> dict[str, int]:
    active = {s.id for s in staff if s.active}
    found: dict[str, int] = {}
    for n, raw in enumerate(rows):
        row, where = _table(raw, f"badges[{n}]"), f"badges[{n}]"
        try:
            uid = normalise_uid(str(_text(row.get("uid"), f"{where}.uid", 20)))
        except PolicyError:
            raise RosterRefused(f"{where}.uid: is not a badge number") from None
        owner = _id(row.get("staff_id"), f"{where}.staff_id")
        if owner not in active:
            raise RosterRefused(f"{where}.staff_id: {owner} is not a current member of staff")
        if uid in found:
            raise RosterRefused(f"{where}.uid: appears twice")
        found[uid] = owner
    return found


def _notices(raw: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for kind in NOTICE_KINDS:
        if kind not in raw:
            continue
        row = _table(raw[kind], f"notices.{kind}")
        version = str(_text(row.get("version"), f"notices.{kind}.version", 40))
        found[kind] = {"version": version, "text": str(_text(row.get("text"), kind, 4000))}
    return found


def _config(policy: dict[str, Any], notices: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The setting-owned config values, each within the config file's own bounds."""
    values = {key: value for key, value in policy.items() if key in SETTING_OWNED}
    if values.get("notice.quiet_space") == "":  # the console has none yet: the file's stays
        del values["notice.quiet_space"]
    visitor = notices.get("visitor_notice")
    if visitor is not None:
        values["notice.version"], values["notice.text"] = visitor["version"], visitor["text"]
    for key, value in values.items():
        error = bound_error(key, one_line(value) if key == "notice.text" else value)
        if error:
            raise RosterRefused(f"policy: {error}")
    return values


def _lockers_known(staff: tuple[RosterStaff, ...], config: dict[str, Any]) -> None:
    lockers = config.get("lockers.ids")
    for n, person in enumerate(staff):
        if lockers is not None and person.usual_locker not in (None, *lockers):
            raise RosterRefused(f"staff[{n}].usual_locker: not one of the setting's lockers")


def _links(raw: dict[str, Any], ids: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for local, person in raw.items():
        if not local.isdigit() or _id(person, f"links.{local}") not in ids:
            raise RosterRefused(f"links.{local}: must link a staff number to a listed person")
        found[_id(int(local), f"links.{local}")] = person
    return found
