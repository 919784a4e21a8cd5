"""For the manager: who is on site now, which devices are out, what is overdue, and the kiosk's
own health (events waiting to sync, dead letters, clock)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kiosk.domain.overdue import find_overdue
from kiosk.domain.state import SiteState
from kiosk.services.context import ServiceContext
from kiosk.services.equipment import EquipmentService
from kiosk.services.lookup import staff_names
from kiosk.store.events import load_site_state
from kiosk.store.models import Visitor


@dataclass(frozen=True)
class DeviceLine:
    device: str
    reason: str
    since: datetime
    expected_return: datetime | None
    approver: str | None
    overdue: bool


@dataclass(frozen=True)
class StaffLine:
    staff_id: int
    name: str
    since: datetime
    locker: str | None
    stored: list[str]
    out: list[DeviceLine]


@dataclass(frozen=True)
class VisitorLine:
    visitor_id: int
    name: str
    visitor_type: str
    organisation: str
    visiting: str
    since: datetime
    lone_working: bool


@dataclass(frozen=True)
class OverdueLine:
    name: str
    device: str
    kind: str
    due: datetime


@dataclass(frozen=True)
class ExceptionLine:
    """A device not back at its owner's shift end, open until a manager closes it."""

    staff_id: int
    name: str
    device: str
    since: datetime


@dataclass(frozen=True)
class EquipmentOutLine:
    """One of the setting's own cameras or tablets signed out now (never a personal device)."""

    label: str
    kind: str
    name: str
    purpose: str
    since: datetime
    late: str | None


@dataclass(frozen=True)
class RollCall:
    at: datetime
    staff: list[StaffLine] = field(default_factory=list)
    visitors: list[VisitorLine] = field(default_factory=list)
    overdue: list[OverdueLine] = field(default_factory=list)
    exceptions: list[ExceptionLine] = field(default_factory=list)
    equipment: list[EquipmentOutLine] = field(default_factory=list)

    def staff_ids(self) -> set[int]:
        return {line.staff_id for line in self.staff}

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = _jsonable(asdict(self))
        return result


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class RollCallService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def now(self) -> RollCall:
        with self.ctx.reading() as session:
            state = load_site_state(session)
            names = staff_names(session)
            ids = list(state.visitors)
            visitors = {
                v.id: v for v in session.scalars(select(Visitor).where(Visitor.id.in_(ids)))
            }
        roll = self._build(state, names, visitors)
        return replace(roll, equipment=equipment_out(self.ctx))

    def _build(
        self, state: SiteState, names: dict[int, str], visitors: dict[int, Visitor]
    ) -> RollCall:
        at = self.ctx.clock.now()
        grace = timedelta(minutes=self.ctx.config.policy.locker_overdue_after_closing_min)
        overdue = find_overdue(state, at, self.ctx.closing, grace, self.ctx.tz)
        late_out = {(o.staff_id, o.device) for o in overdue if o.kind == "out"}
        staff = [
            StaffLine(
                p.staff_id, names.get(p.staff_id, "?"), p.started_at, p.locker, sorted(p.stored),
                [
                    DeviceLine(d, o.reason.value, o.since, o.expected_return,
                               names.get(o.approver_id) if o.approver_id else None,
                               (p.staff_id, d) in late_out)
                    for d, o in sorted(p.out.items())
                ],
            )
            for p in sorted(state.staff.values(), key=lambda p: names.get(p.staff_id, ""))
        ]  # fmt: skip
        guests = [
            VisitorLine(
                v.visitor_id, visitors[v.visitor_id].name or "(erased)", v.visitor_type,
                visitors[v.visitor_id].organisation or "", visitors[v.visitor_id].visiting or "",
                v.arrived_at, v.lone_working,
            )
            for v in state.visitors.values()
        ]  # fmt: skip
        lines = [
            OverdueLine(names.get(o.staff_id, "?"), o.device, o.kind.value, o.due) for o in overdue
        ]
        exceptions = [
            ExceptionLine(x.staff_id, names.get(x.staff_id, "?"), x.device, x.since)
            for x in sorted(state.exceptions.values(), key=lambda x: x.since)
        ]
        return RollCall(at, staff, sorted(guests, key=lambda g: g.since), lines, exceptions)

    def status(self) -> dict[str, Any]:
        """Health figures for `kiosk status` and the manager's screen."""
        from kiosk.status import kiosk_status

        return kiosk_status(self.ctx.config, self.ctx.clock)


def equipment_out(ctx: ServiceContext) -> list[EquipmentOutLine]:
    return [
        EquipmentOutLine(line.item.label, line.item.kind, line.holder or "?",
                         line.purpose or "", line.since, line.late)
        for line in EquipmentService(ctx).lines()
        if line.since is not None
    ]  # fmt: skip
