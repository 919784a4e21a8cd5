"""Per-kiosk bearer tokens: issued once, stored only as a SHA-256 digest, revocable.

A token is 256 random bits, so a plain digest is as good as a slow hash here (nobody can guess
their way back to one) and lets every request be checked with one indexed lookup. Tokens are never
logged; only the kiosk id they belong to is.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.sync.server.clock import now_text
from kiosk.sync.server.models import KioskToken
from kiosk.sync.server.registry import ensure_kiosk

PREFIX = "kt_"


@dataclass(frozen=True)
class TokenInfo:
    id: int
    kiosk_id: str
    created_at: str
    revoked_at: str | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(session: Session, kiosk_id: str) -> str:
    """A new token for a registered kiosk; the only time its text exists outside the kiosk."""
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(KioskToken(kiosk_id=kiosk_id, token_sha256=digest(token), created_at=now_text()))
    return token


def add_token(engine: Engine, kiosk_id: str) -> str:
    """A new token for the kiosk (the command line's way). A kiosk not registered to a setting
    yet gets a setting of its own (`registry.ensure_kiosk`)."""
    for attempt in (1, 2):
        try:
            with Session(engine) as session, session.begin():
                ensure_kiosk(session, kiosk_id)
                token = issue(session, kiosk_id)
            break
        except IntegrityError:
            # Another request registered the same new kiosk at the same moment: it is there now.
            if attempt == 2:
                raise
    return token


def list_tokens(engine: Engine) -> list[TokenInfo]:
    with Session(engine) as session:
        rows = session.scalars(select(KioskToken).order_by(KioskToken.kiosk_id, KioskToken.id))
        return [TokenInfo(r.id, r.kiosk_id, r.created_at, r.revoked_at) for r in rows]


def revoke_tokens(engine: Engine, kiosk_id: str, token_id: int | None = None) -> int:
    """Revoke one token of a kiosk, or all of them; how many were revoked."""
    query = update(KioskToken).where(
        KioskToken.kiosk_id == kiosk_id, KioskToken.revoked_at.is_(None)
    )
    if token_id is not None:
        query = query.where(KioskToken.id == token_id)
    with Session(engine) as session, session.begin():
        return session.execute(query.values(revoked_at=now_text())).rowcount  # type: ignore[attr-defined, no-any-return]


def kiosk_for(engine: Engine, token: str) -> str | None:
    """The kiosk a live token belongs to, or None for an unknown or revoked one."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    with Session(engine) as session:
        row = session.scalar(select(KioskToken).where(KioskToken.token_sha256 == digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    return row.kiosk_id
