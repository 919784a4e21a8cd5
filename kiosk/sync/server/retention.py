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

from sqlalchemy import Delete, Engine, delete, exists, select, update
from sqlalchemy.orm import Session

from kiosk.domain.types import EventKind
from kiosk.sync.server.managers import drop_expired_sessions
from kiosk.sync.server.models import IdempotencyKey, RecordEvent, Subject


@dataclass(frozen=True)
class Retention:
    """Days each kind of record is kept (the kiosk's own defaults, see kiosk.toml [retention])."""

    visitor_details_days: int = 30
    unknown_badge_days: int = 30
    events_days: int = 400
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


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def prune(engine: Engine, policy: Retention, now: datetime | None = None) -> Pruned:
    """Apply the policy in one transaction; how many of each were erased or removed. Ages are
    counted back from `now`; a web session's expiry is checked on the real clock, as at log-in."""
    now = now or datetime.now(UTC)

    def before(days: int) -> str:
        return _text(now - timedelta(days=days))

    with Session(engine) as session, session.begin():
        visitors = _erase_quiet_visitors(session, before(policy.visitor_details_days), _text(now))
        unknown = _delete(
            session,
            delete(RecordEvent).where(
                RecordEvent.kind == EventKind.BADGE_UNKNOWN.value,
                RecordEvent.received_at < before(policy.unknown_badge_days),
            ),
        )
        old = _delete(
            session, delete(RecordEvent).where(RecordEvent.received_at < before(policy.events_days))
        )
        keys = _delete(
            session,
            delete(IdempotencyKey).where(
                IdempotencyKey.created_at < before(policy.idempotency_key_days)
            ),
        )
        sessions = drop_expired_sessions(session)
    return Pruned(visitors, unknown, old, keys, sessions)


def _delete(session: Session, statement: Delete) -> int:
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _erase_quiet_visitors(session: Session, cutoff: str, now: str) -> int:
    """Blank the details of visitors the service has heard nothing of since `cutoff`."""
    recent = exists(
        select(RecordEvent.id).where(
            RecordEvent.kiosk_id == Subject.kiosk_id,
            RecordEvent.subject_type == "visitor",
            RecordEvent.subject_id == Subject.id,
            RecordEvent.received_at >= cutoff,
        )
    )
    result = session.execute(
        update(Subject)
        .where(Subject.type == "visitor", Subject.erased.is_(False), ~recent)
        .values(name=None, organisation=None, visiting=None, erased=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
