"""A visitor notice's version follows its text: a changed text under a version the kiosk has
already shown is refused (at start-up and at a sign-in), and nothing is recorded (issue 13)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from kiosk.app import App, open_app, open_running
from kiosk.clock import ManualClock
from kiosk.config import Config, ConfigError, NoticeSection
from kiosk.domain.notices import fingerprint
from kiosk.domain.types import PolicyError, VisitorType
from kiosk.store.models import Event, Visitor


def with_notice(config: Config, version: str, text: str) -> Config:
    return replace(config, notice=NoticeSection(version=version, text=text))


def sign_in(app: App) -> dict[str, object]:
    done = app.kiosk.visitors.sign_in(VisitorType.PARENT, "Jo Bloggs", "", "Room 1",
                                      acknowledged=True, lone_working=False)  # fmt: skip
    with app.ctx.reading() as session:
        return dict(session.scalars(select(Event.payload).where(Event.id == done.event_id)).one())


def counts(app: App) -> tuple[int, int]:
    with app.ctx.reading() as session:
        visitors = session.scalar(select(func.count()).select_from(Visitor)) or 0
        events = session.scalar(select(func.count()).select_from(Event)) or 0
    return visitors, events


def test_a_changed_text_under_the_old_version_is_refused(
    app: App, config: Config, clock: ManualClock
) -> None:
    first = with_notice(config, "2026-11", "No phones on the premises, please.")
    before = open_app(first, clock)
    assert sign_in(before)["notice_version"] == "2026-11"
    before.close()

    edited = with_notice(config, "2026-11", "Phones may be used in the car park.")
    after = open_app(edited, clock)
    held = counts(after)
    with pytest.raises(PolicyError, match="changed but its version is still '2026-11'"):
        sign_in(after)
    assert counts(after) == held  # nothing half-recorded
    after.close()
    with pytest.raises(ConfigError, match="a changed text needs a new version"):
        open_running(edited)

    reworded = with_notice(config, "2026-12", "Phones may be used in the car park.")
    fixed, lock = open_running(reworded)
    try:
        assert sign_in(fixed)["notice_version"] == "2026-12"
    finally:
        fixed.close()
        lock.release()


def test_rewrapping_the_text_is_not_a_change() -> None:
    assert fingerprint("No phones,\n  please.") == fingerprint("No phones, please.")
    assert fingerprint("No phones, please.") != fingerprint("No phones please.")
