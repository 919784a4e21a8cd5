"""The staff rules: starting and ending a shift, and taking devices out of the locker and back.

Each `decide_*` checks one action against the current state and returns the payload to record,
or raises `PolicyError` saying what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.domain.people import StaffInfo
from kiosk.domain.state import SiteState, StaffPresence
from kiosk.domain.types import PolicyError, Reason, Role

# Reasons for which a device is carried out of the building with a fixed plan: the person must say
# when they expect to be back.
RETURN_REQUIRED = frozenset({Reason.OUTING})
PRIVATE_AREA = "private area, away from children"


@dataclass(frozen=True)
class OutLimits:
    """How long a device may be out for each reason when no return time is given."""

    emergency: timedelta = timedelta(minutes=30)
    home_visit: timedelta = timedelta(hours=4)
    virtual_course: timedelta = timedelta(hours=2)

    def default_for(self, reason: Reason) -> timedelta:
        return {
            Reason.EMERGENCY: self.emergency,
            Reason.HOME_VISIT: self.home_visit,
            Reason.VIRTUAL_COURSE: self.virtual_course,
        }.get(reason, timedelta(hours=8))


def _require_active(staff: StaffInfo) -> None:
    if not staff.active:
        raise PolicyError(f"{staff.name} is no longer active. Please see the manager.")


def decide_shift_start(
    staff: StaffInfo,
    state: SiteState,
    devices: list[str],
    no_device: bool,
    locker: str | None,
    *,
    device_kinds: list[str],
    lockers: list[str],
) -> dict[str, Any]:
    """Check a shift start; returns the payload: devices stored and the locker they are in."""
    _require_active(staff)
    if staff.staff_id in state.staff:
        raise PolicyError("You are already on shift. Tap again to end your shift.")
    stored = sorted(set(devices))
    unknown = [d for d in stored if d not in device_kinds]
    if unknown:
        raise PolicyError(f"Unknown kind of device: {', '.join(unknown)}.")
    if stored and no_device:
        raise PolicyError("Choose your devices or 'no personal device', not both.")
    if not stored and not no_device:
        raise PolicyError("Choose the devices you are storing, or 'I have no personal device'.")
    if not stored:
        return {"devices": [], "no_device": True, "locker": None}
    _check_locker(staff, state, locker, lockers)
    return {"devices": stored, "no_device": False, "locker": locker}


def _check_locker(
    staff: StaffInfo, state: SiteState, locker: str | None, lockers: list[str]
) -> None:
    if locker is None:
        raise PolicyError("Choose the locker your devices are in.")
    if locker not in lockers:
        raise PolicyError(f"There is no locker {locker}.")
    holder = state.locker_holder(locker)
    if holder is not None and holder != staff.staff_id:
        raise PolicyError(f"Locker {locker} holds someone else's devices. Please choose another.")


def presence_of(staff: StaffInfo, state: SiteState) -> StaffPresence:
    presence = state.staff.get(staff.staff_id)
    if presence is None:
        raise PolicyError("You are not on shift. Tap your badge to start your shift first.")
    return presence


def decide_shift_end(staff: StaffInfo, state: SiteState) -> dict[str, Any]:
    """Check a shift end; returns what is collected from the locker and what was still out."""
    presence = presence_of(staff, state)
    return {
        "locker": presence.locker,
        "collected": sorted(presence.stored),
        "still_out": sorted(presence.out),
    }


def decide_device_out(
    staff: StaffInfo,
    state: SiteState,
    device: str,
    reason: Reason,
    *,
    approver: StaffInfo | None,
    expected_return: datetime | None,
    now: datetime,
    limits: OutLimits,
) -> dict[str, Any]:
    """Check taking a stored device out for one of the policy's exceptions."""
    presence = check_device_out_request(staff, state, device, reason)
    _check_approver(staff, approver)
    assert approver is not None
    due = _expected_return(reason, expected_return, now, limits)
    payload: dict[str, Any] = {
        "device": device,
        "reason": reason.value,
        "approver_id": approver.staff_id,
        "locker": presence.locker,
        "expected_return": due.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    if reason == Reason.EMERGENCY:
        payload["location"] = PRIVATE_AREA
    if reason == Reason.OUTING:
        payload["conditions"] = "emergency use only; no personal calls; no photographs of children"
    return payload


def check_device_out_request(
    staff: StaffInfo, state: SiteState, device: str, reason: Reason
) -> StaffPresence:
    """The checks that come before a manager is asked (nobody approves the impossible)."""
    presence = presence_of(staff, state)
    if device in presence.out:
        raise PolicyError(f"Your {device} is already out.")
    if device not in presence.stored:
        raise PolicyError(f"You did not store a {device} this shift.")
    if reason == Reason.HOME_VISIT and staff.role != Role.MANAGER:
        raise PolicyError("Only a manager may take a phone on a home visit.")
    return presence


def _check_approver(staff: StaffInfo, approver: StaffInfo | None) -> None:
    """Every exception is approved by an active manager (a manager may approve their own)."""
    if approver is None:
        raise PolicyError("A manager must approve this. Ask a manager to tap their badge.")
    if not approver.is_manager:
        raise PolicyError(f"{approver.name} is not a manager and cannot approve this.")


def _expected_return(
    reason: Reason, given: datetime | None, now: datetime, limits: OutLimits
) -> datetime:
    if given is None:
        if reason in RETURN_REQUIRED:
            raise PolicyError("Please say when you expect to be back from the outing.")
        return now + limits.default_for(reason)
    if given <= now:
        raise PolicyError("The expected return time must be later than now.")
    if given - now > timedelta(hours=24):
        raise PolicyError("The expected return time must be within the next 24 hours.")
    return given


def decide_device_in(staff: StaffInfo, state: SiteState, device: str) -> dict[str, Any]:
    """Check putting a device back in the locker it came from."""
    presence = presence_of(staff, state)
    if device not in presence.out:
        raise PolicyError(f"Your {device} is not out, so there is nothing to put back.")
    return {"device": device, "locker": presence.locker}


def decide_close_exception(
    owner: StaffInfo, state: SiteState, device: str, *, approver: StaffInfo | None, note: str
) -> dict[str, Any]:
    """A manager closes the open exception of a device not back at its owner's shift end."""
    if (owner.staff_id, device) not in state.exceptions:
        raise PolicyError(f"There is no open exception for {owner.name}'s {device}.")
    _check_approver(owner, approver)
    assert approver is not None
    note = " ".join(note.split())
    if len(note) > 200:
        raise PolicyError("Please keep the note to 200 characters.")
    return {"device": device, "approver_id": approver.staff_id, "note": note}
