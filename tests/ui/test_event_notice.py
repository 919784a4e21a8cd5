"""At the kiosk, by touch: on the concert day a parent reads that day's notice (not the usual one)
and signs in; the record names the event notice and its version (issue 13)."""

from __future__ import annotations

from typing import Any

from kiosk.app import App
from kiosk.config import DEFAULT_NOTICE
from kiosk.domain.types import EventKind
from tests.services.test_event_notices import CONCERT, schedule
from tests.ui.conftest import events


def test_a_parent_acknowledges_the_concert_notice(app: App, screen: Any, clock: Any) -> None:
    schedule(app)
    clock.advance(86400)
    screen.press("visitor")
    screen.wait_for("visitor_notice")
    assert CONCERT in screen.texts() and DEFAULT_NOTICE not in screen.texts()
    screen.press("parent")
    screen.wait_for("visitor_details")
    screen.type("JO BLOGGS")
    screen.press("next")
    screen.press("next")  # whom they visit: left blank
    screen.wait_for("visitor_agree")
    screen.press("agree")
    screen.wait_for("done")
    (signed,) = events(app, EventKind.VISITOR_IN)
    assert signed.payload["notice"] == "event: Christmas concert"
    assert signed.payload["notice_version"] == "concert-1"
