"""Applying a checked setting snapshot (roster_check) to the kiosk's database, in one
transaction: staff, badges, lockers, the setting's values, and a `roster.applied` event naming the
version. A kiosk never runs on half a roster: either all of it commits, or none of it and the last
good snapshot stays.

Identity: a managed kiosk's `staff.id` is the setting's person id, so the same person has the same
number at every door. Staff the kiosk had before it was managed are renumbered once, the first
time (`rekey`). Staff no longer in the snapshot are kept, inactive, so their history keeps its
names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.config import Config, ConfigError, with_setting
from kiosk.domain.chain import REHASHED_FROM
from kiosk.domain.types import EventKind
from kiosk.store import events
from kiosk.store.models import AppliedSetting, Badge, Event, Locker, Staff
from kiosk.store.rekey import badges_to_keep, rekey_local_staff
from kiosk.store.roster_check import Roster, RosterRefused, RosterStaff

ROW_ID = 1


def applied(session: Session) -> AppliedSetting | None:
    """The snapshot this kiosk runs on; None on a stand-alone kiosk."""
    return session.get(AppliedSetting, ROW_ID)


def effective(config: Config, row: AppliedSetting | None) -> Config:
    """The config file with the setting's own values in place (snapshot over file)."""
    return config if row is None else with_setting(config, row.values.get("config", {}))


def apply_roster(
    session: Session, clock: Clock, config: Config, roster: Roster, etag: str
) -> Event | None:
    """Make the database what `roster` says, in the caller's transaction; the `roster.applied`
    event, or None when this version is already the one in use."""
    row = applied(session)
    if row is not None and (row.setting_id, row.version, row.etag) == (
        roster.setting_id, roster.version, etag):  # fmt: skip
        return None
    if row is not None and row.setting_id != roster.setting_id:
        # Person ids are per setting: another setting's would rename this one's history.
        raise RosterRefused(
            f"snapshot is of setting {roster.setting_id}, this kiosk runs on setting "
            f"{row.setting_id}: a kiosk moved to another setting is set up afresh"
        )
    try:
        with_setting(config, roster.config)
    except ConfigError as exc:
        raise RosterRefused(f"policy: {exc}") from None
    now = clock.now()
    rekeyed = rekey_local_staff(session, roster) if row is None else {}
    kept = badges_to_keep(session, roster) if row is None else {}
    _lockers(session, roster.config.get("lockers.ids", config.lockers.ids))
    _staff(session, roster.staff, now)
    _badges(session, {**kept, **roster.badges}, now)
    _record(session, row, roster, etag, now)
    payload: dict[str, Any] = {"version": roster.version, "setting_id": roster.setting_id,
                               "staff": sum(s.active for s in roster.staff),
                               "badges": len(roster.badges), "etag": etag}  # fmt: skip
    if row is None:  # the first: how the service renumbers its copy, and badges to enrol
        payload["rekeyed"] = {str(k): v for k, v in rekeyed.items()}
        payload["kept_badges"] = kept
    if any(old != new for old, new in rekeyed.items()):
        # Renumbering rewrote this kiosk's own rows: their hashes are made anew, and the event
        # saying so names the head before, which the records service holds (docs/sync.md).
        payload[REHASHED_FROM], _ = events.rechain(session, config.kiosk.id, 0)
    return events.append(session, clock, config.kiosk.id, EventKind.ROSTER_APPLIED,
                         payload=payload)  # fmt: skip


def _lockers(session: Session, wanted_ids: list[str]) -> None:
    wanted = set(wanted_ids)
    existing = {row.id: row for row in session.scalars(select(Locker))}
    for locker_id in wanted - set(existing):
        session.add(Locker(id=locker_id, active=True))
    for locker_id, row in existing.items():
        row.active = locker_id in wanted
    session.flush()


def _staff(session: Session, people: tuple[RosterStaff, ...], now: datetime) -> None:
    listed = {p.id: p for p in people}
    for row in session.scalars(select(Staff)):
        person = listed.pop(row.id, None)
        if person is None:  # not the setting's (any more): kept for its history, inactive
            row.active, row.pin_hash = False, None
            continue
        if row.pin_hash != person.pin_hash:  # a new PIN starts with a clean count
            row.pin_failures, row.pin_locked_until = 0, None
        row.name, row.role, row.active = person.name, person.role, person.active
        row.assigned_locker, row.pin_hash = person.usual_locker, person.pin_hash
    for person in listed.values():
        session.add(Staff(id=person.id, name=person.name, role=person.role, active=person.active,
                          assigned_locker=person.usual_locker, pin_hash=person.pin_hash,
                          created_at=now))  # fmt: skip
    session.flush()


def _badges(session: Session, live: dict[str, int], now: datetime) -> None:
    for badge in session.scalars(select(Badge)):
        owner = live.pop(badge.uid, None)
        if owner is None:
            badge.revoked_at = badge.revoked_at or now
        elif badge.staff_id != owner or badge.revoked_at is not None:
            badge.staff_id, badge.enrolled_at, badge.revoked_at = owner, now, None
    for uid, owner in live.items():
        session.add(Badge(uid=uid, staff_id=owner, enrolled_at=now))


def _record(
    session: Session, row: AppliedSetting | None, roster: Roster, etag: str, now: datetime
) -> None:
    values = {"config": roster.config, "notices": roster.notices}
    if row is None:
        session.add(AppliedSetting(id=ROW_ID, setting_id=roster.setting_id,
                                   version=roster.version, etag=etag, values=values,
                                   applied_at=now))  # fmt: skip
        return
    row.setting_id, row.version, row.etag, row.values, row.applied_at = (
        roster.setting_id, roster.version, etag, values, now)  # fmt: skip
