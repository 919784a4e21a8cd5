"""Event-day notices: on the day of a special event visitors acknowledge that day's notice instead
of the usual one, and the record says which notice and version; the next day the usual one is
back. A changed text under the same version is refused, as for the usual notice (issue 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.types import PolicyError, VisitorType
from kiosk.services.reference import apply_policy_reference
from kiosk.store.models import Event
from tests.conftest import MORNING

CONCERT = ("Parents may photograph their own child during the concert, for personal use only. "
           "Please do not share photographs on social media.")  # fmt: skip


def schedule(app: App, text: str = CONCERT, version: str = "concert-1") -> None:
    day = (MORNING + timedelta(days=1)).date().isoformat()
    notice = {"date": day, "title": "Christmas concert", "version": version, "text": text}
    apply_policy_reference(app.ctx, {"event_notices": [notice]})


def sign_in(app: App, name: str) -> dict[str, object]:
    done = app.kiosk.visitors.sign_in(VisitorType.PARENT, name, "", "Room 1", acknowledged=True,
                                      lone_working=False)  # fmt: skip
    with app.ctx.reading() as session:
        return dict(session.scalars(select(Event.payload).where(Event.id == done.event_id)).one())


def test_the_days_notice_instead_of_the_usual(app: App, clock: ManualClock) -> None:
    schedule(app)
    assert app.kiosk.visitors.day_notice() is None  # not today
    usual = sign_in(app, "Ann Lee")
    assert (usual["notice"], usual["notice_version"]) == ("usual", "2026-09")
    clock.advance(86400)
    day = app.kiosk.visitors.day_notice()
    assert day is not None and day.text == CONCERT
    concert = sign_in(app, "Jo Bloggs")
    assert (concert["notice"], concert["notice_version"]) == (
        "event: Christmas concert",
        "concert-1",
    )
    clock.advance(86400)
    assert sign_in(app, "Sam Roe")["notice"] == "usual"


def test_a_changed_event_text_needs_a_new_version(app: App, clock: ManualClock) -> None:
    schedule(app)
    clock.advance(86400)
    sign_in(app, "Jo Bloggs")
    schedule(app, text=CONCERT + " Thank you.")  # same version, other words
    with pytest.raises(PolicyError, match="changed but its version is still 'concert-1'"):
        sign_in(app, "Ann Lee")
    schedule(app, text=CONCERT + " Thank you.", version="concert-2")
    assert sign_in(app, "Ann Lee")["notice_version"] == "concert-2"


def test_bad_event_notices_change_nothing(app: App) -> None:
    schedule(app)
    for bad in ([{"date": "18/12/2026", "title": "x", "version": "1", "text": "y"}],
                [{"date": "2026-12-18", "title": "", "version": "1", "text": "y"}],
                [{"date": "2026-12-18", "title": "a", "version": "1", "text": "y"},
                 {"date": "2026-12-18", "title": "b", "version": "2", "text": "z"}]):  # fmt: skip
        with pytest.raises(PolicyError):
            apply_policy_reference(app.ctx, {"event_notices": bad})
    with app.ctx.reading() as session:
        from kiosk.store.models import EventNotice

        assert [n.title for n in session.scalars(select(EventNotice))] == ["Christmas concert"]
