"""The staff journeys after a badge tap: starting a shift (devices, locker, latch and door) and
the choices of someone already on shift (end and collect, take a device out, put one back).

Every choice ends in `KioskRoot.attempt`, so the locker opens and the green light shows only
after the service has committed the event.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.services.approvals import Approval
from kiosk.services.context import Recorded
from kiosk.ui.journey import StaffCase
from kiosk.ui.root import KioskScreen

DOOR_POLL_S = 0.25


def greeting(case: StaffCase) -> str:
    if case.on_behalf:
        return f"Recording for {case.first_name}"
    return f"Hello, {case.first_name}"


def open_manager_mode(screen: KioskScreen, case: StaffCase) -> None:
    """A manager who tapped their badge goes straight to their PIN."""

    def approved(approval: Approval) -> None:
        screen.kiosk.show("manager_menu", approval=approval)

    screen.kiosk.show("approval", purpose="Manager mode", on_approved=approved,
                      manager=case.staff_id, manager_mode=True)  # fmt: skip


class ShiftStartScreen(KioskScreen):
    case = ObjectProperty(None, allownone=True)
    greeting = StringProperty("")
    no_device_chosen = BooleanProperty(False)
    show_manager = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._locker_toggles: dict[str, Any] = {}

    def prepare(self) -> None:
        # Every button the screen can show, made (and its label rendered) before the first
        # badge: ~35 ms that the first person of the day would otherwise wait for.
        self._fill_devices()
        for locker in self.kiosk.app.config.lockers.ids:
            self._locker_toggle(locker)

    def enter(self, **data: Any) -> None:
        case: StaffCase = data["case"]
        self.case, self.greeting = case, greeting(case)
        self.show_manager = case.is_manager and not case.on_behalf
        self.ids.no_device.state = "normal"
        self._fill_devices()
        self._fill_lockers(case)

    def _fill_devices(self) -> None:
        grid = self.ids.devices
        if not grid.children:  # once: the kinds are fixed for the kiosk's life
            for kind in self.kiosk.app.config.devices.kinds:
                toggle = Factory.Choice(text=kind.capitalize())
                toggle.device = kind
                toggle.bind(state=self._device_changed)
                grid.add_widget(toggle)
        for toggle in grid.children:
            toggle.state = "normal"

    def _fill_lockers(self, case: StaffCase) -> None:
        grid = self.ids.lockers
        grid.clear_widgets()
        for locker in case.free_lockers:
            toggle = self._locker_toggle(locker)
            toggle.state = "down" if locker == case.suggested_locker else "normal"
            grid.add_widget(toggle)

    def _locker_toggle(self, locker: str) -> Any:
        """One toggle per locker, made the first time it is free and kept: making a button and
        rendering its label for every free locker was most of the time from badge to screen."""
        toggle = self._locker_toggles.get(locker)
        if toggle is None:
            toggle = Factory.Choice(text=locker, group="locker")
            toggle.locker = locker
            self._locker_toggles[locker] = toggle
        return toggle

    def _device_changed(self, toggle: Any, state: str) -> None:
        if state == "down":
            self.ids.no_device.state = "normal"

    def no_device_changed(self, chosen: bool) -> None:
        self.no_device_chosen = chosen
        if chosen:
            for toggle in self.ids.devices.children:
                toggle.state = "normal"

    def chosen_devices(self) -> list[str]:
        kinds = [t.device for t in self.ids.devices.children if t.state == "down"]
        order = self.kiosk.app.config.devices.kinds
        return sorted(kinds, key=order.index)

    def chosen_locker(self) -> str | None:
        return next((t.locker for t in self.ids.lockers.children if t.state == "down"), None)

    def start(self) -> None:
        case, devices = self.case, self.chosen_devices()
        locker = self.chosen_locker() if devices else None
        self.kiosk.attempt(
            lambda: self.kiosk.app.kiosk.start_shift(
                case.staff_id,
                devices,
                no_device=self.no_device_chosen,
                locker=locker,
                on_behalf=case.on_behalf,
            ),
            lambda done: open_locker_then_confirm(self.kiosk, done, locker if devices else None),
        )

    def manager_mode(self) -> None:
        open_manager_mode(self, self.case)

    def clear(self) -> None:
        self.case, self.greeting = None, ""
        for toggle in self.ids.devices.children:
            toggle.state = "normal"
        self.ids.lockers.clear_widgets()


def open_locker_then_confirm(kiosk: Any, done: Recorded, locker: str | None) -> None:
    """Unlock an electronic locker (after the commit) and wait for its door, else confirm."""
    ports = kiosk.ports
    if locker is None or not ports.has_latch(locker):
        kiosk.confirm(done)
        return
    ports.signals.unlock(locker)
    if ports.has_door_sensor(locker):
        kiosk.show("locker_door", locker=locker, done=done)
    else:
        kiosk.confirm(done, f"{done.message} Locker {locker} is unlocked.")


class LockerDoorScreen(KioskScreen):
    title = StringProperty("")
    instruction = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.locker: str = data["locker"]
        self.done: Recorded = data["done"]
        self.title = f"Locker {self.locker} is open"
        self.instruction = "Please close the locker door."
        self._seen_open = False
        self._opened_at = Clock.get_boottime()
        self._poll = Clock.schedule_interval(self._check_door, DOOR_POLL_S)

    def _check_door(self, _dt: float) -> bool:
        state = self.kiosk.ports.door_is_open(self.locker)
        self._seen_open = self._seen_open or state is True
        pulse_s = self.kiosk.app.config.signals.relay_pulse_s
        waited = Clock.get_boottime() - self._opened_at > pulse_s
        if state is None or (state is False and (self._seen_open or waited)):
            self.kiosk.confirm(self.done, f"{self.done.message} Locker {self.locker} is closed.")
            return False
        return True

    def on_leave(self, *args: Any) -> None:
        poll = getattr(self, "_poll", None)
        if poll is not None:
            poll.cancel()

    def clear(self) -> None:
        self.title = self.instruction = ""


class OnShiftScreen(KioskScreen):
    case = ObjectProperty(None, allownone=True)
    greeting = StringProperty("")
    summary = StringProperty("")
    can_take_out = BooleanProperty(False)
    can_put_back = BooleanProperty(False)
    show_manager = BooleanProperty(False)

    def enter(self, **data: Any) -> None:
        case: StaffCase = data["case"]
        self.case, self.greeting = case, greeting(case)
        self.show_manager = case.is_manager and not case.on_behalf
        self.can_take_out, self.can_put_back = bool(case.stored), bool(case.out)
        self.summary = _summary(case)

    def end_shift(self) -> None:
        case = self.case
        self.kiosk.attempt(
            lambda: self.kiosk.app.kiosk.end_shift(case.staff_id, on_behalf=case.on_behalf),
            lambda done: self._ended(done, case),
        )

    def _ended(self, done: Recorded, case: StaffCase) -> None:
        if case.stored and case.locker and self.kiosk.ports.has_latch(case.locker):
            self.kiosk.ports.signals.unlock(case.locker)
        self.kiosk.confirm(done)

    def put_back(self) -> None:
        case = self.case
        if len(case.out) == 1:
            device = case.out[0]
            self.kiosk.attempt(
                lambda: self.kiosk.app.kiosk.device_in(
                    case.staff_id, device, on_behalf=case.on_behalf
                ),
                lambda done: open_locker_then_confirm(self.kiosk, done, case.locker),
            )
        else:
            self.kiosk.show("device_out", case=case, mode="in")

    def manager_mode(self) -> None:
        open_manager_mode(self, self.case)

    def clear(self) -> None:
        self.case, self.greeting, self.summary = None, "", ""


def _summary(case: StaffCase) -> str:
    stored = ", ".join(case.stored) or "nothing"
    where = f"In locker {case.locker}: {stored}." if case.locker else f"Stored: {stored}."
    out = f"  Out now: {', '.join(case.out)}." if case.out else ""
    return f"You are on shift. {where}{out}"
