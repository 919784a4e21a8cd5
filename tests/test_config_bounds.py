"""bound_error: the kiosk config's own bounds, for the console to refuse the same values."""

from __future__ import annotations

import pytest

from kiosk.config import bound_error


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        ("kiosk.timezone", "Europe/London", True),
        ("kiosk.timezone", "Mars/Olympus", False),
        ("kiosk.closing_time", "18:30", True),
        ("kiosk.closing_time", "25:00", False),
        ("kiosk.closing_time", "6pm", False),
        ("policy.locker_overdue_after_closing_min", 60, True),
        ("policy.locker_overdue_after_closing_min", -1, False),
        ("policy.locker_overdue_after_closing_min", True, False),
        ("retention.visitor_details_days", 0, False),
        ("retention.staff_events_days", 400, True),
        ("lockers.ids", ["1", "2"], True),
        ("lockers.ids", ["1", "1"], False),
        ("lockers.ids", [], False),
        ("devices.kinds", ["phone", "=cmd"], False),
        ("notice.quiet_space", "The office", True),
        ("notice.quiet_space", "x" * 2001, False),
        ("kiosk.no_such_key", 1, False),
    ],
)
def test_bounds(key: str, value: object, ok: bool) -> None:
    error = bound_error(key, value)
    assert (error is None) == ok
    if error:
        assert key in error
