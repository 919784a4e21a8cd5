"""The kiosks' side of the audit trail, for an organisation's admins: every administrative event
and every manager approval or wrong PIN its kiosks recorded (who did it: the `actor` each kiosk
writes), and the state of each kiosk's hash chain as the service checked it on arrival
(kiosk.sync.server.chain), with each problem's kiosk and seq."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, func, or_, select
from sqlalchemy.orm import Session

from kiosk.domain.actors import describe
from kiosk.sync.server.chain import PROBLEMS, WORDS
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.tenancy import Kiosk, Setting

PAGE_ROWS = 100
MAX_PROBLEMS = 200
HEADER = ["occurred_at", "kiosk_id", "seq", "kind", "actor", "detail", "chain"]


@dataclass(frozen=True)
class KioskEntry:
    occurred_at: str
    kiosk_id: str
    seq: int
    kind: str
    actor: str
    detail: str
    chain: str


@dataclass(frozen=True)
class ChainSummary:
    kiosk_id: str
    setting: str
    counts: dict[str, int]  # events per chain state


@dataclass(frozen=True)
class ChainProblem:
    kiosk_id: str
    seq: int
    kind: str
    occurred_at: str
    why: str


def _kiosks(organisation_id: int) -> Select[str]:
    return (
        select(Kiosk.id)
        .join(Setting, Setting.id == Kiosk.setting_id)
        .where(Setting.organisation_id == organisation_id)
    )


def _audited(organisation_id: int) -> Select[Any]:
    kinds = or_(RecordEvent.kind.like("admin.%"), RecordEvent.kind.like("approval.%"))
    return (
        select(RecordEvent.occurred_at, RecordEvent.kiosk_id, RecordEvent.seq, RecordEvent.kind,
               RecordEvent.payload, RecordEvent.chain)
        .where(RecordEvent.kiosk_id.in_(_kiosks(organisation_id)), kinds)
    )  # fmt: skip


def _entry(row: Any) -> KioskEntry:
    occurred, kiosk_id, seq, kind, payload, chain = row
    payload = dict(payload or {})
    actor = describe(payload.pop("actor", None)) if kind.startswith("admin.") else "—"
    detail = "; ".join(f"{k}: {v}" for k, v in sorted(payload.items()) if v not in (None, ""))
    return KioskEntry(occurred, kiosk_id, int(seq), kind, actor, detail, chain)


def entries(engine: Engine, organisation_id: int, page: int) -> list[KioskEntry]:
    """One page, newest first (one row more than a page, to tell whether there is another)."""
    query = _audited(organisation_id).order_by(RecordEvent.occurred_at.desc(),
                                               RecordEvent.seq.desc())  # fmt: skip
    with Session(engine) as session:
        rows = session.execute(query.offset((page - 1) * PAGE_ROWS).limit(PAGE_ROWS + 1))
        return [_entry(row) for row in rows]


def all_entries(engine: Engine, organisation_id: int) -> Iterator[KioskEntry]:
    query = _audited(organisation_id).order_by(RecordEvent.kiosk_id, RecordEvent.seq)
    with Session(engine) as session:
        for row in session.execute(query.execution_options(yield_per=1000)):
            yield _entry(row)


def chain_summaries(engine: Engine, organisation_id: int) -> list[ChainSummary]:
    query = (
        select(Kiosk.id, Setting.name, RecordEvent.chain, func.count())
        .join(Setting, Setting.id == Kiosk.setting_id)
        .join(RecordEvent, RecordEvent.kiosk_id == Kiosk.id)
        .where(Setting.organisation_id == organisation_id)
        .group_by(Kiosk.id, Setting.name, RecordEvent.chain)
        .order_by(Kiosk.id)
    )
    found: dict[str, ChainSummary] = {}
    with Session(engine) as session:
        for kiosk_id, setting, chain, count in session.execute(query):
            summary = found.setdefault(kiosk_id, ChainSummary(kiosk_id, setting, {}))
            summary.counts[chain] = int(count)
    return list(found.values())


def chain_problems(engine: Engine, organisation_id: int) -> list[ChainProblem]:
    """Every event whose chain is not ok (at most MAX_PROBLEMS), by kiosk and seq."""
    query = (
        select(RecordEvent.kiosk_id, RecordEvent.seq, RecordEvent.kind, RecordEvent.occurred_at,
               RecordEvent.chain)
        .where(RecordEvent.kiosk_id.in_(_kiosks(organisation_id)),
               RecordEvent.chain.in_(PROBLEMS))
        .order_by(RecordEvent.kiosk_id, RecordEvent.seq)
        .limit(MAX_PROBLEMS)
    )  # fmt: skip
    with Session(engine) as session:
        return [
            ChainProblem(k, int(seq), kind, at, f"{chain}: {WORDS[chain]}")
            for k, seq, kind, at, chain in session.execute(query)
        ]
