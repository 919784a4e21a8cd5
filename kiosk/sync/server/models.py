"""The records service's tables: events from every kiosk, the people they name, and access.

Events are keyed by their UUID, so storing a batch twice stores nothing new. Names live in
`subjects`, one row per (kiosk, staff/visitor, kiosk-local id), updated by every push so that an
erasure on the kiosk (name null) reaches the manager's page too. Times are UTC ISO-8601 text, the
same form as on the kiosk, so text order is time order in SQLite and PostgreSQL alike.

The setting's own data (organisation, settings, kiosks, staff, badges, texts, accounts, audit)
is in `kiosk.sync.server.tenancy`; a staff subject points at its setting's person.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class RecordEvent(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_kiosk_seq", "kiosk_id", "seq"),
        Index("ix_events_occurred", "occurred_at"),
        # A setting's events newest first, and a date range of them, without the group's.
        Index("ix_events_kiosk_occurred", "kiosk_id", "occurred_at"),
        Index("ix_events_kiosk_chain", "kiosk_id", "chain"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[str] = mapped_column(String(32))
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    boot_id: Mapped[str] = mapped_column(String(36))
    mono_ns: Mapped[int] = mapped_column(BigInteger)
    subject_type: Mapped[str | None] = mapped_column(String(8))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[str] = mapped_column(String(32))
    # The kiosk's hash chain as it arrived, and what the service found when it checked it
    # (kiosk.sync.server.chain: ok, unchained, gap, altered, broken). Deferred: loaded only
    # when asked for, so code that reads whole events (the earlier migrations among it, which
    # run before these columns exist) does not select them.
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None, deferred=True)
    hash: Mapped[str | None] = mapped_column(String(64), default=None, deferred=True)
    chain: Mapped[str] = mapped_column(
        String(9), default="unchained", server_default="unchained", deferred=True
    )


class Subject(Base):
    __tablename__ = "subjects"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(8), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(16))
    visitor_type: Mapped[str | None] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(120))
    visiting: Mapped[str | None] = mapped_column(String(120))
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[str] = mapped_column(String(32))
    # The setting's person this kiosk-local staff id is (null for visitors).
    person_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)


class KioskToken(Base):
    __tablename__ = "kiosk_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32), default=None)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(32))


class KioskReport(Base):
    """What a kiosk last said about itself: its queue and its dead letters."""

    __tablename__ = "kiosk_reports"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pending: Mapped[int] = mapped_column(Integer)
    dead: Mapped[int] = mapped_column(Integer)
    dead_events: Mapped[list[Any]] = mapped_column(JSON)
    reported_at: Mapped[str] = mapped_column(String(32))


class WebSession(Base):
    __tablename__ = "web_sessions"
    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    manager: Mapped[str] = mapped_column(String(80))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[str] = mapped_column(String(32))


class KioskState(Base):
    """Who is on site at one kiosk, as `fold` of its events up to `upto_seq` gives it: kept in
    the same transaction as ingest, so the On-site page reads what is on site now instead of
    refolding every event since the first day (see kiosk.sync.server.sitestate)."""

    __tablename__ = "kiosk_states"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    upto_seq: Mapped[int] = mapped_column(BigInteger)
    # Null when the kiosk's events do not fold (an event the rules refuse): the page then folds
    # them itself, as it always did, and shows the same error.
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[str] = mapped_column(String(32))
