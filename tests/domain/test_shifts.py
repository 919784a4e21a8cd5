"""The staff rules, as tables: each row an action on a state and what the policy says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.domain.people import StaffInfo
from kiosk.domain.shifts import (
    OutLimits,
    decide_device_in,
    decide_device_out,
    decide_shift_end,
    decide_shift_start,
)
from kiosk.domain.state import EventFact, SiteState, fold
from kiosk.domain.types import EventKind, PolicyError, Reason, Role, StaffId

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KINDS = ["phone", "smartwatch", "tablet", "other"]
LOCKERS = ["1", "2", "3"]
ANA = StaffInfo(StaffId(1), "Ana Manager", Role.MANAGER, True, "1")
BEN = StaffInfo(StaffId(2), "Ben Carter", Role.STAFF, True, "2")
CAL = StaffInfo(StaffId(3), "Cal Left", Role.STAFF, False)


def started(*shifts: tuple[StaffInfo, list[str], str | None]) -> SiteState:
    return fold(
        EventFact(EventKind.SHIFT_START, NOW, s.staff_id, payload={"devices": d, "locker": lk})
        for s, d, lk in shifts
    )


@pytest.mark.parametrize(
    ("who", "state", "devices", "no_device", "locker", "error"),
    [
        (BEN, SiteState(), ["phone"], False, "2", None),
        (BEN, SiteState(), ["phone", "phone", "smartwatch"], False, "2", None),
        (BEN, SiteState(), [], True, None, None),
        (BEN, SiteState(), [], False, "2", "Choose the devices you are storing"),
        (BEN, SiteState(), ["phone"], True, "2", "not both"),
        (BEN, SiteState(), ["laptop"], False, "2", "Unknown kind of device: laptop"),
        (BEN, SiteState(), ["phone"], False, None, "Choose the locker"),
        (BEN, SiteState(), ["phone"], False, "9", "There is no locker 9"),
        (BEN, started((ANA, ["phone"], "2")), ["phone"], False, "2", "someone else's"),
        (BEN, started((ANA, [], None)), ["phone"], False, "2", None),
        (BEN, started((BEN, ["phone"], "2")), ["phone"], False, "2", "already on shift"),
        (CAL, SiteState(), [], True, None, "no longer active"),
    ],
)
def test_shift_start(
    who: StaffInfo,
    state: SiteState,
    devices: list[str],
    no_device: bool,
    locker: str | None,
    error: str | None,
) -> None:
    def decide() -> dict[str, object]:
        return decide_shift_start(
            who, state, devices, no_device, locker, device_kinds=KINDS, lockers=LOCKERS
        )

    if error:
        with pytest.raises(PolicyError, match=error):
            decide()
    else:
        payload = decide()
        assert payload["devices"] == sorted(set(devices))
        assert payload["locker"] == (locker if devices else None)
        assert payload["no_device"] is (not devices)


def test_a_locker_whose_devices_are_all_out_is_still_taken() -> None:
    state = started((ANA, ["phone"], "2"))
    taken_out = {"device": "phone", "reason": "emergency", "approver_id": 1}
    fold([EventFact(EventKind.DEVICE_OUT, NOW, ANA.staff_id, payload=taken_out)], state)
    assert state.staff[ANA.staff_id].stored == set()
    with pytest.raises(PolicyError, match="someone else's"):
        decide_shift_start(BEN, state, ["phone"], False, "2", device_kinds=KINDS, lockers=LOCKERS)


LIMITS = OutLimits()
SOON = NOW + timedelta(hours=2)


@pytest.mark.parametrize(
    ("who", "device", "reason", "approver", "back", "error", "due"),
    [
        (BEN, "phone", Reason.EMERGENCY, ANA, None, None, NOW + timedelta(minutes=30)),
        (BEN, "phone", Reason.EMERGENCY, None, None, "manager must approve", None),
        (BEN, "phone", Reason.EMERGENCY, BEN, None, "not a manager", None),
        (BEN, "phone", Reason.VIRTUAL_COURSE, ANA, None, None, NOW + timedelta(hours=2)),
        (BEN, "phone", Reason.OUTING, ANA, None, "when you expect to be back", None),
        (BEN, "phone", Reason.OUTING, ANA, SOON, None, SOON),
        (BEN, "phone", Reason.OUTING, ANA, NOW - timedelta(minutes=1), "later than now", None),
        (BEN, "phone", Reason.OUTING, ANA, NOW + timedelta(days=2), "next 24 hours", None),
        (BEN, "phone", Reason.HOME_VISIT, ANA, None, "Only a manager", None),
        (ANA, "phone", Reason.HOME_VISIT, ANA, None, None, NOW + timedelta(hours=4)),
        (BEN, "tablet", Reason.EMERGENCY, ANA, None, "did not store a tablet", None),
    ],
)
def test_device_out(
    who: StaffInfo,
    device: str,
    reason: Reason,
    approver: StaffInfo | None,
    back: datetime | None,
    error: str | None,
    due: datetime | None,
) -> None:
    state = started((ANA, ["phone"], "1"), (BEN, ["phone", "smartwatch"], "2"))

    def decide() -> dict[str, object]:
        return decide_device_out(
            who,
            state,
            device,
            reason,
            approver=approver,
            expected_return=back,
            now=NOW,
            limits=LIMITS,
        )

    if error:
        with pytest.raises(PolicyError, match=error):
            decide()
        return
    payload = decide()
    assert due is not None
    assert datetime.fromisoformat(str(payload["expected_return"])) == due
    assert payload["approver_id"] == ANA.staff_id
    assert ("location" in payload) is (reason == Reason.EMERGENCY)


def test_device_out_twice_and_back_in() -> None:
    state = started((BEN, ["phone"], "2"))
    out = emergency_out(state)
    fold([EventFact(EventKind.DEVICE_OUT, NOW, BEN.staff_id, payload=out)], state)
    with pytest.raises(PolicyError, match="already out"):
        emergency_out(state)
    assert decide_device_in(BEN, state, "phone") == {"device": "phone", "locker": "2"}
    with pytest.raises(PolicyError, match="not out"):
        decide_device_in(BEN, started((BEN, ["phone"], "2")), "phone")


def test_shift_end_collects_what_is_stored_and_notes_what_is_out() -> None:
    state = started((BEN, ["phone", "smartwatch"], "2"))
    out = emergency_out(state)
    fold([EventFact(EventKind.DEVICE_OUT, NOW, BEN.staff_id, payload=out)], state)
    assert decide_shift_end(BEN, state) == {
        "locker": "2",
        "collected": ["smartwatch"],
        "still_out": ["phone"],
    }
    with pytest.raises(PolicyError, match="not on shift"):
        decide_shift_end(ANA, state)


def emergency_out(state: SiteState) -> dict[str, object]:
    return decide_device_out(
        BEN,
        state,
        "phone",
        Reason.EMERGENCY,
        approver=ANA,
        expected_return=None,
        now=NOW,
        limits=LIMITS,
    )
