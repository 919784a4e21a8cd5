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

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, UniqueConstraint, text
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
        # The setting's feed, in the order events were received (issue 11).
        Index("ix_events_setting_receipt", "setting_id", "receipt"),
        # One person's events at every door of the setting, for the merged on-site state.
        Index("ix_events_setting_who", "setting_id", "who", "occurred_at"),
        Index("ix_events_kiosk_chain", "kiosk_id", "chain"),
        # The console's pages and date ranges by the time an event is dated by (schema r0006),
        # and the few rows dated by their receipt, which a later push may date by their boot.
        Index("ix_events_kiosk_dated", "kiosk_id", "dated_at"),
        Index(
            "ix_events_dated_received",
            "kiosk_id",
            "seq",
            sqlite_where=text("dated_by = 'received'"),
            postgresql_where=text("dated_by = 'received'"),
        ),
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
    # Set at ingest (schema r0005): the kiosk's setting, the feed's receipt number (grows per
    # setting in commit order), and who the event is about at every door ("s:<staff id>",
    # "v:<visit uuid>"; see kiosk.sync.server.doors).
    setting_id: Mapped[int | None] = mapped_column(Integer, default=None)
    receipt: Mapped[int | None] = mapped_column(BigInteger, default=None)
    who: Mapped[str | None] = mapped_column(String(80), default=None)
    # The kiosk's hash chain as it arrived, and what the service found when it checked it
    # (kiosk.sync.server.chain: ok, unchained, gap, altered, broken). Deferred: loaded only
    # when asked for, so code that reads whole events (the earlier migrations among it, which
    # run before these columns exist) does not select them.
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None, deferred=True)
    hash: Mapped[str | None] = mapped_column(String(64), default=None, deferred=True)
    chain: Mapped[str] = mapped_column(
        String(9), default="unchained", server_default="unchained", deferred=True
    )
    # The time the console dates the event by, and how it is known: "clock" (its own time,
    # synchronised), "boot" (worked out from a later synchronised event of its boot) or
    # "received" (not known yet: the service's receipt time). See kiosk.sync.server.dating.
    # Deferred for the same reason as the chain; set by ingest for every event.
    dated_at: Mapped[str | None] = mapped_column(String(32), default=None, deferred=True)
    dated_by: Mapped[str | None] = mapped_column(String(8), default=None, deferred=True)


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
    uuid: Mapped[str | None] = mapped_column(String(36), default=None)  # a visit, at every door


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


class Presence(Base):
    """Someone on site now in a setting, whichever door they came in by and went through since:
    the merged fold of their events at every door (kiosk.sync.server.doors), kept at ingest."""

    __tablename__ = "presences"
    setting_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    who: Mapped[str] = mapped_column(String(80), primary_key=True)
    origin_kiosk: Mapped[str] = mapped_column(String(64))  # where the shift or visit began
    state: Mapped[dict[str, Any]] = mapped_column(JSON)  # sitestate.encode of them alone
    since: Mapped[str] = mapped_column(String(32))


class DoorConflict(Base):
    """An event that two doors cut off from each other made impossible (both started one shift,
    a device back at a door it never left): shown to the manager, never resolved silently."""

    __tablename__ = "door_conflicts"
    __table_args__ = (Index("ix_door_conflicts_setting", "setting_id", "occurred_at"),)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    setting_id: Mapped[int] = mapped_column(Integer)
    who: Mapped[str] = mapped_column(String(80))
    kiosk_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    why: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[str] = mapped_column(String(32))


class EvacuationRow(Base):
    """One roll call of a setting, as the service folds its kiosks' `evacuation.*` events.

    `roll` is who was on site when it began (the starting kiosk's own list, then the last known
    state of the setting's other kiosks): the printable list and the report are of it. A second
    kiosk starting one while another runs joins that one (`joined_to`), so a setting has one
    roll call at a time.
    """

    __tablename__ = "evacuations"
    __table_args__ = (Index("ix_evacuations_setting_started", "setting_id", "started_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    setting_id: Mapped[int] = mapped_column(Integer)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[str] = mapped_column(String(32))
    started_by: Mapped[int | None] = mapped_column(BigInteger)  # the kiosk's staff id
    roll: Mapped[list[Any]] = mapped_column(JSON)
    ended_at: Mapped[str | None] = mapped_column(String(32), default=None)
    ended_by: Mapped[str | None] = mapped_column(String(80), default=None)
    joined_to: Mapped[str | None] = mapped_column(String(36), default=None)
    # The service's clock at ingest: retention ages a roll call by it, never by a kiosk's clock.
    received_at: Mapped[str] = mapped_column(String(32), default="")


class EvacuationMark(Base):
    """One person accounted for: ticked at a kiosk, ticked on the board, or signed out on the
    way. One row per person per roll call: the first mark wins, a second is a no-op, so two
    phones marking at once both count and nobody is counted twice."""

    __tablename__ = "evacuation_marks"
    __table_args__ = (UniqueConstraint("evacuation_id", "person", name="uq_evacuation_person"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evacuation_id: Mapped[str] = mapped_column(String(36))
    person: Mapped[str] = mapped_column(String(96))  # "kiosk_id:staff:3"
    how: Mapped[str] = mapped_column(String(16))  # kiosk, board, signed_out
    by_kiosk: Mapped[str | None] = mapped_column(String(64), default=None)
    by_staff: Mapped[int | None] = mapped_column(BigInteger, default=None)
    by_account: Mapped[str | None] = mapped_column(String(80), default=None)
    at: Mapped[str] = mapped_column(String(32))
