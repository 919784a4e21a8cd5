"""At the kiosk, by touch: the manager's screen shows today's approved virtual observations (from
the console's reference data), and none on another day (issue 13)."""

from __future__ import annotations

from typing import Any

from kiosk.app import App
from kiosk.services.reference import apply_policy_reference
from tests.conftest import MORNING
from tests.ui.test_manager import manager_mode

ROSA = {"id": 7, "date": MORNING.date().isoformat(), "time": "10:30",
        "professional": "Dr Rosa Lopez", "organisation": "Speech and Language Therapy",
        "present": "Amara Okafor"}  # fmt: skip


def test_todays_observations_on_the_managers_screen(app: App, screen: Any, clock: Any) -> None:
    apply_policy_reference(app.ctx, {"observations": [ROSA]})
    manager_mode(screen)
    screen.press("observations")
    screen.wait_for("manager_list")
    text = screen.texts()
    assert "Dr Rosa Lopez (Speech and Language Therapy), with Amara Okafor" in text
    assert "not to be recorded" in text
    screen.press("back")
    screen.wait_for("manager_menu")
    clock.advance(86400)
    screen.press("observations")
    assert "None approved for today." in screen.texts()
