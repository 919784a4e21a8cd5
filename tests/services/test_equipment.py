"""The setting's own cameras and tablets at the kiosk: the register applied whole, signed out and
back in, overdue when not back by closing or when the holder's shift has ended (issue 13)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.equipment import Purpose
from kiosk.domain.types import EventKind, PolicyError
from kiosk.services.reference import apply_policy_reference
from kiosk.store.models import Equipment, Event
from tests.conftest import BEN_UID, staff_id

CAMERA_TAG = "E0C0FFEE"
REGISTER = {
    "version": "7",
    "equipment": [
        {
            "id": 1,
            "kind": "camera",
            "label": "Camera 1",
            "asset_tag": "LA-001",
            "tag_uid": CAMERA_TAG,
        },
        {"id": 2, "kind": "tablet", "label": "Tablet A", "asset_tag": "LA-002", "tag_uid": None},
    ],
}


def with_register(app: App) -> App:
    apply_policy_reference(app.ctx, REGISTER)
    return app


def test_signed_out_and_back_in(app: App, clock: ManualClock) -> None:
    with_register(app)
    ben = staff_id(app, "Ben")
    equipment = app.kiosk.equipment
    assert equipment.by_tag(CAMERA_TAG.lower()) is not None
    assert equipment.by_tag(BEN_UID) is None
    with pytest.raises(PolicyError, match="Start your shift first"):
        equipment.sign_out(ben, 1, Purpose.LEARNING_JOURNALS)
    app.kiosk.start_shift(ben, [], no_device=True)
    done = equipment.sign_out(ben, 1, Purpose.LEARNING_JOURNALS)
    assert done.message == "Camera 1 is signed out to you. Please sign it back in."
    with pytest.raises(PolicyError, match="already signed out"):
        equipment.sign_out(ben, 1, Purpose.DISPLAY)
    (camera, tablet) = sorted(equipment.lines(), key=lambda line: line.item.label)
    assert (camera.holder, camera.purpose, camera.late) == ("Ben Carter", "learning_journals", None)
    assert tablet.holder is None
    clock.advance(3600)
    amara = staff_id(app, "Amara")
    assert equipment.sign_in(1, amara).message == "Camera 1 is signed back in. Thank you."
    with app.ctx.reading() as session:
        (back,) = session.scalars(select(Event).where(Event.kind == EventKind.EQUIPMENT_IN))
    assert back.staff_id == ben and back.payload["returned_by"] == amara
    assert all(line.holder is None for line in equipment.lines())


def test_overdue_after_closing_and_after_the_shift_ended(app: App, clock: ManualClock) -> None:
    with_register(app)
    ben, chloe = staff_id(app, "Ben"), staff_id(app, "Chloé")
    for who in (ben, chloe):
        app.kiosk.start_shift(who, [], no_device=True)
    app.kiosk.equipment.sign_out(ben, 1, Purpose.OUTING)
    app.kiosk.equipment.sign_out(chloe, 2, Purpose.DISPLAY)
    app.kiosk.end_shift(chloe)
    late = {line.item.label: line.late for line in app.kiosk.equipment.lines()}
    assert late == {"Camera 1": None, "Tablet A": "shift ended"}
    clock.advance(12 * 3600)  # 19:45, past closing (18:30) and its hour of grace
    late = {line.item.label: line.late for line in app.kiosk.equipment.lines()}
    assert late == {"Camera 1": "not back by closing", "Tablet A": "shift ended"}


def test_a_bad_register_changes_nothing(app: App) -> None:
    with_register(app)
    bad = [
        {"equipment": [{"id": 3, "kind": "phone", "label": "Staff phone"}]},
        {"equipment": [{"id": 3, "kind": "camera", "label": "Camera 1"},
                       {"id": 4, "kind": "camera", "label": "camera 1"}]},
        {"equipment": [{"id": 3, "kind": "camera", "label": "X", "tag_uid": BEN_UID}]},
        {"equipment": [{"id": "3", "kind": "camera", "label": "X"}]},
        {"equipment": [], "rota": []},
    ]  # fmt: skip
    for data in bad:
        with pytest.raises(PolicyError):
            apply_policy_reference(app.ctx, data)
    with app.ctx.reading() as session:
        rows = [(e.id, e.label, e.active) for e in session.scalars(select(Equipment))]
    assert rows == [(1, "Camera 1", True), (2, "Tablet A", True)]
    with pytest.raises(PolicyError, match="tag of the setting's equipment"):
        app.admin.enrol_badge(staff_id(app, "Priya"), CAMERA_TAG)


def test_a_piece_left_out_of_the_register_is_retired_and_its_tag_freed(app: App) -> None:
    with_register(app)
    moved = {"equipment": [{"id": 2, "kind": "tablet", "label": "Tablet A", "tag_uid": CAMERA_TAG}]}
    apply_policy_reference(app.ctx, moved)
    with app.ctx.reading() as session:
        rows = {e.id: (e.active, e.tag_uid) for e in session.scalars(select(Equipment))}
    assert rows == {1: (False, None), 2: (True, CAMERA_TAG)}
    assert [line.item.label for line in app.kiosk.equipment.lines()] == ["Tablet A"]


def test_retention_removes_old_equipment_records_but_not_what_is_still_out(
    app: App, clock: ManualClock
) -> None:
    from kiosk.retention import RetentionService

    with_register(app)
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, [], no_device=True)
    app.kiosk.equipment.sign_out(ben, 2, Purpose.DISPLAY)
    app.kiosk.equipment.sign_in(2, ben)
    app.kiosk.equipment.sign_out(ben, 1, Purpose.OUTING)  # never comes back
    app.kiosk.end_shift(ben)
    clock.advance(500 * 86400)
    RetentionService(app.ctx).purge()
    with app.ctx.reading() as session:
        kept = [(e.kind, e.payload.get("equipment")) for e in session.scalars(
            select(Event).where(Event.kind.like("equipment.%")).order_by(Event.seq))]  # fmt: skip
    assert kept == [("equipment.out", "Camera 1")]
    (line,) = [x for x in app.kiosk.equipment.lines() if x.since is not None]
    assert (line.item.label, line.late) == ("Camera 1", "shift ended")


def test_a_tag_tapped_on_its_own_is_not_an_unknown_badge(app: App) -> None:
    with_register(app)
    outcome = app.kiosk.tap(CAMERA_TAG)
    assert "tag of the setting's Camera 1" in outcome.message
    assert app.admin.unknown_badges() == []  # never offered for enrolment as a badge
