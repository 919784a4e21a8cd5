"""The console's audit trail: who changed what, when, from which address.

Details are the names and ids a reader needs (a person's name, a badge UID, a kiosk id), never a
password, PIN or token: callers pass only those, and `record` drops any key that looks like a
secret as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.sync.server.clock import now_text
from kiosk.sync.server.tenancy import AuditEntry

SECRET_WORDS = ("password", "pin", "token", "secret")
PAGE_ROWS = 100


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the audit names them: an account (or the command line) and an address."""

    name: str
    organisation_id: int | None
    address: str


def record(
    session: Session, actor: Actor, action: str, setting_id: int | None = None, **detail: Any
) -> None:
    kept = {k: v for k, v in detail.items() if not any(w in k.lower() for w in SECRET_WORDS)}
    session.add(AuditEntry(organisation_id=actor.organisation_id, setting_id=setting_id,
                           actor=actor.name, action=action, detail=kept,
                           address=actor.address[:64], at=now_text()))  # fmt: skip


def record_now(
    engine: Engine, actor: Actor, action: str, setting_id: int | None = None, **detail: Any
) -> None:
    with Session(engine) as session, session.begin():
        record(session, actor, action, setting_id, **detail)


def entries(engine: Engine, organisation_id: int, page: int) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.organisation_id == organisation_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_ROWS)
        .limit(PAGE_ROWS + 1)
    )
    with Session(engine) as session:
        return list(session.scalars(query))


def all_entries(engine: Engine, organisation_id: int) -> Iterator[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.organisation_id == organisation_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    with Session(engine) as session:
        yield from session.scalars(query.execution_options(yield_per=1000))
