"""Approved virtual observations at the kiosk: applied whole from the reference data, listed on
their day only, and removed by retention like a visitor's details (issue 13)."""

from __future__ import annotations

import pytest

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.types import PolicyError
from kiosk.retention import RetentionService
from kiosk.services.observations import todays_observations
from kiosk.services.reference import apply_policy_reference
from tests.ui.test_observations import ROSA


def test_listed_on_the_day_and_kept_no_longer_than_a_visitors_details(
    app: App, clock: ManualClock
) -> None:
    apply_policy_reference(app.ctx, {"observations": [ROSA]})
    assert [o.professional for o in todays_observations(app.ctx)] == ["Dr Rosa Lopez"]
    with pytest.raises(PolicyError, match="not a date"):
        apply_policy_reference(app.ctx, {"observations": [{**ROSA, "date": "tomorrow"}]})
    clock.advance(86400)
    assert todays_observations(app.ctx) == []
    clock.advance(30 * 86400)
    RetentionService(app.ctx).purge()
    clock.advance(-31 * 86400)
    assert todays_observations(app.ctx) == []  # the row itself is gone, not just another day


def test_erasing_a_professional_removes_their_observation(app: App) -> None:
    from kiosk.services.operations import OperationsService

    apply_policy_reference(app.ctx, {"observations": [ROSA]})
    done = OperationsService(app.ctx).erase_visitor("dr rosa lopez")
    assert "0 visit(s) and 1 observation(s)" in done.message
    assert todays_observations(app.ctx) == []
    with pytest.raises(PolicyError, match="No visitor called"):
        OperationsService(app.ctx).erase_visitor("Dr Rosa Lopez")
