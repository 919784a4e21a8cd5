"""What the console calls things: the words a manager uses, not the log's identifiers."""

from __future__ import annotations

from typing import Any

KINDS = {
    "shift.start": "Shift started",
    "shift.end": "Shift ended",
    "device.out": "Device taken out",
    "device.in": "Device put back",
    "exception.close": "Not back at shift end: closed by a manager",
    "equipment.out": "Setting's equipment signed out",
    "equipment.in": "Setting's equipment signed back in",
    "agreement.ack": "Staff agreement acknowledged",
    "agreement.defer": "Staff agreement put off (once)",
    "visitor.in": "Visitor signed in",
    "visitor.out": "Visitor signed out",
    "badge.unknown": "Unknown badge tapped",
    "badge.refused": "Badge refused",
    "approval.refused": "Approval refused",
    "admin.init": "Kiosk set up",
    "admin.staff_add": "Staff member added (at the kiosk)",
    "admin.staff_leave": "Staff member left (at the kiosk)",
    "admin.badge_enrol": "Badge enrolled (at the kiosk)",
    "admin.badge_revoke": "Badge revoked (at the kiosk)",
    "admin.pin_set": "Manager PIN set (at the kiosk)",
    "admin.export": "Records exported (at the kiosk)",
    "admin.purge": "Old records removed (at the kiosk)",
    "admin.backup": "Backup made (at the kiosk)",
    "admin.restore": "Backup restored (at the kiosk)",
    "admin.erase": "Details erased (at the kiosk)",
    "admin.reference": "Policy reference applied (at the kiosk)",
}
GROUPS = {
    "shift": "Shifts",
    "device": "Devices out and back",
    "exception": "Devices not back at shift end",
    "equipment": "The setting's cameras and tablets",
    "agreement": "Staff agreements",
    "visitor": "Visitors",
    "badge": "Badges",
    "approval": "Approvals",
    "admin": "Kiosk administration",
}
REASONS = {
    "emergency": "emergency",
    "home_visit": "home visit",
    "outing": "outing",
    "virtual_course": "virtual course",
}


def kind(value: str) -> str:
    return KINDS.get(value, value)


def reason(value: Any) -> str:
    return REASONS.get(str(value), str(value or ""))


def kind_choices() -> list[tuple[str, str]]:
    """The events page's kind filter: each group, then each kind."""
    return [*GROUPS.items(), *KINDS.items()]


def devices(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")
