"""The records service's own retention: what it keeps no longer than the kiosks do.

Each kiosk erases a visitor's details after 30 days and tells the service (its status report);
this is the service's backstop for a kiosk that stopped reporting, and the limit on everything
else it holds. Ages are measured from `received_at`, the service's own clock, never from a kiosk's
`occurred_at`: a Pi that booted without the time would otherwise have fresh events removed on
arrival. `kiosk records serve` applies it at start and once a day; `kiosk records prune` on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Delete, Engine, delete, exists, select, update
from sqlalchemy.orm import Session

from kiosk.domain.types import EventKind
from kiosk.sync.server import evacuations, sitestate
from kiosk.sync.server.managers import drop_expired_sessions
from kiosk.sync.server.models import IdempotencyKey, RecordEvent, Subject
from kiosk.sync.server.queries import kiosks_of
from kiosk.sync.server.tenancy import Declaration, Person, Setting, VirtualObservation

REFUSED_KINDS = (EventKind.BADGE_REFUSED.value, EventKind.APPROVAL_REFUSED.value)


@dataclass(frozen=True)
class Retention:
    """Days each kind of record is kept (the kiosk's own defaults, see kiosk.toml [retention])."""

    visitor_details_days: int = 30
    unknown_badge_days: int = 30
    events_days: int = 400
    refused_days: int = 30  # refused badges and wrong PINs
    # A kiosk resends a batch within hours; after this a resend is still stored once (events
    # are keyed by id), it is only answered as duplicates instead of as a replay.
    idempotency_key_days: int = 30


@dataclass(frozen=True)
class Pruned:
    visitors_erased: int
    unknown_badge_events: int
    old_events: int
    idempotency_keys: int
    web_sessions: int
    refused_events: int = 0  # refused badges and wrong PINs


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def prune(engine: Engine, policy: Retention, now: datetime | None = None) -> Pruned:
    """Apply the policy in one transaction; how many of each were erased or removed. Ages are
    counted back from `now`; a web session's expiry is checked on the real clock, as at log-in.
    The service's periods are the longest anything is kept; a setting whose own periods
    (`tenancy.Setting`, edited on the console) are shorter has its kiosks' records pruned
    sooner."""
    now = now or datetime.now(UTC)
    with Session(engine) as session, session.begin():
        service = Periods(policy.visitor_details_days, policy.unknown_badge_days,
                          policy.events_days, policy.refused_days)  # fmt: skip
        counts = list(_prune_events(session, service, now, None))
        columns = (Setting.id, Setting.visitor_days, Setting.unknown_badge_days,
                   Setting.events_days, Setting.refused_days)  # fmt: skip
        for ident, *days in session.execute(select(*columns)):
            own = Periods(*days)
            if own.any_shorter(service):
                more = _prune_events(session, own, now, ident)
                counts = [a + b for a, b in zip(counts, more, strict=True)]
        keys = _delete(
            session,
            delete(IdempotencyKey).where(
                IdempotencyKey.created_at < _text(now - timedelta(days=policy.idempotency_key_days))
            ),
        )
        sessions = drop_expired_sessions(session)
        _drop_leavers_declarations(session, _text(now - timedelta(days=policy.events_days)))
        # A professional's details are kept like a visitor's, counted from the observation day.
        past = (now - timedelta(days=policy.visitor_details_days)).date().isoformat()
        session.execute(delete(VirtualObservation).where(VirtualObservation.on_date < past))
    visitors, unknown, old, refused = counts
    return Pruned(visitors, unknown, old, keys, sessions, refused)


def _drop_leavers_declarations(session: Session, before: str) -> None:
    """A declaration is about someone working here: kept no longer than their other records."""
    leavers = select(Person.id).where(Person.left_at.is_not(None), Person.left_at < before)
    session.execute(delete(Declaration).where(Declaration.person_id.in_(leavers)))


@dataclass(frozen=True)
class Periods:
    visitor_days: int
    unknown_badge_days: int
    events_days: int
    refused_days: int

    def any_shorter(self, other: Periods) -> bool:
        """Would these periods prune anything the other's keep?"""
        return (
            self.visitor_days < other.visitor_days
            or self.unknown_badge_days < other.unknown_badge_days
            or self.events_days < other.events_days
            or self.refused_days < other.refused_days
        )


def _prune_events(
    session: Session, periods: Periods, now: datetime, setting_id: int | None
) -> tuple[int, int, int, int]:
    """Visitors erased, unknown-badge events, old events and refused attempts removed:
    everywhere, or only at the kiosks of one setting."""

    def before(days: int) -> str:
        return _text(now - timedelta(days=days))

    def scoped(statement: Delete) -> Delete:
        if setting_id is None:
            return statement
        return statement.where(RecordEvent.kiosk_id.in_(kiosks_of(setting_id)))

    visitors = _erase_quiet_visitors(session, before(periods.visitor_days), _text(now), setting_id)
    unknown = _delete(session, scoped(delete(RecordEvent).where(
        RecordEvent.kind == EventKind.BADGE_UNKNOWN.value,
        RecordEvent.received_at < before(periods.unknown_badge_days),
    )))  # fmt: skip
    refused = _delete(session, scoped(delete(RecordEvent).where(
        RecordEvent.kind.in_(REFUSED_KINDS),
        RecordEvent.received_at < before(periods.refused_days),
    )))  # fmt: skip
    cutoff = RecordEvent.received_at < before(periods.events_days)
    touched = scoped_kiosks(session, cutoff, setting_id)
    old = _delete(session, scoped(delete(RecordEvent).where(cutoff)))
    # A roll call is kept as long as the events it was folded from.
    evacuations.prune(session, before(periods.events_days),
                      kiosks_of(setting_id) if setting_id is not None else None)  # fmt: skip
    if old:  # what is on site is the fold of the events kept: refold the kiosks that lost some
        sitestate.rebuild(session, touched)
    return visitors, unknown, old, refused


def scoped_kiosks(
    session: Session, cutoff: ColumnElement[bool], setting_id: int | None
) -> list[str]:
    """The kiosks with events older than the cutoff (of one setting, or everywhere)."""
    query = select(RecordEvent.kiosk_id).where(cutoff).distinct()
    if setting_id is not None:
        query = query.where(RecordEvent.kiosk_id.in_(kiosks_of(setting_id)))
    return list(session.scalars(query))


def _delete(session: Session, statement: Delete) -> int:
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _erase_quiet_visitors(
    session: Session, cutoff: str, now: str, setting_id: int | None = None
) -> int:
    """Blank the details of visitors the service has heard nothing of since `cutoff` (at the
    kiosks of one setting, or everywhere)."""
    recent = exists(
        select(RecordEvent.id).where(
            RecordEvent.kiosk_id == Subject.kiosk_id,
            RecordEvent.subject_type == "visitor",
            RecordEvent.subject_id == Subject.id,
            RecordEvent.received_at >= cutoff,
        )
    )
    where = [Subject.type == "visitor", Subject.erased.is_(False), ~recent]
    if setting_id is not None:
        where.append(Subject.kiosk_id.in_(kiosks_of(setting_id)))
    result = session.execute(
        update(Subject)
        .where(*where)
        .values(name=None, organisation=None, visiting=None, erased=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
