"""The setting as the unit of the records service: organisations, their settings (the values a
kiosk has in `[kiosk]`/`[policy]`/`[retention]`, owned here per setting), the kiosks of each
setting, the setting's staff with stable ids, their badges, versioned texts, console accounts and
the audit trail.

Every row a manager can see belongs to a setting (or, for accounts and the audit, to an
organisation), so every query of the console starts from the settings the account may use.
`Setting.roster_version` grows with every change to the setting's reference data, so a kiosk can
later (issue 11) fetch the roster and settings as one versioned document and skip it unchanged.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.config import PrivacySection
from kiosk.sync.server.models import Base

DEFAULT_DEVICE_KINDS = ["phone", "smartwatch", "tablet", "other"]
DEFAULT_LOCKERS = [str(n) for n in range(1, 13)]
VISITOR_NOTICE = "visitor_notice"
STAFF_NOTICE = "staff_notice"
ESAFETY_AGREEMENT = "esafety_agreement"
CONFIDENTIALITY_AGREEMENT = "confidentiality_agreement"
# The staff agreements are versioned texts like the notices; the kiosk's name for each.
AGREEMENT_KINDS = {ESAFETY_AGREEMENT: "esafety", CONFIDENTIALITY_AGREEMENT: "confidentiality"}
TEXT_KINDS = {VISITOR_NOTICE: "Visitor notice", STAFF_NOTICE: "Staff notice",
              ESAFETY_AGREEMENT: "E-safety and internet agreement (staff)",
              CONFIDENTIALITY_AGREEMENT: "Confidentiality agreement (staff)"}  # fmt: skip


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[str] = mapped_column(String(32))


class Setting(Base):
    """One nursery: its policy values, with the kiosk config's defaults."""

    __tablename__ = "settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    closing_time: Mapped[str] = mapped_column(String(5), default="18:30")
    overdue_grace_min: Mapped[int] = mapped_column(Integer, default=60)
    lockers: Mapped[list[Any]] = mapped_column(JSON, default=lambda: list(DEFAULT_LOCKERS))
    device_kinds: Mapped[list[Any]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_DEVICE_KINDS)
    )
    quiet_space: Mapped[str] = mapped_column(Text, default="")
    visitor_days: Mapped[int] = mapped_column(Integer, default=30)
    unknown_badge_days: Mapped[int] = mapped_column(Integer, default=30)
    events_days: Mapped[int] = mapped_column(Integer, default=400)
    refused_days: Mapped[int] = mapped_column(Integer, default=30)
    # The privacy notice (`kiosk.domain.privacy_notice`), as in a kiosk's [privacy].
    privacy_controller: Mapped[str] = mapped_column(String(120), default="")
    privacy_contact: Mapped[str] = mapped_column(String(300), default="")
    privacy_dpo: Mapped[str] = mapped_column(String(200), default="")
    privacy_ico: Mapped[str] = mapped_column(String(12), default="")
    privacy_basis: Mapped[str] = mapped_column(Text, default=PrivacySection().lawful_basis)
    privacy_where: Mapped[str] = mapped_column(String(160), default=PrivacySection().where_to_read)
    roster_version: Mapped[int] = mapped_column(Integer, default=1)
    # How long a staff agreement's acknowledgement lasts before it is asked again.
    agreement_renewal_days: Mapped[int] = mapped_column(Integer, default=365)
    created_at: Mapped[str] = mapped_column(String(32))
    # The last feed receipt number handed out to the setting's events (schema r0005).
    feed_receipt: Mapped[int] = mapped_column(BigInteger, default=0)


class Kiosk(Base):
    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"), index=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[str] = mapped_column(String(32))
    # The seq of the kiosk's first `roster.applied`: from then on its staff numbers are the
    # setting's person ids (issue 11). Null while the kiosk numbers its staff itself.
    managed_from_seq: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Person(Base):
    """A member of the setting's staff: one row whichever kiosk saw them first."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    usual_locker: Mapped[str | None] = mapped_column(String(16), default=None)
    pin_hash: Mapped[str | None] = mapped_column(Text, default=None)  # managers' kiosk PIN
    left_at: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[str] = mapped_column(String(32))


class Badge(Base):
    __tablename__ = "badges"
    __table_args__ = (Index("ix_badges_setting_uid", "setting_id", "uid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    uid: Mapped[str] = mapped_column(String(32))
    enrolled_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32), default=None)


class SettingText(Base):
    """A version of a notice: never changed once written; a new text is a new row."""

    __tablename__ = "setting_texts"
    __table_args__ = (UniqueConstraint("setting_id", "kind", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"))
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(80))


class SettingEquipment(Base):
    """One of the setting's own cameras or tablets (never a personal device): the register the
    kiosks fetch. Retired, never deleted, so the events that name it still find it."""

    __tablename__ = "setting_equipment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(60))
    asset_tag: Mapped[str] = mapped_column(String(40), default="")
    tag_uid: Mapped[str | None] = mapped_column(String(20), default=None)
    retired_at: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[str] = mapped_column(String(32))


class EventDayNotice(Base):
    """A visitor notice for one special day (e.g. a Christmas concert), shown at the kiosks
    instead of the usual one on that date. Like every notice, a version names one text."""

    __tablename__ = "event_day_notices"
    __table_args__ = (UniqueConstraint("setting_id", "on_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"))
    on_date: Mapped[str] = mapped_column(String(10))  # the setting's local date, YYYY-MM-DD
    title: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(80))


class VirtualObservation(Base):
    """A professional who cannot attend asks to observe by video. Nothing about the child beyond
    what the setting chooses to write (`notes`). Approved only with the three confirmations."""

    __tablename__ = "virtual_observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"), index=True)
    professional: Mapped[str] = mapped_column(String(80))
    organisation: Mapped[str] = mapped_column(String(120))
    on_date: Mapped[str] = mapped_column(String(10))  # local date
    at_time: Mapped[str] = mapped_column(String(5))  # local HH:MM
    present: Mapped[str] = mapped_column(String(200))  # who of the setting will be present
    secure_location: Mapped[bool] = mapped_column(default=False)  # they declared it
    parent_permission: Mapped[bool] = mapped_column(default=False)  # confirmed by the setting
    not_recorded: Mapped[bool] = mapped_column(default=False)  # they accepted the condition
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="requested")
    decided_by: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(80))


class Declaration(Base):
    """A member of staff's declaration (e.g. a friendship with a parent or carer from before they
    joined), recorded by a manager with a date to review it. Managers only: never sent to a
    kiosk, never in an export of events; removed with its person's records (retention)."""

    __tablename__ = "declarations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    about: Mapped[str] = mapped_column(Text)
    review_on: Mapped[str] = mapped_column(String(10))  # a local date, YYYY-MM-DD
    recorded_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[str] = mapped_column(String(32))


class Account(Base):
    """A console log-in: an organisation admin, or a manager of the settings in AccountSetting."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))  # "admin" | "manager" | "inspector"
    disabled_at: Mapped[str | None] = mapped_column(String(32), default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[str] = mapped_column(String(32))


class AccountSetting(Base):
    __tablename__ = "account_settings"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    setting_id: Mapped[int] = mapped_column(ForeignKey("settings.id"), primary_key=True)


class AddressThrottle(Base):
    """Wrong passwords from one address, whichever accounts they named."""

    __tablename__ = "login_addresses"
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[str] = mapped_column(String(32))
    locked_until: Mapped[str | None] = mapped_column(String(32), default=None)


class AuditEntry(Base):
    """Who did what, when, from where: never a password, PIN or token."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_org_at", "organisation_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    setting_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32))
