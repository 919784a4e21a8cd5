"""The staff side of the kiosk: a badge tap, and the actions it leads to.

Each action reads the current state, lets the domain decide, and appends the event in the same
IMMEDIATE transaction, so two taps racing (two kiosks' CLIs, a retry) cannot both pass a check.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.domain import shifts
from kiosk.domain.people import StaffInfo, normalise_uid
from kiosk.domain.taps import (
    Debouncer,
    TapKind,
    TapOutcome,
    free_lockers,
    resolve_tap,
    suggest_locker,
)
from kiosk.domain.types import EventKind, PolicyError, Reason, StaffId
from kiosk.services.agreements import AgreementService
from kiosk.services.approvals import Approval, ApprovalService
from kiosk.services.context import Recorded, ServiceContext, mark_on_behalf, recorded
from kiosk.services.endofday import EndOfDayService
from kiosk.services.equipment import EquipmentService
from kiosk.services.evacuation import EvacuationService
from kiosk.services.lookup import badge_and_staff, get_staff, staff_info
from kiosk.services.rollcall import RollCallService
from kiosk.services.visitors import VisitorService
from kiosk.store.events import load_site_state

UNREADABLE = "The badge was not read properly. Please tap again."
EQUIPMENT_TAG = (
    "That is the tag of the setting's {label}. Tap your own badge first, then choose "
    "'The setting's camera or tablet'."
)
# An approval is for the request in front of the manager, not for later ones.
APPROVAL_VALID_FOR = timedelta(minutes=2)


class KioskService:
    """Everything the kiosk screen and the `kiosk record` commands do."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._debouncer = Debouncer(int(ctx.config.policy.debounce_s * 1e9))
        self.approvals = ApprovalService(ctx)
        self.visitors = VisitorService(ctx)
        self.roll_call = RollCallService(ctx)
        self.evacuation = EvacuationService(ctx)
        self.end_of_day = EndOfDayService(ctx)
        self.equipment = EquipmentService(ctx)
        self.agreements = AgreementService(ctx)

    def tap(self, raw_uid: str) -> TapOutcome:
        """A badge presented: who it is and what they may do, or why not (refusals recorded)."""
        try:
            uid = normalise_uid(raw_uid)
        except PolicyError:
            return TapOutcome(TapKind.UNKNOWN, UNREADABLE)
        if self._debouncer.is_repeat(uid, self.ctx.clock.mono_ns()):
            return TapOutcome(TapKind.REPEAT)
        with self.ctx.reading() as session:
            badge, staff = badge_and_staff(session, uid)
            outcome = resolve_tap(
                badge, staff, load_site_state(session), self.ctx.config.lockers.ids
            )
        if outcome.kind == TapKind.UNKNOWN:
            item = self.equipment.by_tag(uid)
            if item is not None:  # not a badge, and not to be offered for enrolment as one
                return TapOutcome(TapKind.UNKNOWN, EQUIPMENT_TAG.format(label=item.label))
        if outcome.refused:
            self._record_refusal(outcome, uid, staff)
        return outcome

    def suggest_locker(self, staff_id: StaffId) -> str | None:
        with self.ctx.reading() as session:
            staff = staff_info(get_staff(session, staff_id))
            state = load_site_state(session)
        return suggest_locker(staff, free_lockers(state, self.ctx.config.lockers.ids, staff_id))

    def _record_refusal(self, outcome: TapOutcome, uid: str, staff: StaffInfo | None) -> None:
        with self.ctx.recording() as session:
            if outcome.kind == TapKind.UNKNOWN:
                self.ctx.append(session, EventKind.BADGE_UNKNOWN, payload={"uid": uid})
            else:
                self.ctx.append(
                    session,
                    EventKind.BADGE_REFUSED,
                    staff_id=staff.staff_id if staff else None,
                    payload={"uid": uid, "why": outcome.kind.value},
                )

    def start_shift(
        self,
        staff_id: StaffId,
        devices: list[str],
        *,
        no_device: bool = False,
        locker: str | None = None,
        on_behalf: str | None = None,
    ) -> Recorded:
        with self.ctx.recording() as session:
            staff = staff_info(get_staff(session, staff_id))
            payload = shifts.decide_shift_start(
                staff,
                load_site_state(session),
                devices,
                no_device,
                locker,
                device_kinds=self.ctx.config.devices.kinds,
                lockers=self.ctx.config.lockers.ids,
            )
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.SHIFT_START, staff_id=staff_id, payload=payload
            )
        stored = ", ".join(payload["devices"]) or "no personal device"
        where = f" in locker {payload['locker']}" if payload["locker"] else ""
        return recorded(
            event, f"Shift started {self.ctx.local_hhmm(event.occurred_at)}: {stored}{where}."
        )

    def end_shift(self, staff_id: StaffId, *, on_behalf: str | None = None) -> Recorded:
        with self.ctx.recording() as session:
            staff = staff_info(get_staff(session, staff_id))
            payload = shifts.decide_shift_end(staff, load_site_state(session))
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.SHIFT_END, staff_id=staff_id, payload=payload
            )
        collect = ", ".join(payload["collected"])
        what = f" Please collect: {collect} from locker {payload['locker']}." if collect else ""
        return recorded(event, f"Shift ended {self.ctx.local_hhmm(event.occurred_at)}.{what}")

    def device_out(
        self,
        staff_id: StaffId,
        device: str,
        reason: Reason,
        approval: Approval | None,
        *,
        expected_return: datetime | None = None,
        on_behalf: str | None = None,
    ) -> Recorded:
        now = self.ctx.clock.now()
        if approval is not None and now - approval.verified_at > APPROVAL_VALID_FOR:
            raise PolicyError("The manager's approval has expired. Please ask them to tap again.")
        with self.ctx.recording() as session:
            staff = staff_info(get_staff(session, staff_id))
            approver = approval.approver if approval else None
            payload = shifts.decide_device_out(
                staff, load_site_state(session), device, reason, approver=approver,
                expected_return=expected_return, now=now, limits=self.ctx.out_limits(),
            )  # fmt: skip
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.DEVICE_OUT, staff_id=staff_id, payload=payload
            )
        due = self.ctx.local_hhmm(datetime.fromisoformat(payload["expected_return"]))
        return recorded(event, f"Your {device} is out until {due}. Please bring it back by then.")

    def check_device_out(self, staff_id: StaffId, device: str, reason: Reason) -> None:
        """Raise PolicyError now if this request could not be approved anyway."""
        with self.ctx.reading() as session:
            staff = staff_info(get_staff(session, staff_id))
            shifts.check_device_out_request(staff, load_site_state(session), device, reason)

    def device_in(
        self, staff_id: StaffId, device: str, *, on_behalf: str | None = None
    ) -> Recorded:
        with self.ctx.recording() as session:
            staff = staff_info(get_staff(session, staff_id))
            payload = shifts.decide_device_in(staff, load_site_state(session), device)
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.DEVICE_IN, staff_id=staff_id, payload=payload
            )
        return recorded(event, f"Your {device} is back in locker {payload['locker']}.")

    def close_exception(
        self,
        owner_id: StaffId,
        device: str,
        approval: Approval,
        *,
        note: str = "",
        on_behalf: str | None = None,
    ) -> Recorded:
        """A manager (in manager mode, or named at the CLI with their PIN) closes a device's
        open exception: it was not back at its owner's shift end."""
        with self.ctx.recording() as session:
            owner = staff_info(get_staff(session, owner_id))
            payload = shifts.decide_close_exception(
                owner, load_site_state(session), device, approver=approval.approver, note=note
            )
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.EXCEPTION_CLOSE, staff_id=owner_id, payload=payload
            )
        first = owner.name.split()[0]
        return recorded(event, f"Closed: {first}'s {device} is accounted for.")
