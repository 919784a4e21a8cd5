"""Console accounts and their web sessions: scrypt-hashed passwords, lockout, session ids.

A password is hashed with scrypt in the self-describing form of `kiosk.security` (today N=2**17,
r=8, p=1, per-account salt); an older or cheaper hash is re-hashed at the next log-in. After
`MAX_FAILURES` wrong passwords in a row the account is locked for `LOCK_S`; each address also has
its own limit (`throttle`), checked first, so one address cannot lock every account out. Session
ids are random and stored only as a digest, each with its own CSRF token, and expire after
`SESSION_S`. A new password or a disabled account ends that account's sessions at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from kiosk.security import hash_secret, needs_rehash, verify_secret
from kiosk.sync.server import audit, throttle
from kiosk.sync.server.models import WebSession
from kiosk.sync.server.registry import first_organisation
from kiosk.sync.server.tenancy import Account, AccountSetting

MIN_PASSWORD = 10
MAX_FAILURES = 5
LOCK_S = 15 * 60
SESSION_S = 8 * 3600
ADMIN, MANAGER = "admin", "manager"
# Reads the organisation's audit trail (the Audit page and its CSV files) and nothing else: the
# account an organisation gives an inspector, so that no setting's people or pages are shown.
INSPECTOR = "inspector"


def _now() -> datetime:
    return datetime.now(UTC)


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def hash_password(password: str) -> str:
    return hash_secret(password)


def password_matches(stored: str, password: str) -> bool:
    return verify_secret(password, stored)


def account_named(session: Session, name: str) -> Account | None:
    return session.scalar(select(Account).where(Account.name == name))


def end_sessions_of(session: Session, name: str) -> None:
    session.execute(delete(WebSession).where(WebSession.manager == name))


def set_password(
    engine: Engine, name: str, password: str, *, organisation: str = "", actor: str = ""
) -> None:
    """Set an account's password (ending its sessions); a new name becomes an organisation admin
    of the first organisation: how `kiosk records manager add` makes the first admin. With an
    `actor` (the command line's user) the change is written to the audit."""
    with Session(engine) as session, session.begin():
        row = account_named(session, name)
        action = "account_password" if row else "account_add"
        if row is None:
            org = first_organisation(session, organisation)
            row = Account(name=name, created_at=_text(_now()), failures=0, role=ADMIN,
                          organisation_id=org)  # fmt: skip
            session.add(row)
        change_password(session, row, password)
        if actor:
            who = audit.Actor(actor, row.organisation_id, "command line")
            audit.record(session, who, action, account=name, role=row.role)


def change_password(session: Session, row: Account, password: str) -> None:
    row.password_hash = hash_password(password)
    row.failures, row.locked_until = 0, None
    end_sessions_of(session, row.name)


def set_disabled(session: Session, row: Account, disabled: bool) -> None:
    row.disabled_at = _text(_now()) if disabled else None
    if disabled:
        end_sessions_of(session, row.name)


def add_account(
    session: Session, organisation_id: int, name: str, password: str, *, role: str,
    setting_ids: list[int],
) -> Account:  # fmt: skip
    row = Account(organisation_id=organisation_id, name=name, role=role, failures=0,
                  password_hash=hash_password(password), created_at=_text(_now()))  # fmt: skip
    session.add(row)
    session.flush()
    session.add_all(AccountSetting(account_id=row.id, setting_id=s) for s in setting_ids)
    return row


class LoginRefused(Exception):
    """Wrong name or password, or a locked account or address; the message is safe to show."""


WRONG = "Wrong name or password."


def check_login(engine: Engine, name: str, password: str, address: str = "") -> None:
    """Accept or refuse (LoginRefused); failures are counted per address and per account."""
    with Session(engine) as session, session.begin():
        if throttle.blocked(session, address):
            raise LoginRefused("Too many wrong passwords from here: try again in a while.")
        if _account_accepts(session, name, password):
            return
        throttle.failed(session, address)
    raise LoginRefused(WRONG)


def _account_accepts(session: Session, name: str, password: str) -> bool:
    row = account_named(session, name)
    if row is None or row.disabled_at is not None:
        hash_password(password)  # same time as a real check: names cannot be probed
        return False
    if row.locked_until and row.locked_until > _text(_now()):
        raise LoginRefused("Too many wrong passwords: this account is locked for a while.")
    if password_matches(row.password_hash, password):
        row.failures, row.locked_until = 0, None
        if needs_rehash(row.password_hash):  # the one moment the password is known
            row.password_hash = hash_password(password)
        return True
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        row.locked_until = _text(_now() + timedelta(seconds=LOCK_S))
        row.failures = 0
    return False


@dataclass(frozen=True)
class WebLogin:
    manager: str
    csrf: str


def _sid_digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start_session(engine: Engine, name: str) -> str:
    sid = secrets.token_urlsafe(32)
    expires = _text(_now() + timedelta(seconds=SESSION_S))
    with Session(engine) as session, session.begin():
        drop_expired_sessions(session)
        session.add(WebSession(id_sha256=_sid_digest(sid), manager=name,
                               csrf=secrets.token_urlsafe(32), expires_at=expires))  # fmt: skip
    return sid


def drop_expired_sessions(session: Session) -> int:
    """Delete the web sessions past their expiry (at each log-in, and by the daily retention)."""
    result = session.execute(delete(WebSession).where(WebSession.expires_at < _text(_now())))
    return int(result.rowcount)  # type: ignore[attr-defined]


def session_for(engine: Engine, sid: str | None) -> WebLogin | None:
    if not sid or len(sid) > 100:
        return None
    with Session(engine) as session:
        row = session.get(WebSession, _sid_digest(sid))
        if row is None or row.expires_at < _text(_now()):
            return None
        return WebLogin(row.manager, row.csrf)


def end_session(engine: Engine, sid: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(WebSession).where(WebSession.id_sha256 == _sid_digest(sid)))
