"""Every administrative event names who did it: the command line as its user, or the manager
whose badge and PIN opened manager mode (until the kiosk goes home)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from kiosk.app import App
from kiosk.domain.actors import by_badge, by_command_line, describe
from kiosk.domain.types import ApprovalPurpose, EventKind
from kiosk.services.context import os_user
from kiosk.store.models import Event
from tests.conftest import MANAGER_PIN, staff_id


def admin_payloads(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kind, payload FROM events WHERE kind LIKE 'admin.%' ORDER BY seq"
        )
        return list(rows)


def test_every_admin_event_from_the_command_line_names_its_user(
    kiosk: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    assert kiosk("staff", "add", "Dee Ng")[0] == 0
    assert kiosk("staff", "badge", "Dee Ng", "ABCD1234")[0] == 0
    assert kiosk("staff", "revoke", "ABCD1234")[0] == 0
    rows = admin_payloads(tmp_path / "data" / "kiosk.db")
    assert {kind for kind, _ in rows} >= {"admin.init", "admin.staff_add", "admin.badge_enrol",
                                         "admin.badge_revoke", "admin.pin_set"}  # fmt: skip
    expected = f'"actor": {{"by": "command_line", "user": "{os_user()}"}}'
    assert all(expected in payload for _, payload in rows), rows


def test_manager_mode_makes_the_manager_the_actor_until_home(app: App) -> None:
    amara = staff_id(app, "Amara")
    app.kiosk.approvals.verify(amara, MANAGER_PIN, ApprovalPurpose.MANAGER_MODE)
    by_amara = app.admin.enrol_badge(staff_id(app, "Priya"), "C0FFEE01")
    app.kiosk.approvals.leave_manager_mode()
    after = app.admin.revoke_badge("C0FFEE01")
    actors = {}
    for done in (by_amara, after):
        with app.ctx.reading() as session:
            event = session.get(Event, done.event_id)
            assert event is not None
            actors[done.kind] = event.payload["actor"]
    assert actors[EventKind.ADMIN_BADGE_ENROL] == by_badge(amara)
    assert actors[EventKind.ADMIN_BADGE_REVOKE] == by_command_line(os_user())


def test_an_approval_does_not_make_the_approver_the_actor(app: App) -> None:
    """An approval at the door is for one device-out, not a session of administration."""
    app.kiosk.approvals.verify(staff_id(app, "Amara"), MANAGER_PIN)
    assert app.ctx.actor == by_command_line(os_user())


def test_actors_read_as_words() -> None:
    assert describe(by_badge(3)) == "manager's badge (staff #3)"
    assert describe({"by": "console", "account": "anna"}) == "console account anna"
    assert describe(by_command_line("kiosk")) == "command line as user kiosk"
    assert describe(None) == "not recorded (before actors were kept)"
