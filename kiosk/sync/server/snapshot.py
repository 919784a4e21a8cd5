"""What a kiosk fetches from its setting: the roster and the setting's values as one versioned
document, built from named sections.

Each section is a function of (session, setting, kiosk id) returning plain JSON values, listed in
SECTIONS under the name the kiosk knows it by; a new kind of reference data is one more entry
there (and its reader on the kiosk). Every change to what a section returns must bump the
setting's `roster_version` (`registry.bump_roster`): the ETag is that version, so a kiosk whose
copy is current is answered `304` after one indexed lookup, without building anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.types import Role
from kiosk.sync.contract import SNAPSHOT_FORMAT
from kiosk.sync.server.models import Subject
from kiosk.sync.server.policy_reference import policy_reference
from kiosk.sync.server.roster import ROLES
from kiosk.sync.server.setting_admin import POLICY, texts_of
from kiosk.sync.server.tenancy import TEXT_KINDS, Badge, Kiosk, Person, Setting

Section = Callable[[Session, Setting, str], Any]


def staff(session: Session, setting: Setting, _kiosk_id: str) -> list[dict[str, Any]]:
    """Everyone the setting has had: leavers too (inactive), so old records keep their names.
    A person first seen in a push has the role that push named, which may be any short text:
    the kiosk knows staff and manager only, and only the console makes a manager."""
    people = session.scalars(
        select(Person).where(Person.setting_id == setting.id).order_by(Person.id)
    )
    return [
        {"id": p.id, "name": p.name, "role": p.role if p.role in ROLES else Role.STAFF.value,
         "usual_locker": p.usual_locker,
         "pin_hash": p.pin_hash, "active": p.left_at is None}
        for p in people
    ]  # fmt: skip


def badges(session: Session, setting: Setting, _kiosk_id: str) -> list[dict[str, Any]]:
    """Live badges only: a badge that is not listed does not open anything."""
    rows = session.execute(
        select(Badge.uid, Badge.person_id)
        .where(Badge.setting_id == setting.id, Badge.revoked_at.is_(None))
        .order_by(Badge.uid)
    )
    return [{"uid": uid, "staff_id": person_id} for uid, person_id in rows]


def notices(session: Session, setting: Setting, _kiosk_id: str) -> dict[str, Any]:
    """The current version of each text (texts_of lists the newest first)."""
    current: dict[str, Any] = {}
    for text in texts_of(session, setting):
        if text.kind in TEXT_KINDS and text.kind not in current:
            current[text.kind] = {"version": text.version, "text": text.body}
    return current


def policy(_session: Session, setting: Setting, _kiosk_id: str) -> dict[str, Any]:
    """The setting's values under the kiosk config's own keys, so the kiosk checks each with
    `bound_error` and lets it override its file."""
    values = {key: getattr(setting, column) for column, key in POLICY.items()}
    return {"kiosk.setting_name": setting.name, **values}


def links(session: Session, _setting: Setting, kiosk_id: str) -> dict[str, int]:
    """Which person each of this kiosk's own staff numbers was linked to when pushed, so a
    kiosk that had staff of its own renumbers them as the service already understood them
    (once: a kiosk that runs on the snapshot numbers staff by person id already)."""
    if session.scalar(select(Kiosk.managed_from_seq).where(Kiosk.id == kiosk_id)) is not None:
        return {}
    rows = session.execute(
        select(Subject.id, Subject.person_id).where(
            Subject.kiosk_id == kiosk_id, Subject.type == "staff", Subject.person_id.is_not(None)
        )
    )
    return {str(local): int(person) for local, person in rows if person is not None}


SECTIONS: dict[str, Section] = {
    "staff": staff,
    "badges": badges,
    "notices": notices,
    "policy": policy,
    "links": links,
    # The setting's cameras and tablets, staff agreements, event-day notices and approved
    # virtual observations (issue 13); the console's changes to them bump the roster version.
    "policy_reference": lambda session, setting, _kiosk_id: policy_reference(session, setting.id),
}


@dataclass(frozen=True)
class Snapshot:
    etag: str
    body: bytes | None  # None: the kiosk's copy is current (304)


def etag_of(setting_id: int, version: int) -> str:
    return f'"s{setting_id}-v{version}-f{SNAPSHOT_FORMAT}"'


def snapshot_for(session: Session, kiosk_id: str, if_none_match: str | None) -> Snapshot | None:
    """The kiosk's setting as a document, or only its ETag when `if_none_match` is current;
    None for a kiosk that belongs to no setting."""
    row = session.execute(
        select(Setting).join(Kiosk, Kiosk.setting_id == Setting.id).where(Kiosk.id == kiosk_id)
    ).scalar_one_or_none()
    if row is None:
        return None
    etag = etag_of(row.id, row.roster_version)
    if if_none_match is not None and etag in _tags(if_none_match):
        return Snapshot(etag, None)
    document = {
        "format": SNAPSHOT_FORMAT,
        "setting_id": row.id,
        "version": row.roster_version,
        "sections": {name: build(session, row, kiosk_id) for name, build in SECTIONS.items()},
    }
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Snapshot(etag, body.encode("utf-8"))


def _tags(header: str) -> set[str]:
    return {tag.strip() for tag in header.split(",")}
