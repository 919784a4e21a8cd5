"""A setting's texts, policy values and kiosks, changed on the console: same rules as roster.py
(PolicyError for bad input, roster version bumped, audit written in the caller's transaction).

A notice is never changed under an old version label: publishing writes a new, dated version,
and is refused if the label is taken or the text is the same as the current one. Policy values
are checked with the kiosk config's own bounds (`kiosk.config.bound_error`). A kiosk token is
returned once to be shown once; only its digest is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.config import bound_error
from kiosk.domain.names import one_line
from kiosk.domain.privacy_notice import NoticeFacts
from kiosk.domain.types import PolicyError
from kiosk.sync.contract import KIOSK_ID_PATTERN
from kiosk.sync.server import audit, tokens
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.models import KioskReport, KioskToken
from kiosk.sync.server.registry import KioskTaken, bump_roster, register_kiosk
from kiosk.sync.server.tenancy import TEXT_KINDS, VISITOR_NOTICE, Kiosk, Setting, SettingText

VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MAX_TEXT = 4000
# Each policy field of the form: the setting's column, and the kiosk config key it mirrors.
POLICY = {
    "timezone": "kiosk.timezone",
    "closing_time": "kiosk.closing_time",
    "overdue_grace_min": "policy.locker_overdue_after_closing_min",
    "lockers": "lockers.ids",
    "device_kinds": "devices.kinds",
    "quiet_space": "notice.quiet_space",
    "visitor_days": "retention.visitor_details_days",
    "unknown_badge_days": "retention.unknown_badge_days",
    "events_days": "retention.staff_events_days",
    "refused_days": "retention.refused_attempts_days",
}
# The privacy notice's values (its own page), as a kiosk's [privacy].
PRIVACY = {
    "privacy_controller": "privacy.controller",
    "privacy_contact": "privacy.contact",
    "privacy_dpo": "privacy.dpo",
    "privacy_ico": "privacy.ico_registration",
    "privacy_basis": "privacy.lawful_basis",
    "privacy_where": "privacy.where_to_read",
}
LISTS = {"lockers", "device_kinds"}
NUMBERS = {"overdue_grace_min", "visitor_days", "unknown_badge_days", "events_days", "refused_days"}


def texts_of(session: Session, setting: Setting) -> list[SettingText]:
    query = (
        select(SettingText)
        .where(SettingText.setting_id == setting.id)
        .order_by(SettingText.kind, SettingText.created_at.desc(), SettingText.id.desc())
    )
    return list(session.scalars(query))


def publish_text(
    session: Session, setting: Setting, actor: audit.Actor, kind: str, *, version: str, body: str
) -> None:
    if kind not in TEXT_KINDS:
        raise PolicyError("Choose which text this is.")
    body = body.replace("\r\n", "\n").strip()
    if not 1 <= len(body) <= MAX_TEXT:
        raise PolicyError(f"A notice is 1 to {MAX_TEXT} characters.")
    # The visitor notice is what kiosks show: it must fit the kiosk's own bound, or every kiosk
    # of the setting would refuse the snapshot that carries it.
    error = bound_error("notice.text", one_line(body)) if kind == VISITOR_NOTICE else None
    if error:
        raise PolicyError(f"The visitor notice does not fit the kiosk: {error}.")
    if not VERSION.fullmatch(version):
        raise PolicyError(
            "A version is letters, digits, '.', '_' or '-' (at most 32), e.g. 2026-12."
        )
    same_kind = [t for t in texts_of(session, setting) if t.kind == kind]
    if any(t.version == version for t in same_kind):
        raise PolicyError(f"Version {version} exists already: a changed text needs a new version.")
    if same_kind and same_kind[0].body == body:
        raise PolicyError(f"The text is the same as version {same_kind[0].version}.")
    session.add(SettingText(setting_id=setting.id, kind=kind, version=version, body=body,
                            created_at=now_text(), created_by=actor.name))  # fmt: skip
    bump_roster(session, setting.id)
    audit.record(session, actor, "text_publish", setting.id, text=TEXT_KINDS[kind],
                 version=version)  # fmt: skip


@dataclass(frozen=True)
class PolicyChange:
    values: dict[str, object]
    errors: list[str]


def parse_policy(fields: dict[str, str], form: dict[str, str] = POLICY) -> PolicyChange:
    """The form's values as the setting's types, each checked by the kiosk config's bounds. A
    field the form did not send is left as it is."""
    values: dict[str, object] = {}
    errors: list[str] = []
    for column, key in form.items():
        if column not in fields:
            continue
        text = fields[column].strip()
        value: object = text
        if column in LISTS:
            value = [v for v in re.split(r"[,\s]+", text) if v]
        elif column in NUMBERS:
            value = int(text) if text.lstrip("-").isdigit() and len(text) < 8 else text
        error = bound_error(key, value)
        if error:
            errors.append(error)
        values[column] = value
    return PolicyChange(values, errors)


def save_policy(
    session: Session, setting: Setting, actor: audit.Actor, name: str, change: PolicyChange
) -> None:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise PolicyError("A setting's name is 1 to 120 characters.")
    if bound_error("kiosk.setting_name", name):  # kiosks show it: within the kiosk's bound
        raise PolicyError("A setting's name that kiosks show is at most 100 characters.")
    _save(session, setting, actor, change, "policy_change", name=name)


def save_privacy(
    session: Session, setting: Setting, actor: audit.Actor, change: PolicyChange
) -> None:
    """The privacy notice's values: no roster change (kiosks do not fetch them yet)."""
    _save(session, setting, actor, change, "privacy_change")


def _save(session: Session, setting: Setting, actor: audit.Actor, change: PolicyChange,
          action: str, **also: object) -> None:  # fmt: skip
    if change.errors:
        raise PolicyError("; ".join(change.errors))
    row = session.get(Setting, setting.id)
    assert row is not None  # checked by the caller's scope
    wanted = {**change.values, **also}
    changed = {k: v for k, v in wanted.items() if getattr(row, k) != v}
    for column, value in changed.items():
        setattr(row, column, value)
    if changed:
        if action == "policy_change":
            bump_roster(session, setting.id)
        audit.record(session, actor, action, setting.id, changed=sorted(changed))


def notice_facts(setting: Setting) -> NoticeFacts:
    """The setting's privacy notice: its own values and retention periods."""
    return NoticeFacts(
        setting.name, setting.privacy_controller, setting.privacy_contact, setting.privacy_dpo,
        setting.privacy_ico, setting.privacy_basis, setting.visitor_days,
        setting.unknown_badge_days, setting.refused_days, setting.events_days,
        export_days=None, backups_kept=None,
    )  # fmt: skip


@dataclass(frozen=True)
class KioskRow:
    id: str
    label: str
    live_tokens: int
    reported_at: str
    pending: int | None
    dead: int | None


def kiosks_of_setting(session: Session, setting: Setting) -> list[KioskRow]:
    rows = session.scalars(select(Kiosk).where(Kiosk.setting_id == setting.id).order_by(Kiosk.id))
    found = []
    for k in rows:
        live = session.scalars(select(KioskToken.id).where(
            KioskToken.kiosk_id == k.id, KioskToken.revoked_at.is_(None))).all()  # fmt: skip
        report = session.get(KioskReport, k.id)
        found.append(KioskRow(k.id, k.label, len(live), report.reported_at if report else "",
                              report.pending if report else None,
                              report.dead if report else None))  # fmt: skip
    return found


def add_kiosk(
    session: Session, setting: Setting, actor: audit.Actor, kiosk_id: str, label: str
) -> None:
    if not re.fullmatch(KIOSK_ID_PATTERN, kiosk_id):
        raise PolicyError("A kiosk id is letters, digits, '.', '_' or '-' (at most 64).")
    try:
        register_kiosk(session, setting.id, kiosk_id, " ".join(label.split())[:80])
    except KioskTaken as taken:
        raise PolicyError(str(taken)) from None
    audit.record(session, actor, "kiosk_register", setting.id, kiosk=kiosk_id)


def kiosk_of(session: Session, setting: Setting, kiosk_id: str) -> Kiosk | None:
    kiosk = session.get(Kiosk, kiosk_id[:64])
    return kiosk if kiosk is not None and kiosk.setting_id == setting.id else None


def issue_token(session: Session, setting: Setting, actor: audit.Actor, kiosk: Kiosk) -> str:
    token = tokens.issue(session, kiosk.id)
    audit.record(session, actor, "kiosk_token_issue", setting.id, kiosk=kiosk.id)
    return token


def revoke_kiosk_tokens(
    session: Session, setting: Setting, actor: audit.Actor, kiosk: Kiosk
) -> None:
    for row in session.scalars(select(KioskToken).where(
            KioskToken.kiosk_id == kiosk.id, KioskToken.revoked_at.is_(None))):  # fmt: skip
        row.revoked_at = now_text()
    audit.record(session, actor, "kiosk_token_revoke", setting.id, kiosk=kiosk.id)
