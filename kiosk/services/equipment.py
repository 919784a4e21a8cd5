"""The setting's own cameras and tablets at the kiosk: the register, signing one out (by tapping
its tag or choosing it) for a purpose and back in, and who has which now.

A sign-out is an `equipment.out` event about the member of staff who takes it; a sign-in is an
`equipment.in` event about the same person (whoever brings it back is in `returned_by`), so the
history of each person and each device reads straight from the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.equipment import (
    EquipmentInfo,
    EquipmentOut,
    LateEquipment,
    Purpose,
    decide_in,
    decide_out,
    find_late,
    fold_equipment,
)
from kiosk.domain.people import normalise_uid
from kiosk.domain.types import EventKind, PolicyError, StaffId
from kiosk.services.context import Recorded, ServiceContext, mark_on_behalf, recorded
from kiosk.services.lookup import staff_names
from kiosk.store.events import equipment_facts, open_shift_starts
from kiosk.store.models import Equipment


@dataclass(frozen=True)
class EquipmentLine:
    """One piece of the setting's equipment as the kiosk shows it."""

    item: EquipmentInfo
    holder: str | None  # who has it now (full name: manager screens only)
    holder_id: StaffId | None
    purpose: str | None
    since: datetime | None
    late: str | None  # why it is overdue, if it is


def info(row: Equipment) -> EquipmentInfo:
    return EquipmentInfo(row.id, row.kind, row.label, row.asset_tag, row.tag_uid, row.active)


def register(session: Session, *, active_only: bool = True) -> list[EquipmentInfo]:
    query = select(Equipment).order_by(Equipment.label)
    if active_only:
        query = query.where(Equipment.active)
    return [info(row) for row in session.scalars(query)]


def who_has(session: Session) -> dict[int, EquipmentOut]:
    return fold_equipment(equipment_facts(session))


class EquipmentService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def lines(self) -> list[EquipmentLine]:
        """Every active piece, with who has it and whether it is overdue."""
        with self.ctx.reading() as session:
            items = register(session)
            out = who_has(session)
            on_shift = {StaffId(s) for s in open_shift_starts(session)}
            names = staff_names(session)
        grace = timedelta(minutes=self.ctx.config.policy.locker_overdue_after_closing_min)
        late = {x.out.equipment_id: x.why for x in self._late(out, on_shift, grace)}
        return [self._line(item, out.get(item.equipment_id), names, late) for item in items]

    def _late(
        self, out: dict[int, EquipmentOut], on_shift: set[StaffId], grace: timedelta
    ) -> list[LateEquipment]:
        now = self.ctx.clock.now()
        return find_late(out, on_shift, now, closing=self.ctx.closing, grace=grace, tz=self.ctx.tz)

    @staticmethod
    def _line(
        item: EquipmentInfo, out: EquipmentOut | None, names: dict[int, str], late: dict[int, str]
    ) -> EquipmentLine:
        if out is None:
            return EquipmentLine(item, None, None, None, None, None)
        return EquipmentLine(item, names.get(out.staff_id, "?"), out.staff_id,
                             out.purpose.value, out.since, late.get(item.equipment_id))  # fmt: skip

    def by_tag(self, raw_uid: str) -> EquipmentInfo | None:
        """The equipment whose tag this is, or None (a badge, or nothing known)."""
        try:
            uid = normalise_uid(raw_uid)
        except PolicyError:
            return None
        with self.ctx.reading() as session:
            row = session.scalars(select(Equipment).where(Equipment.tag_uid == uid)).first()
            return info(row) if row is not None else None

    def sign_out(
        self, staff_id: StaffId, equipment_id: int, purpose: Purpose, *,
        on_behalf: str | None = None,
    ) -> Recorded:  # fmt: skip
        with self.ctx.recording() as session:
            item = self._item(session, equipment_id)
            on_shift = staff_id in open_shift_starts(session)
            payload = decide_out(item, who_has(session), on_shift, purpose)
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.EQUIPMENT_OUT, staff_id=staff_id, payload=payload
            )
        return recorded(event, f"{item.label} is signed out to you. Please sign it back in.")

    def sign_in(self, equipment_id: int, by: StaffId, *, on_behalf: str | None = None) -> Recorded:
        with self.ctx.recording() as session:
            item = self._item(session, equipment_id)
            out = who_has(session)
            payload = decide_in(item, out, by)
            mark_on_behalf(payload, on_behalf)
            holder = out[equipment_id].staff_id
            event = self.ctx.append(
                session, EventKind.EQUIPMENT_IN, staff_id=holder, payload=payload
            )
        return recorded(event, f"{item.label} is signed back in. Thank you.")

    @staticmethod
    def _item(session: Session, equipment_id: int) -> EquipmentInfo:
        row = session.get(Equipment, equipment_id)
        if row is None:
            raise PolicyError("There is no such piece of the setting's equipment.")
        return info(row)
