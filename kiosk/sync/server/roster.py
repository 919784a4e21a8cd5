"""Changes to a setting's staff made on the console: add, edit, mark a leaver, enrol and revoke
badges, set a manager's kiosk PIN. Each takes an open session and the setting already checked as
the account's, refuses bad input with a PolicyError (its message is shown), bumps the setting's
roster version (what kiosks will fetch, issue 11) and writes the audit entry, in the caller's one
transaction. A PIN is stored only as its scrypt hash, the kiosk's own format."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.domain.approvals import check_new_pin
from kiosk.domain.people import normalise_uid
from kiosk.domain.types import EventKind, PolicyError, Role
from kiosk.security import hash_pin
from kiosk.sync.server import audit
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.queries import kiosks_of
from kiosk.sync.server.registry import bump_roster
from kiosk.sync.server.tenancy import Badge, Person, Setting

ROLES = {Role.STAFF.value: "Staff", Role.MANAGER.value: "Manager"}
RECENT_UNKNOWN = 20


@dataclass(frozen=True)
class PersonForm:
    name: str
    role: str
    usual_locker: str


def _checked(setting: Setting, form: PersonForm) -> PersonForm:
    name = " ".join(form.name.split())
    if not 1 <= len(name) <= 80:
        raise PolicyError("A name is 1 to 80 characters.")
    if form.role not in ROLES:
        raise PolicyError("Choose Staff or Manager.")
    if form.usual_locker and form.usual_locker not in setting.lockers:
        raise PolicyError(f"There is no locker {form.usual_locker!r} in this setting.")
    return PersonForm(name, form.role, form.usual_locker)


def person_of(session: Session, setting: Setting, person_id: str) -> Person | None:
    """The setting's person with this id; another setting's is None, like a missing one."""
    if not person_id.isdigit() or len(person_id) > 12:
        return None
    person = session.get(Person, int(person_id))
    return person if person is not None and person.setting_id == setting.id else None


def add_person(session: Session, setting: Setting, actor: audit.Actor, form: PersonForm) -> int:
    form = _checked(setting, form)
    person = Person(setting_id=setting.id, name=form.name, role=form.role,
                    usual_locker=form.usual_locker or None, created_at=now_text())  # fmt: skip
    session.add(person)
    session.flush()
    _changed(session, setting, actor, "staff_add", person, role=form.role)
    return person.id


def edit_person(
    session: Session, setting: Setting, actor: audit.Actor, person: Person, form: PersonForm
) -> None:
    form = _checked(setting, form)
    before = person.name
    person.name, person.role, person.usual_locker = form.name, form.role, form.usual_locker or None
    if form.role != Role.MANAGER.value:
        person.pin_hash = None  # only managers approve at the kiosk
    _changed(session, setting, actor, "staff_edit", person, was=before, role=form.role,
             locker=form.usual_locker)  # fmt: skip


def mark_leaver(session: Session, setting: Setting, actor: audit.Actor, person: Person) -> None:
    """Left: badges revoked and PIN removed; the person and their history stay."""
    if person.left_at is not None:
        raise PolicyError(f"{person.name} is marked as left already.")
    when = now_text()
    person.left_at, person.pin_hash = when, None
    session.execute(
        update(Badge)
        .where(Badge.person_id == person.id, Badge.revoked_at.is_(None))
        .values(revoked_at=when)
    )
    _changed(session, setting, actor, "staff_leave", person)


def live_badge(session: Session, setting: Setting, uid: str) -> Badge | None:
    query = select(Badge).where(
        Badge.setting_id == setting.id, Badge.uid == uid, Badge.revoked_at.is_(None)
    )
    return session.scalar(query)


def enrol_badge(
    session: Session, setting: Setting, actor: audit.Actor, person: Person, raw_uid: str
) -> str:
    if person.left_at is not None:
        raise PolicyError(f"{person.name} has left: a badge cannot be enrolled for them.")
    uid = normalise_uid(raw_uid)
    holder = live_badge(session, setting, uid)
    if holder is not None:
        raise PolicyError(f"Badge {uid} is enrolled already; revoke it first.")
    session.add(Badge(setting_id=setting.id, person_id=person.id, uid=uid,
                      enrolled_at=now_text()))  # fmt: skip
    _changed(session, setting, actor, "badge_enrol", person, uid=uid)
    return uid


def revoke_badge(
    session: Session, setting: Setting, actor: audit.Actor, person: Person, badge_id: str
) -> None:
    badge = session.get(Badge, int(badge_id)) if badge_id.isdigit() else None
    if badge is None or badge.person_id != person.id or badge.revoked_at is not None:
        raise PolicyError("That badge is not one of this person's live badges.")
    badge.revoked_at = now_text()
    _changed(session, setting, actor, "badge_revoke", person, uid=badge.uid)


def set_pin(
    session: Session, setting: Setting, actor: audit.Actor, person: Person, pin: str
) -> None:
    if person.role != Role.MANAGER.value or person.left_at is not None:
        raise PolicyError("Only a current manager has a kiosk PIN.")
    person.pin_hash = hash_pin(check_new_pin(pin))
    _changed(session, setting, actor, "pin_set", person)


def badges_of(session: Session, person: Person) -> list[Badge]:
    return list(session.scalars(select(Badge).where(Badge.person_id == person.id)
                                .order_by(Badge.enrolled_at.desc())))  # fmt: skip


def recent_unknown(session: Session, setting: Setting) -> list[tuple[str, str, str]]:
    """(uid, kiosk, when) of badges tapped lately at the setting's kiosks and not enrolled."""
    rows = session.scalars(
        select(RecordEvent)
        .where(RecordEvent.kiosk_id.in_(kiosks_of(setting.id)),
               RecordEvent.kind == EventKind.BADGE_UNKNOWN.value)
        .order_by(RecordEvent.occurred_at.desc())
        .limit(RECENT_UNKNOWN * 3)
    )  # fmt: skip
    enrolled = set(session.scalars(select(Badge.uid).where(
        Badge.setting_id == setting.id, Badge.revoked_at.is_(None))))  # fmt: skip
    found: dict[str, tuple[str, str, str]] = {}
    for e in rows:
        uid = str((e.payload or {}).get("uid") or "")
        if uid and uid not in enrolled and uid not in found:
            found[uid] = (uid, e.kiosk_id, e.occurred_at)
    return list(found.values())[:RECENT_UNKNOWN]


def _changed(
    session: Session, setting: Setting, actor: audit.Actor, action: str, person: Person,
    **detail: object,
) -> None:  # fmt: skip
    bump_roster(session, setting.id)
    audit.record(session, actor, action, setting.id, person_id=person.id, person=person.name,
                 **detail)  # fmt: skip
