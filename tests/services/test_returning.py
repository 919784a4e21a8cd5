"""A returning visitor finds their earlier visit by the first letters of their name: only
visits retention still keeps, never someone on site now, once per name (the latest details),
and never a crowd."""

from __future__ import annotations

import pytest

from kiosk.app import App
from kiosk.domain.types import PolicyError, VisitorId, VisitorType
from kiosk.retention import RetentionService


def visit(app: App, name: str, org: str = "Acme", leave: bool = True) -> VisitorId:
    visitors = app.kiosk.visitors
    done = visitors.sign_in(
        VisitorType.VISITOR, name, org, "Room 1", acknowledged=True, lone_working=False
    )
    assert done.subject_id is not None
    if leave:
        visitors.sign_out(VisitorId(done.subject_id))
    return VisitorId(done.subject_id)


def labels(app: App, typed: str) -> list[str]:
    return [m.label for m in app.kiosk.visitors.search_returning(typed).matches]


def test_one_match_per_name_with_the_latest_details(app: App) -> None:
    visit(app, "Rosa Lopez", "Old Clinic")
    app.ctx.clock.advance(86400)
    latest = visit(app, "Rosa Lopez", "Speech Therapy")
    (match,) = app.kiosk.visitors.search_returning("ro").matches
    assert match.visitor_id == latest and match.label == "Rosa L."
    app.kiosk.visitors.sign_in_again(match.visitor_id, lone_working=True)
    roll = app.kiosk.roll_call.now()
    assert [(v.name, v.lone_working) for v in roll.visitors] == [("Rosa Lopez", True)]


def test_someone_on_site_is_not_offered(app: App) -> None:
    visit(app, "Rosa Lopez", leave=False)
    assert labels(app, "ro") == []


def test_only_visits_retention_still_keeps(app: App) -> None:
    kept_days = app.config.retention.visitor_details_days
    old = visit(app, "Rosa Lopez")
    app.ctx.clock.advance((kept_days - 1) * 86400)
    assert labels(app, "ro") == ["Rosa L."]
    app.ctx.clock.advance(2 * 86400)  # past retention, though not yet purged
    assert labels(app, "ro") == []
    with pytest.raises(PolicyError, match="no longer kept"):
        app.kiosk.visitors.sign_in_again(old, lone_working=False)
    RetentionService(app.ctx).purge()
    with pytest.raises(PolicyError, match="no longer kept"):
        app.kiosk.visitors.sign_in_again(old, lone_working=False)


def test_too_many_matches_show_nobody(app: App) -> None:
    for n in range(app.config.policy.visitor_search_max_results + 1):
        visit(app, f"Jo {chr(ord('A') + n)}bbot")
    found = app.kiosk.visitors.search_returning("jo")
    assert found.matches == [] and found.too_many
    assert labels(app, "jo c") == ["Jo C."]
