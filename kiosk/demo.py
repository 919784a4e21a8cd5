"""The demo setting `kiosk init --demo` and `make run` create: a few staff with badges, one manager
with a PIN. The UIDs are the ones the simulated reader's shortcuts present."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.domain.types import Role, StaffId
from kiosk.services.lookup import count_staff

if TYPE_CHECKING:
    from kiosk.app import App

DEMO_MANAGER_PIN = "258036"
DEMO_STAFF: list[tuple[str, Role, str | None, str]] = [
    ("Amara Okafor", Role.MANAGER, "1", "04A1B2C3D4E5F6"),
    ("Ben Carter", Role.STAFF, "2", "5A3F9C21"),
    ("Chloé Dubois", Role.STAFF, "3", "7B2E4D10"),
    ("Priya Shah", Role.STAFF, None, "9C8D7E6F"),
]


def add_demo_people(app: App) -> None:
    """Add the demo staff once (a second `init --demo` leaves an existing setting alone)."""
    with app.ctx.reading() as session:
        if count_staff(session) > 0:
            return
    for name, role, locker, uid in DEMO_STAFF:
        added = app.admin.add_staff(name, role, locker)
        assert added.subject_id is not None
        staff_id = StaffId(added.subject_id)
        app.admin.enrol_badge(staff_id, uid)
        if role == Role.MANAGER:
            app.kiosk.approvals.set_pin(staff_id, DEMO_MANAGER_PIN)
