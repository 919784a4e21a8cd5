"""At the kiosk, by touch: a member of staff on shift signs the setting's camera out (choosing it,
then what for) and back in (tapping its tag on the reader); another's piece shows only as signed
out, with no name (issue 13)."""

from __future__ import annotations

from typing import Any

from kiosk.app import App
from kiosk.domain.equipment import Purpose
from kiosk.domain.types import EventKind
from tests.conftest import BEN_UID, staff_id
from tests.services.test_equipment import CAMERA_TAG, with_register
from tests.ui.conftest import events


def on_shift_equipment(screen: Any) -> None:
    screen.badge(BEN_UID)
    screen.wait_for("on_shift")
    screen.press("equipment")
    screen.wait_for("equipment")


def test_a_camera_out_by_choosing_it_and_back_by_its_tag(app: App, screen: Any, clock: Any) -> None:
    with_register(app)
    ben, chloe = staff_id(app, "Ben"), staff_id(app, "Chloé")
    for who in (ben, chloe):
        app.kiosk.start_shift(who, [], no_device=True)
    app.kiosk.equipment.sign_out(chloe, 2, Purpose.DISPLAY)

    on_shift_equipment(screen)
    assert "Not personal devices" in screen.texts()
    assert screen.find_text("Tablet A\n(signed out)").disabled  # Chloé's, and no name shown
    assert "Chloé" not in screen.texts()
    screen.press_text("Camera 1\n(camera)")
    assert "Camera 1: what is it for?" in screen.texts()
    screen.press_text("Learning journals")
    screen.wait_for("done")
    (out,) = events(app, EventKind.EQUIPMENT_OUT)[-1:]
    assert out.staff_id == ben
    assert out.payload["equipment"] == "Camera 1" and out.payload["purpose"] == "learning_journals"
    screen.press("ok")

    clock.advance(3600)
    on_shift_equipment(screen)
    assert screen.find_text("Sign in Camera 1\n(you have it)")
    screen.badge(CAMERA_TAG)  # the camera's own tag on the reader
    screen.wait_for("done")
    assert "Camera 1 is signed back in" in screen.texts()
    (back,) = events(app, EventKind.EQUIPMENT_IN)
    assert back.staff_id == ben and back.payload["returned_by"] == ben
