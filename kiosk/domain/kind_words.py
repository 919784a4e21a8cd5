"""What each kind of event is called in words a manager or a parent uses (the console's events
page and the subject access file), not the log's identifiers."""

from __future__ import annotations

KIND_WORDS = {
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
    "approval.granted": "Manager's PIN accepted",
    "evacuation.started": "Evacuation roll call started",
    "evacuation.marked": "Accounted for (roll call)",
    "evacuation.ended": "Evacuation roll call ended",
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
    "admin.access": "Subject access file made (at the kiosk)",
    "admin.reference": "Policy reference applied (at the kiosk)",
    "roster.applied": "Kiosk took the setting's staff and policy (version)",
}
