"""The roll call over a real SQLite file: started by any staff badge with no PIN, everyone on site
listed with lone workers marked, ticks kept once, people signing out on their way, and the end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.evacuation import Mode, Status
from kiosk.domain.types import EventKind, PolicyError, VisitorType
from kiosk.store.models import Event
from tests.conftest import BEN_UID, staff_id
from tests.services.test_kiosk import kinds, last_seq


def on_site(app: App) -> int:
    """Ben and Chloé on shift, a lone-working contractor signed in; the contractor's id."""
    app.kiosk.start_shift(staff_id(app, "Ben Carter"), [], no_device=True)
    app.kiosk.start_shift(staff_id(app, "Chloé Dubois"), ["phone"], locker="3")
    done = app.kiosk.visitors.sign_in(VisitorType.CONTRACTOR, "Sam Sparks", "Sparks Ltd", "",
                                      acknowledged=True, lone_working=True)  # fmt: skip
    assert done.subject_id is not None
    return done.subject_id


def test_a_drill_from_start_to_end(app: App, clock: ManualClock) -> None:
    visitor = on_site(app)
    before = last_seq(app)
    started = app.kiosk.evacuation.start(BEN_UID, Mode.DRILL)  # a member of staff, not a manager
    view = app.kiosk.evacuation.current()
    assert view is not None and view.open and view.mode is Mode.DRILL
    assert view.started_by == "Ben Carter" and view.started_at == started.occurred_at
    assert [(line.name, line.label, line.lone_working) for line in view.lines] == [
        ("Ben Carter", "staff", False), ("Chloé Dubois", "staff", False),
        ("Sam Sparks", "contractor", True),
    ]  # fmt: skip
    clock.advance(40)
    ben = ("staff", int(staff_id(app, "Ben Carter")))
    assert app.kiosk.evacuation.mark(ben) is not None
    assert app.kiosk.evacuation.mark(ben) is None  # a second touch records nothing more
    app.kiosk.visitors.sign_out(visitor)  # the contractor signs out on the way out
    view = app.kiosk.evacuation.current()
    assert view is not None and view.accounted == 2
    assert [(line.name, line.status) for line in view.lines] == [
        ("Chloé Dubois", Status.MISSING), ("Ben Carter", Status.MARKED),
        ("Sam Sparks", Status.LEFT),
    ]  # fmt: skip
    app.kiosk.evacuation.end()
    assert kinds(app, before) == ["evacuation.started", "evacuation.marked", "visitor.out",
                                  "evacuation.ended"]  # fmt: skip
    ended = app.kiosk.evacuation.current()
    assert ended is not None and not ended.open
    with pytest.raises(PolicyError):
        app.kiosk.evacuation.mark(("staff", int(staff_id(app, "Chloé Dubois"))))


@pytest.mark.parametrize("uid", ["DEADBEEF", "not a badge"])
def test_only_a_staff_badge_starts_it_and_a_refusal_records_nothing(app: App, uid: str) -> None:
    before = last_seq(app)
    with pytest.raises(PolicyError, match="member of staff"):
        app.kiosk.evacuation.start(uid, Mode.REAL)
    assert kinds(app, before) == [] and app.kiosk.evacuation.current() is None


def test_the_events_carry_ids_not_names(app: App) -> None:
    on_site(app)
    app.kiosk.evacuation.start(BEN_UID, Mode.REAL)
    with app.ctx.reading() as session:
        query = select(Event).where(Event.kind == EventKind.EVACUATION_STARTED.value)
        (start,) = session.scalars(query)
    assert "Sam" not in str(start.payload) and "Ben" not in str(start.payload)
    assert start.payload["mode"] == "real" and len(start.payload["roll"]) == 3
