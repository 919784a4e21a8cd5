"""Who is on site and which devices are where, derived only from the event log.

`fold` replays events in `seq` order; nothing else in the kiosk keeps this state, so what the
screen, the roll call and the export say can always be rebuilt from the log alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.domain.types import EventKind, Reason, StaffId, VisitorId


@dataclass(frozen=True)
class EventFact:
    """The part of a recorded event the rules need (no sync or clock bookkeeping)."""

    kind: str
    occurred_at: datetime
    staff_id: StaffId | None = None
    visitor_id: VisitorId | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceOut:
    device: str
    reason: Reason
    approver_id: StaffId | None
    since: datetime
    expected_return: datetime | None


@dataclass(frozen=True)
class OpenException:
    """A device still out when its owner ended their shift: open until a manager closes it."""

    staff_id: StaffId
    device: str
    since: datetime  # when the shift ended without it


@dataclass
class StaffPresence:
    staff_id: StaffId
    started_at: datetime
    locker: str | None
    stored: set[str] = field(default_factory=set)
    out: dict[str, DeviceOut] = field(default_factory=dict)

    @property
    def devices(self) -> set[str]:
        return self.stored | set(self.out)


@dataclass(frozen=True)
class VisitorPresence:
    visitor_id: VisitorId
    arrived_at: datetime
    visitor_type: str
    lone_working: bool


@dataclass
class SiteState:
    staff: dict[StaffId, StaffPresence] = field(default_factory=dict)
    visitors: dict[VisitorId, VisitorPresence] = field(default_factory=dict)
    # (owner, device) -> the open exception; it outlives the shift, unlike `staff`.
    exceptions: dict[tuple[StaffId, str], OpenException] = field(default_factory=dict)

    def locker_holder(self, locker: str) -> StaffId | None:
        for presence in self.staff.values():
            if presence.locker == locker and presence.devices:
                return presence.staff_id
        return None


def _apply_staff(state: SiteState, event: EventFact) -> None:
    assert event.staff_id is not None
    sid = event.staff_id
    if event.kind == EventKind.SHIFT_START:
        state.staff[sid] = StaffPresence(
            staff_id=sid,
            started_at=event.occurred_at,
            locker=event.payload.get("locker"),
            stored=set(event.payload.get("devices", [])),
        )
    elif event.kind == EventKind.SHIFT_END:
        state.staff.pop(sid, None)
        _open_exceptions(state, sid, event)
    elif event.kind == EventKind.EXCEPTION_CLOSE:
        state.exceptions.pop((sid, str(event.payload["device"])), None)
    elif event.kind == EventKind.DEVICE_OUT and sid in state.staff:
        presence = state.staff[sid]
        device = str(event.payload["device"])
        presence.stored.discard(device)
        presence.out[device] = _device_out(event, device)
    elif event.kind == EventKind.DEVICE_IN and sid in state.staff:
        presence = state.staff[sid]
        device = str(event.payload["device"])
        presence.out.pop(device, None)
        presence.stored.add(device)


def _open_exceptions(state: SiteState, sid: StaffId, event: EventFact) -> None:
    """Read from the shift end's own payload (not the presence), so the shift end alone is
    enough to know its exceptions: the kiosk folds it without the shift that came before."""
    for device in event.payload.get("still_out", []):
        key = (sid, str(device))
        if key not in state.exceptions:  # an older one still open is the same missing device
            state.exceptions[key] = OpenException(sid, str(device), event.occurred_at)


def _device_out(event: EventFact, device: str) -> DeviceOut:
    expected = event.payload.get("expected_return")
    approver = event.payload.get("approver_id")
    return DeviceOut(
        device=device,
        reason=Reason(event.payload["reason"]),
        approver_id=StaffId(int(approver)) if approver is not None else None,
        since=event.occurred_at,
        expected_return=datetime.fromisoformat(expected) if expected else None,
    )


def _apply_visitor(state: SiteState, event: EventFact) -> None:
    assert event.visitor_id is not None
    if event.kind == EventKind.VISITOR_IN:
        state.visitors[event.visitor_id] = VisitorPresence(
            visitor_id=event.visitor_id,
            arrived_at=event.occurred_at,
            visitor_type=str(event.payload.get("visitor_type", "visitor")),
            lone_working=bool(event.payload.get("lone_working", False)),
        )
    elif event.kind == EventKind.VISITOR_OUT:
        state.visitors.pop(event.visitor_id, None)


STAFF_KINDS = frozenset(
    {EventKind.SHIFT_START, EventKind.SHIFT_END, EventKind.DEVICE_OUT, EventKind.DEVICE_IN,
     EventKind.EXCEPTION_CLOSE}
)  # fmt: skip
VISITOR_KINDS = frozenset({EventKind.VISITOR_IN, EventKind.VISITOR_OUT})


def apply(state: SiteState, event: EventFact) -> SiteState:
    """Advance the state by one event; kinds that do not change presence are ignored."""
    if event.kind in STAFF_KINDS:
        _apply_staff(state, event)
    elif event.kind in VISITOR_KINDS:
        _apply_visitor(state, event)
    return state


def fold(events: Iterable[EventFact], state: SiteState | None = None) -> SiteState:
    """Replay events (in seq order) into the site's state."""
    state = state if state is not None else SiteState()
    for event in events:
        apply(state, event)
    return state
