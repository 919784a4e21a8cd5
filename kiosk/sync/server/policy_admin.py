"""The setting's own cameras and tablets, kept on the console: add one, retire one. Same rules as
roster.py and setting_admin.py (PolicyError for bad input, roster version bumped so the kiosks
fetch the register again, audit written in the caller's transaction). The checks are the
kiosk's own (`kiosk.domain.equipment.check_register`), so the console never publishes a register
a kiosk would refuse."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.equipment import EquipmentInfo, check_register
from kiosk.domain.people import normalise_uid
from kiosk.domain.types import PolicyError
from kiosk.sync.server import audit
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.registry import bump_roster
from kiosk.sync.server.tenancy import Badge, Setting, SettingEquipment


def equipment_of(
    session: Session, setting_id: int, *, current: bool = True
) -> list[SettingEquipment]:
    query = select(SettingEquipment).where(SettingEquipment.setting_id == setting_id)
    if current:
        query = query.where(SettingEquipment.retired_at.is_(None))
    return list(session.scalars(query.order_by(SettingEquipment.label)))


def as_info(row: SettingEquipment) -> EquipmentInfo:
    return EquipmentInfo(row.id, row.kind, row.label, row.asset_tag, row.tag_uid)


def add_equipment(
    session: Session, setting: Setting, actor: audit.Actor, *,
    kind: str, label: str, asset_tag: str = "", tag: str = "",
) -> SettingEquipment:  # fmt: skip
    label, asset_tag = " ".join(label.split()), asset_tag.strip()
    if len(asset_tag) > 40:
        raise PolicyError("An asset tag is at most 40 characters.")
    uid = normalise_uid(tag) if tag.strip() else None
    row = SettingEquipment(setting_id=setting.id, kind=kind, label=label, asset_tag=asset_tag,
                           tag_uid=uid, created_at=now_text())  # fmt: skip
    current = [as_info(r) for r in equipment_of(session, setting.id)]
    check_register([*current, EquipmentInfo(0, kind, label, asset_tag, uid)])
    if uid is not None and _is_badge(session, setting.id, uid):
        raise PolicyError(f"{uid} is a staff member's badge, not a tag for the equipment.")
    session.add(row)
    session.flush()
    bump_roster(session, setting.id)
    audit.record(session, actor, "equipment_add", setting.id, equipment=label, kind=kind)
    return row


def retire_equipment(
    session: Session, setting: Setting, actor: audit.Actor, equipment_id: int
) -> SettingEquipment | None:
    """None when it is not this setting's (the page answers Not found)."""
    row = session.get(SettingEquipment, equipment_id)
    if row is None or row.setting_id != setting.id:
        return None
    if row.retired_at is None:
        row.retired_at = now_text()
        bump_roster(session, setting.id)
        audit.record(session, actor, "equipment_retire", setting.id, equipment=row.label)
    return row


def _is_badge(session: Session, setting_id: int, uid: str) -> bool:
    query = select(Badge.id).where(Badge.setting_id == setting_id, Badge.uid == uid,
                                   Badge.revoked_at.is_(None))  # fmt: skip
    return session.scalar(query) is not None
