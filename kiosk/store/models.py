"""The tables: the append-only event log, and the reference data events point to.

Visitors' personal details live in `visitors`, not in event payloads, so retention can blank them
and keep every event (and so every count). Times are stored as UTC ISO-8601 text, which sorts
correctly and reads the same in an export, a sqlite3 shell and the records service.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def stored_time(value: datetime) -> str:
    """A time exactly as the store writes it (for matching rows by raw SQL)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; times must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class UtcIso(TypeDecorator[datetime]):
    """An aware datetime stored as 'YYYY-MM-DDTHH:MM:SS.ffffff+00:00' text."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else stored_time(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class SyncState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcIso, dict[str, Any]: JSON}


class Locker(Base):
    __tablename__ = "lockers"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_locker: Mapped[str | None] = mapped_column(ForeignKey("lockers.id"), default=None)
    pin_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class Badge(Base):
    __tablename__ = "badges"
    # One row per UID: a UID belongs to one person, and a revoked one stays revoked (re-enrolling
    # it is an explicit admin action that is recorded).
    uid: Mapped[str] = mapped_column(String(20), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    enrolled_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Visitor(Base):
    __tablename__ = "visitors"
    __table_args__ = (Index("ix_visitors_uuid", "uuid", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(80))
    organisation: Mapped[str | None] = mapped_column(String(120))
    visiting: Mapped[str | None] = mapped_column(String(120))
    signed_in_at: Mapped[datetime]
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
    # The visit's identity at every door of the setting (a peer's visitor gets a row here too).
    uuid: Mapped[str | None] = mapped_column(String(36), default=lambda: str(uuid_module.uuid4()))


class KioskCounter(Base):
    """The last `seq` handed out per kiosk: survives restarts and purges, so seq never goes back."""

    __tablename__ = "kiosk_counters"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The hash of the last event handed out: the chain's head, so the next event links to it and
    # `kiosk check` notices the newest events deleted (kiosk.domain.chain).
    last_hash: Mapped[str | None] = mapped_column(String(64), default=None)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "seq", name="uq_events_kiosk_seq"),
        Index("ix_events_staff_seq", "staff_id", "seq"),
        Index("ix_events_visitor", "visitor_id"),
        Index("ix_events_sync", "sync_state", "seq"),
        Index("ix_events_occurred", "occurred_at"),
        Index("ix_events_kind_seq", "kind", "seq"),
        # Events stamped before the clock was synchronised: few, found by their right time.
        Index("ix_events_unsynced", "seq", sqlite_where=text("clock_synced = 0")),
        # Shift ends that left a device out (open exceptions), found without parsing the rest.
        Index("ix_events_still_out", "kind", text("json_array_length(payload, '$.still_out')")),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    boot_id: Mapped[str] = mapped_column(String(36))
    mono_ns: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitors.id"), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sync_state: Mapped[str] = mapped_column(String(8), default=SyncState.PENDING.value)
    sync_attempts: Mapped[int] = mapped_column(Integer, default=0)
    sync_error: Mapped[str | None] = mapped_column(Text, default=None)
    # The hash chain (kiosk.domain.chain): content only, so the sync columns above may change.
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash: Mapped[str | None] = mapped_column(String(64), default=None)


class AppliedSetting(Base):
    """The setting snapshot this kiosk runs on (one row, id 1; none on a stand-alone kiosk):
    its version and ETag, and the setting-owned values that override the config file."""

    __tablename__ = "setting_snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    setting_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str] = mapped_column(String(128))
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    applied_at: Mapped[datetime]


class PeerEvent(Base):
    """An event of another kiosk of the setting, from the records service's feed: folded with
    this kiosk's own (kiosk.domain.doors), never pushed, and outside this kiosk's `seq`."""

    __tablename__ = "peer_events"
    __table_args__ = (
        Index("ix_peer_events_receipt", "receipt"),
        Index("ix_peer_events_staff", "staff_id", "kiosk_id", "seq"),
        Index("ix_peer_events_visitor", "visitor_id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    receipt: Mapped[int] = mapped_column(Integer)  # the service's feed cursor
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    # The setting's person id, which is this kiosk's staff id too (the roster fetched down).
    staff_id: Mapped[int | None] = mapped_column(Integer, default=None)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitors.id"), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime]


class NoticeText(Base):
    """The fingerprint of the text first shown under each notice version and language, so a
    version label cannot later mean other words (see kiosk.domain.notices)."""

    __tablename__ = "notice_texts"
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]


class Equipment(Base):
    """The setting's own cameras, tablets…: a register kept on the console (or, on a stand-alone
    kiosk, by `kiosk equipment`). Never personal devices. Rows are retired, not deleted, so the
    events that name one still find it."""

    __tablename__ = "equipment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(60))
    asset_tag: Mapped[str] = mapped_column(String(40), default="")
    tag_uid: Mapped[str | None] = mapped_column(String(20), unique=True, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StaffAgreement(Base):
    """The current version of each staff agreement (e-safety, confidentiality) and how long an
    acknowledgement lasts: the setting's, from the console (or `kiosk policy load`)."""

    __tablename__ = "agreements"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    renewal_days: Mapped[int] = mapped_column(Integer, default=365)


class EventNotice(Base):
    """A visitor notice for one special day (e.g. a Christmas concert: parents may photograph
    their own child, for personal use only), shown instead of the usual notice on that date."""

    __tablename__ = "event_notices"
    on_date: Mapped[str] = mapped_column(String(10), primary_key=True)  # local date, YYYY-MM-DD
    title: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


class Observation(Base):
    """An approved virtual observation (from the console), for the manager's screen on the day.
    A professional's name and organisation: kept like a visitor's details (retention)."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    on_date: Mapped[str] = mapped_column(String(10))
    at_time: Mapped[str] = mapped_column(String(5))
    professional: Mapped[str] = mapped_column(String(80))
    organisation: Mapped[str] = mapped_column(String(120))
    present: Mapped[str] = mapped_column(String(200))
