"""At the kiosk, by touch: agreements are shown before the shift starts; one is put off once
(recorded), the other agreed; the next shift asks again and cannot be put off (issue 13)."""

from __future__ import annotations

from typing import Any

from kiosk.app import App
from kiosk.domain.types import EventKind
from tests.conftest import BEN_UID, staff_id
from tests.services.test_agreements import ESAFETY, publish
from tests.ui.conftest import events


def test_agreements_before_the_shift_with_one_deferral(app: App, screen: Any, clock: Any) -> None:
    publish(app)
    screen.badge(BEN_UID)
    screen.wait_for("agreement")
    assert "Confidentiality agreement (version 1)" in screen.texts()
    screen.press("agree")
    screen.wait_for("agreement")
    assert "E-safety and internet agreement (version 2026-09)" in screen.texts()
    assert ESAFETY in screen.texts()
    screen.press("defer")
    screen.wait_for("shift_start")  # not kept from work
    screen.press("no_device")
    screen.press("start")
    screen.wait_for("done")
    ack = events(app, EventKind.AGREEMENT_ACK)
    defer = events(app, EventKind.AGREEMENT_DEFER)
    assert [e.payload for e in ack] == [{"agreement": "confidentiality", "version": "1"}]
    assert [e.payload for e in defer] == [{"agreement": "esafety", "version": "2026-09"}]
    app.kiosk.end_shift(staff_id(app, "Ben"))
    screen.press("ok")

    clock.advance(86400)
    screen.badge(BEN_UID)
    screen.wait_for("agreement")
    assert screen.current.ids.defer.disabled  # put off once already
    screen.press("agree")
    screen.wait_for("shift_start")
    assert events(app, EventKind.AGREEMENT_ACK)[-1].payload["agreement"] == "esafety"
