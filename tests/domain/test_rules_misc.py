"""Taps and debouncing, PIN lockout, overdue devices, and folding the log into state."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.approvals import PinState, after_failure, check_new_pin, check_not_locked
from kiosk.domain.overdue import OverdueKind, find_overdue, locker_deadline
from kiosk.domain.people import BadgeInfo, StaffInfo, normalise_uid
from kiosk.domain.state import EventFact, fold
from kiosk.domain.taps import Debouncer, TapKind, resolve_tap
from kiosk.domain.types import BadgeUid, EventKind, PolicyError, Role, StaffId

LONDON = ZoneInfo("Europe/London")
BEN = StaffInfo(StaffId(2), "Ben Carter", Role.STAFF, True, "2")
BADGE = BadgeInfo(BadgeUid("5A3F9C21"), StaffId(2), revoked=False)
T0 = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # summer: London is UTC+1


@pytest.mark.parametrize(
    ("badge", "staff", "kind"),
    [
        (None, None, TapKind.UNKNOWN),
        (BadgeInfo(BADGE.uid, BEN.staff_id, revoked=True), BEN, TapKind.REVOKED),
        (BADGE, StaffInfo(StaffId(2), "Ben Carter", Role.STAFF, False), TapKind.INACTIVE),
        (BADGE, BEN, TapKind.START_SHIFT),
    ],
)
def test_resolve_tap(badge: BadgeInfo | None, staff: StaffInfo | None, kind: TapKind) -> None:
    outcome = resolve_tap(badge, staff, fold([]), ["1", "2"])
    assert outcome.kind == kind
    assert outcome.refused is (kind not in (TapKind.START_SHIFT, TapKind.ON_SHIFT))


def test_tap_suggests_usual_locker_or_first_free_one() -> None:
    ana_in_2 = EventFact(
        EventKind.SHIFT_START, T0, StaffId(1), payload={"devices": ["phone"], "locker": "2"}
    )
    assert resolve_tap(BADGE, BEN, fold([]), ["1", "2"]).suggested_locker == "2"
    taken = resolve_tap(BADGE, BEN, fold([ana_in_2]), ["1", "2", "3"])
    assert taken.suggested_locker == "1"
    assert taken.free_lockers == ("1", "3")
    assert resolve_tap(BADGE, BEN, fold([ana_in_2]), ["2"]).suggested_locker is None


def test_on_shift_tap_offers_the_presence() -> None:
    start = EventFact(
        EventKind.SHIFT_START, T0, BEN.staff_id, payload={"devices": [], "locker": None}
    )
    outcome = resolve_tap(BADGE, BEN, fold([start]), ["1"])
    assert outcome.kind == TapKind.ON_SHIFT
    assert outcome.presence is not None and outcome.presence.started_at == T0


def test_debounce_is_one_tap_per_window_and_per_badge() -> None:
    d = Debouncer(window_ns=2_000_000_000)
    assert not d.is_repeat("A", 0)
    assert d.is_repeat("A", 1_000_000_000)
    assert d.is_repeat("A", 2_500_000_000)  # held: each read restarts the window
    assert not d.is_repeat("B", 2_600_000_000)  # another badge is another tap
    assert not d.is_repeat("A", 5_000_000_000)


@pytest.mark.parametrize(
    ("raw", "uid"),
    [
        ("5a3f9c21", "5A3F9C21"),
        ("04:a1:b2:c3:d4:e5:f6", "04A1B2C3D4E5F6"),
        (" 5A 3F 9C 21\n", "5A3F9C21"),
        ("0x5a3f9c21", "5A3F9C21"),
    ],
)
def test_uids_are_normalised(raw: str, uid: str) -> None:
    assert normalise_uid(raw) == uid


@pytest.mark.parametrize("raw", ["", "GHIJ", "5A3F9C21;DROP", "0" * 21, "\x1b[A"])
def test_noisy_reads_are_refused(raw: str) -> None:
    with pytest.raises(PolicyError, match="not a badge number"):
        normalise_uid(raw)


def test_pin_lockout_after_max_failures() -> None:
    state = PinState()
    for _ in range(4):
        state = after_failure(state, T0, 5, timedelta(minutes=15))
        check_not_locked(state, T0)
    state = after_failure(state, T0, 5, timedelta(minutes=15))
    with pytest.raises(PolicyError, match="locked for 15 more minutes"):
        check_not_locked(state, T0)
    check_not_locked(state, T0 + timedelta(minutes=15))


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "0000", "1234", "9876"])
def test_weak_or_malformed_pins_refused(pin: str) -> None:
    with pytest.raises(PolicyError):
        check_new_pin(pin)


def test_overdue_out_and_left_in_locker() -> None:
    start = EventFact(
        EventKind.SHIFT_START,
        T0,
        BEN.staff_id,
        payload={"devices": ["phone", "tablet"], "locker": "2"},
    )
    out = EventFact(
        EventKind.DEVICE_OUT, T0, BEN.staff_id,
        payload={"device": "tablet", "reason": "outing", "approver_id": 1,
                 "expected_return": (T0 + timedelta(hours=1)).isoformat()},
    )  # fmt: skip
    state = fold([start, out])
    closing = time(18, 30)
    grace = timedelta(hours=1)
    assert find_overdue(state, T0 + timedelta(minutes=59), closing, grace, LONDON) == []
    late = find_overdue(state, T0 + timedelta(hours=2), closing, grace, LONDON)
    assert [(o.device, o.kind) for o in late] == [("tablet", OverdueKind.OUT)]
    # 18:30 London in July is 17:30 UTC; an hour's grace makes 18:30 UTC.
    deadline = locker_deadline(T0, closing, grace, LONDON)
    assert deadline == datetime(2026, 7, 1, 18, 30, tzinfo=UTC)
    night = find_overdue(state, deadline + timedelta(seconds=1), closing, grace, LONDON)
    assert ("phone", OverdueKind.LOCKER) in [(o.device, o.kind) for o in night]
