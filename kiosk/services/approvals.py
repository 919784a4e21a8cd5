"""A manager's approval: their own badge (or name, from the CLI) plus their PIN.

Wrong PINs are counted in the store (so a restart does not reset them) and recorded as events;
reaching the limit locks approvals for that manager for a while, doubling with each lockout in a
row. A right PIN is recorded too (`approval.granted`, with what it was for), and an older or
cheaper PIN hash is re-hashed at today's cost then, the one moment the PIN is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kiosk.domain.actors import by_badge, by_command_line
from kiosk.domain.approvals import PinState, after_failure, check_new_pin, check_not_locked
from kiosk.domain.people import StaffInfo, normalise_uid
from kiosk.domain.types import ApprovalPurpose, EventKind, PolicyError, StaffId
from kiosk.security import hash_pin, needs_rehash, verify_pin
from kiosk.services.context import Recorded, ServiceContext, os_user, recorded
from kiosk.services.lookup import badge_and_staff, get_staff, staff_info
from kiosk.store.events import lockouts_in_a_row
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

    def verify(
        self, staff_id: StaffId, pin: str, purpose: ApprovalPurpose = ApprovalPurpose.APPROVAL
    ) -> Approval:
        """Check a manager's PIN, counting failures towards the lockout; a right PIN is recorded
        (and, for manager mode, makes this manager the actor of what follows)."""
        now = self.ctx.clock.now()
        with self.ctx.reading() as session:
            info, stored = self._pin_of(session, staff_id, now)
        # scrypt is slow on purpose (~0.5 s on a Pi 4): never inside a write transaction.
        right = verify_pin(pin, stored)
        upgraded = hash_pin(pin) if right and needs_rehash(stored) else None
        with self.ctx.recording() as session:
            row = get_staff(session, staff_id)
            if right and row.pin_hash == stored:
                check_not_locked(PinState(row.pin_failures, row.pin_locked_until), now)
                self._granted(session, row, purpose, upgraded)
            else:
                self._count_failure(session, row, now)
        if not right:
            # Outside the transaction, so the failure count above is committed before we refuse.
            raise PolicyError(WRONG_PIN)
        if purpose is ApprovalPurpose.MANAGER_MODE:
            self.ctx.actor = by_badge(staff_id)
        return Approval(info, now)

    def leave_manager_mode(self) -> None:
        """Back home: what is recorded next is no longer this manager's doing."""
        self.ctx.actor = by_command_line(os_user())

    def _pin_of(self, session: Session, staff_id: StaffId, now: datetime) -> tuple[StaffInfo, str]:
        row = get_staff(session, staff_id)
        info = staff_info(row)
        if not info.is_manager or row.pin_hash is None:
            raise PolicyError(f"{info.name} cannot approve: not a manager with a PIN.")
        check_not_locked(PinState(row.pin_failures, row.pin_locked_until), now)
        return info, row.pin_hash

    def _granted(
        self, session: Session, row: Staff, purpose: ApprovalPurpose, upgraded: str | None
    ) -> None:
        row.pin_failures, row.pin_locked_until = 0, None
        if upgraded is not None:  # an older, cheaper hash: replaced now the PIN is known
            row.pin_hash = upgraded
        self.ctx.append(
            session, EventKind.APPROVAL_GRANTED, staff_id=row.id,
            payload={"purpose": purpose.value, "hash_upgraded": upgraded is not None},
        )  # fmt: skip

    def _count_failure(self, session: Session, row: Staff, now: datetime) -> None:
        policy = self.ctx.config.policy
        lockout = timedelta(seconds=policy.pin_lockout_s)
        state = PinState(row.pin_failures, row.pin_locked_until)
        earlier = lockouts_in_a_row(session, row.id)
        new = after_failure(state, now, policy.pin_max_failures, lockout, earlier)
        row.pin_failures, row.pin_locked_until = new.failures, new.locked_until
        locked: dict[str, bool | int] = {"locked": new.locked_until is not None}
        if new.locked_until is not None:  # the manager sees each lockout in the audit trail
            locked["lockout_s"] = int((new.locked_until - now).total_seconds())
        self.ctx.append(
            session, EventKind.APPROVAL_REFUSED, staff_id=row.id,
            payload={"why": "wrong_pin", **locked},
        )  # fmt: skip

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
