"""A manager's approval: their own badge (or name, from the CLI) plus their PIN.

Wrong PINs are counted in the store (so a restart does not reset them) and recorded as events;
reaching the limit locks approvals for that manager for a while.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kiosk.domain.approvals import PinState, after_failure, check_new_pin, check_not_locked
from kiosk.domain.people import StaffInfo, normalise_uid
from kiosk.domain.types import EventKind, PolicyError, StaffId
from kiosk.security import hash_pin, verify_pin
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.services.lookup import badge_and_staff, get_staff, staff_info
from kiosk.store.models import Staff

WRONG_PIN = "That PIN is not right. Please try again."


@dataclass(frozen=True)
class Approval:
    """A manager verified by badge or name plus PIN, at a moment (approvals expire)."""

    approver: StaffInfo
    verified_at: datetime


class ApprovalService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def manager_for_badge(self, raw_uid: str) -> StaffInfo:
        """The manager a badge belongs to, or a PolicyError saying why it cannot approve."""
        with self.ctx.reading() as session:
            badge, staff = badge_and_staff(session, normalise_uid(raw_uid))
        if badge is None or staff is None or badge.revoked:
            raise PolicyError("This badge is not a manager's badge.")
        if not staff.is_manager:
            raise PolicyError(f"{staff.name.split()[0]} is not a manager and cannot approve this.")
        return staff

    def verify(self, staff_id: StaffId, pin: str) -> Approval:
        """Check a manager's PIN, counting failures towards the lockout."""
        now = self.ctx.clock.now()
        with self.ctx.recording() as session:
            row = get_staff(session, staff_id)
            info = staff_info(row)
            if not info.is_manager or row.pin_hash is None:
                raise PolicyError(f"{info.name} cannot approve: not a manager with a PIN.")
            state = PinState(row.pin_failures, row.pin_locked_until)
            check_not_locked(state, now)
            if verify_pin(pin, row.pin_hash):
                row.pin_failures, row.pin_locked_until = 0, None
                return Approval(info, now)
            self._count_failure(session, row, state, now)
        # Outside the transaction, so the failure count above is committed before we refuse.
        raise PolicyError(WRONG_PIN)

    def _count_failure(self, session: Session, row: Staff, state: PinState, now: datetime) -> None:
        policy = self.ctx.config.policy
        lockout = timedelta(seconds=policy.pin_lockout_s)
        new = after_failure(state, now, policy.pin_max_failures, lockout)
        row.pin_failures, row.pin_locked_until = new.failures, new.locked_until
        self.ctx.append(
            session,
            EventKind.APPROVAL_REFUSED,
            staff_id=row.id,
            payload={"why": "wrong_pin", "locked": new.locked_until is not None},
        )

    def set_pin(self, staff_id: StaffId, pin: str) -> Recorded:
        self.ctx.refuse_if_managed()
        check_new_pin(pin)
        pin_hash = hash_pin(pin)  # slow on purpose: outside the write transaction
        with self.ctx.recording() as session:
            row = get_staff(session, staff_id)
            if not staff_info(row).is_manager:
                raise PolicyError(f"{row.name} is not an active manager; only managers have a PIN.")
            row.pin_hash, row.pin_failures, row.pin_locked_until = pin_hash, 0, None
            event = self.ctx.append(session, EventKind.ADMIN_PIN_SET, staff_id=row.id)
        return recorded(event, f"PIN set for {row.name}.")
