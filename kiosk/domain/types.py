"""The vocabulary of the policy: ids, roles, reasons, event kinds, and the error a rule raises."""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

StaffId = NewType("StaffId", int)
VisitorId = NewType("VisitorId", int)
BadgeUid = NewType("BadgeUid", str)
LockerId = NewType("LockerId", str)


class PolicyError(Exception):
    """An action the policy does not allow; the message is shown to the person as it is."""


class Role(StrEnum):
    STAFF = "staff"
    MANAGER = "manager"


class Reason(StrEnum):
    """Why a device leaves its locker during a shift (the policy's exceptions)."""

    EMERGENCY = "emergency"
    HOME_VISIT = "home_visit"
    OUTING = "outing"
    VIRTUAL_COURSE = "virtual_course"


REASON_LABELS: dict[Reason, str] = {
    Reason.EMERGENCY: "Emergency call (private area, away from children)",
    Reason.HOME_VISIT: "Home visit (managers only)",
    Reason.OUTING: "Outing (emergency use only, no photos of children)",
    Reason.VIRTUAL_COURSE: "Virtual course (away from children)",
}


class VisitorType(StrEnum):
    VISITOR = "visitor"
    PARENT = "parent"
    CONTRACTOR = "contractor"


class ApprovalPurpose(StrEnum):
    """What a manager's right PIN was for (the `purpose` of an approval.granted event)."""

    APPROVAL = "approval"
    MANAGER_MODE = "manager_mode"


class EventKind(StrEnum):
    SHIFT_START = "shift.start"
    SHIFT_END = "shift.end"
    DEVICE_OUT = "device.out"
    DEVICE_IN = "device.in"
    # A manager closes the exception a device still out at its owner's shift end left open.
    EXCEPTION_CLOSE = "exception.close"
    # The setting's own cameras and tablets (never personal devices): signed out and back in.
    EQUIPMENT_OUT = "equipment.out"
    EQUIPMENT_IN = "equipment.in"
    # Staff agreements (e-safety, confidentiality): acknowledged, or put off once, at shift start.
    AGREEMENT_ACK = "agreement.ack"
    AGREEMENT_DEFER = "agreement.defer"
    VISITOR_IN = "visitor.in"
    VISITOR_OUT = "visitor.out"
    BADGE_UNKNOWN = "badge.unknown"
    BADGE_REFUSED = "badge.refused"
    APPROVAL_REFUSED = "approval.refused"
    EVACUATION_STARTED = "evacuation.started"
    EVACUATION_MARKED = "evacuation.marked"
    EVACUATION_ENDED = "evacuation.ended"
    APPROVAL_GRANTED = "approval.granted"  # a right PIN: for an approval or for manager mode
    ADMIN_INIT = "admin.init"
    ADMIN_STAFF_ADD = "admin.staff_add"
    ADMIN_STAFF_LEAVE = "admin.staff_leave"
    ADMIN_BADGE_ENROL = "admin.badge_enrol"
    ADMIN_BADGE_REVOKE = "admin.badge_revoke"
    ADMIN_PIN_SET = "admin.pin_set"
    ADMIN_EXPORT = "admin.export"
    ADMIN_PURGE = "admin.purge"
    ADMIN_BACKUP = "admin.backup"
    ADMIN_RESTORE = "admin.restore"
    ADMIN_ERASE = "admin.erase"
    # A managed kiosk now runs on this version of its setting's snapshot (issue 11).
    ROSTER_APPLIED = "roster.applied"
    ADMIN_ACCESS = "admin.access"  # a subject access file was made (ids and counts, no name)
    ADMIN_REFERENCE = "admin.reference"  # the setting's policy reference data applied
