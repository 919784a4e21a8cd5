"""Staff agreements and declarations on the console.

Agreements are versioned texts (published on the Notices page, `setting_admin.publish_text`);
here: each one's current version, the renewal period, and who has and has not acknowledged which
version, read from the `agreement.*` events of the setting's kiosks with the kiosk's own rule
(`kiosk.domain.agreements`). Declarations (a friendship with a parent or carer from before
joining) are recorded by a manager with a review date and shown only here, to managers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.agreements import Agreement, due_agreements, histories
from kiosk.domain.types import EventKind, PolicyError
from kiosk.sync.server import audit, queries
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.csvrows import local_time
from kiosk.sync.server.dated_view import DATED, dated_fact
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.registry import bump_roster
from kiosk.sync.server.tenancy import AGREEMENT_KINDS, Declaration, Person, Setting, SettingText

AGREEMENT_EVENTS = (EventKind.AGREEMENT_ACK.value, EventKind.AGREEMENT_DEFER.value)


def current_agreements(session: Session, setting_id: int) -> list[tuple[str, SettingText]]:
    """(the kiosk's kind, the newest version's text) for each agreement published."""
    found = []
    for text_kind, kind in AGREEMENT_KINDS.items():
        query = (
            select(SettingText)
            .where(SettingText.setting_id == setting_id, SettingText.kind == text_kind)
            .order_by(SettingText.created_at.desc(), SettingText.id.desc())
        )
        newest = session.scalars(query.limit(1)).first()
        if newest is not None:
            found.append((kind, newest))
    return found


def set_renewal(session: Session, setting: Setting, actor: audit.Actor, text: str) -> None:
    days = int(text) if text.strip().isdigit() and len(text.strip()) < 6 else 0
    if not 30 <= days <= 3650:
        raise PolicyError("The renewal period is 30 to 3650 days (a year is 365).")
    row = session.get(Setting, setting.id)
    assert row is not None  # checked by the caller's scope
    if row.agreement_renewal_days != days:
        row.agreement_renewal_days = days
        bump_roster(session, setting.id)
        audit.record(session, actor, "agreement_renewal", setting.id, days=days)


@dataclass(frozen=True)
class StaffStatus:
    name: str
    cells: list[str]  # one per current agreement
    due: bool


def acknowledgements(session: Session, setting: Setting) -> tuple[list[str], list[StaffStatus]]:
    """The agreements' headings, and each member of staff's standing with each."""
    current = current_agreements(session, setting.id)
    agreements = [Agreement(kind, t.version, t.body) for kind, t in current]
    events = list(session.scalars(
        select(RecordEvent)
        .where(RecordEvent.kiosk_id.in_(queries.kiosks_of(setting.id)),
               RecordEvent.kind.in_(AGREEMENT_EVENTS))
        # Acknowledged when it happened, not when an unset clock said (1970 would be overdue).
        .order_by(RecordEvent.dated_at, RecordEvent.kiosk_id, RecordEvent.seq)
        .options(*DATED)
    ))  # fmt: skip
    names = queries.people_for(session, events)
    by_name: dict[str, list[RecordEvent]] = {}
    for e in events:  # one person across the setting's doors: their name (as the roster does)
        by_name.setdefault(
            queries.name_of(names, e.kiosk_id, "staff", e.subject_id or 0), []
        ).append(e)
    staff = session.scalars(select(Person.name).where(Person.setting_id == setting.id,
                                                      Person.left_at.is_(None)))  # fmt: skip
    for name in staff:
        by_name.setdefault(name, [])
    tz, renewal = ZoneInfo(setting.timezone), timedelta(days=setting.agreement_renewal_days)
    rows = [_status(name, by_name[name], agreements, renewal, tz) for name in sorted(by_name)]
    return [f"{a.title} (v{a.version})" for a in agreements], rows


def _status(
    name: str, events: list[RecordEvent], agreements: list[Agreement], renewal: timedelta,
    tz: ZoneInfo,
) -> StaffStatus:  # fmt: skip
    past = histories(dated_fact(e) for e in events)
    due = {
        d.agreement.kind: d for d in due_agreements(agreements, past, datetime.now(UTC), renewal)
    }
    cells = []
    for agreement in agreements:
        history = past.get(agreement.kind)
        last = ""
        if history is not None and history.last_ack_at is not None:
            when = local_time(history.last_ack_at.isoformat(), tz)[:10]
            last = f"v{history.last_ack_version} on {when}"
        if agreement.kind not in due:
            cells.append(f"yes: {last}")
            continue
        put_off = "; put off once" if history is not None and history.deferred_since_ack else ""
        cells.append(f"NO ({due[agreement.kind].why}){'; last ' + last if last else ''}{put_off}")
    return StaffStatus(name, cells, bool(due))


def declarations_of(session: Session, setting: Setting) -> list[tuple[Declaration, str, bool]]:
    """Each declaration, its person's name, and whether its review date has come."""
    today = datetime.now(ZoneInfo(setting.timezone)).date().isoformat()
    query = (
        select(Declaration, Person.name)
        .join(Person, Person.id == Declaration.person_id)
        .where(Declaration.setting_id == setting.id)
        .order_by(Declaration.review_on)
    )
    return [(d, name, d.review_on <= today) for d, name in session.execute(query)]


def add_declaration(
    session: Session, setting: Setting, actor: audit.Actor, *,
    person_id: str, about: str, review_on: str,
) -> None:  # fmt: skip
    person = session.get(Person, int(person_id)) if person_id.isdigit() else None
    if person is None or person.setting_id != setting.id or person.left_at is not None:
        raise PolicyError("Choose a member of the setting's staff.")
    about = about.replace("\r\n", "\n").strip()
    if not 1 <= len(about) <= 1000:
        raise PolicyError("Say what is declared, in 1 to 1000 characters.")
    try:
        review = date.fromisoformat(review_on.strip())
    except ValueError:
        raise PolicyError("The review date is a date, e.g. 2027-06-30.") from None
    session.add(Declaration(setting_id=setting.id, person_id=person.id, about=about,
                            review_on=review.isoformat(), recorded_by=actor.name,
                            created_at=now_text()))  # fmt: skip
    # The audit names the person, never what was declared.
    audit.record(session, actor, "declaration_add", setting.id, person=person.name)


def remove_declaration(
    session: Session, setting: Setting, actor: audit.Actor, declaration_id: int
) -> bool:
    row = session.get(Declaration, declaration_id)
    if row is None or row.setting_id != setting.id:
        return False
    session.delete(row)
    audit.record(session, actor, "declaration_remove", setting.id, declaration=declaration_id)
    return True
