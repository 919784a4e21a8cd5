"""Which setting a kiosk belongs to, and which of the setting's people a kiosk's staff id is.

A kiosk gets a token only once it is a kiosk of a setting; one issued from the command line for a
kiosk nobody registered gets a setting of its own (as the migration gave every existing kiosk), so
a stand-alone setting needs no console step. A kiosk that runs on its setting's snapshot
(issue 11) numbers staff by the setting's person ids, so its staff id is the person; one that
numbers staff itself has each kiosk-local staff id linked, the first time it is pushed, to the
setting's person of the same name, or to a new person, so the same person at two doors of one
setting is one person.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.sync.server.clock import now_text
from kiosk.sync.server.models import Subject
from kiosk.sync.server.tenancy import Kiosk, Organisation, Person, Setting


def setting_of(session: Session, kiosk_id: str) -> int | None:
    return session.scalar(select(Kiosk.setting_id).where(Kiosk.id == kiosk_id))


UNNAMED = "Organisation"


def first_organisation(session: Session, name: str = "") -> int:
    """The organisation of a single-organisation service, created on first use; `name` names
    it if it has no name of its own yet."""
    found = session.scalar(select(Organisation).order_by(Organisation.id).limit(1))
    if found is not None:
        if name and found.name == UNNAMED:
            found.name = name
        return found.id
    org = Organisation(name=name or UNNAMED, created_at=now_text())
    session.add(org)
    session.flush()
    return org.id


def new_setting(session: Session, organisation_id: int, name: str) -> Setting:
    setting = Setting(organisation_id=organisation_id, name=name, created_at=now_text())
    session.add(setting)
    session.flush()
    return setting


def ensure_kiosk(session: Session, kiosk_id: str) -> int:
    """The kiosk's setting; an unknown kiosk becomes the kiosk of a new setting of its own."""
    found = setting_of(session, kiosk_id)
    if found is not None:
        return found
    setting = new_setting(session, first_organisation(session), kiosk_id)
    session.add(Kiosk(id=kiosk_id, setting_id=setting.id, label=kiosk_id, created_at=now_text()))
    return setting.id


def bump_roster(session: Session, setting_id: int) -> None:
    """A change to what kiosks of the setting will fetch (issue 11): a new roster version."""
    session.execute(
        update(Setting)
        .where(Setting.id == setting_id)
        .values(roster_version=Setting.roster_version + 1)
    )


def link_staff(session: Session, kiosk_id: str, local_ids: Iterable[int]) -> None:
    """Point this kiosk's not yet linked staff subjects at the setting's people."""
    setting_id = setting_of(session, kiosk_id)
    ids = sorted(set(local_ids))
    if setting_id is None or not ids:
        return
    unlinked = session.scalars(
        select(Subject).where(
            Subject.kiosk_id == kiosk_id,
            Subject.type == "staff",
            Subject.id.in_(ids),
            Subject.person_id.is_(None),
        )
    ).all()
    managed = _managed_people(session, kiosk_id, setting_id, [s.id for s in unlinked])
    by_name = [s for s in unlinked if s.id not in managed]
    for subject in unlinked:
        subject.person_id = (
            managed.get(subject.id) or _person_named(session, setting_id, subject).id
        )
    if by_name:  # a new person, or a new link the kiosk will fetch (snapshot.links)
        bump_roster(session, setting_id)


def _managed_people(
    session: Session, kiosk_id: str, setting_id: int, ids: list[int]
) -> dict[int, int]:
    """A kiosk on its setting's snapshot numbers staff by person id: those ids, as people."""
    managed = session.scalar(select(Kiosk.managed_from_seq).where(Kiosk.id == kiosk_id))
    if managed is None or not ids:
        return {}
    found = session.scalars(
        select(Person.id).where(Person.setting_id == setting_id, Person.id.in_(ids))
    )
    return {person: person for person in found}


def _person_named(session: Session, setting_id: int, subject: Subject) -> Person:
    name = subject.name or f"staff #{subject.id}"
    person = session.scalar(
        select(Person)
        .where(Person.setting_id == setting_id, Person.name == name, Person.left_at.is_(None))
        .order_by(Person.id)
        .limit(1)
    )
    if person is None:
        person = Person(setting_id=setting_id, name=name, role=subject.role or "staff",
                        created_at=now_text())  # fmt: skip
        session.add(person)
        session.flush()
    return person


class KioskTaken(ValueError):
    """The kiosk id is registered already; the message is safe to show."""


def register_kiosk(session: Session, setting_id: int, kiosk_id: str, label: str = "") -> None:
    if session.get(Kiosk, kiosk_id) is not None:
        raise KioskTaken(f"a kiosk called {kiosk_id!r} is registered already")
    session.add(Kiosk(id=kiosk_id, setting_id=setting_id, label=label or kiosk_id,
                      created_at=now_text()))  # fmt: skip
