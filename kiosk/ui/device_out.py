"""Taking a device out of the locker under one of the policy's exceptions (and putting it back):
which device, why, for an outing when they will be back, then a manager's approval.

The request is checked before a manager is asked (`check_device_out`), so nobody is asked to
approve something the policy would refuse anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kivy.factory import Factory
from kivy.properties import ObjectProperty, StringProperty

from kiosk.domain.types import REASON_LABELS, PolicyError, Reason
from kiosk.services.approvals import Approval
from kiosk.ui.journey import StaffCase
from kiosk.ui.root import KioskScreen
from kiosk.ui.staff import open_locker_then_confirm

STEP_MIN = 15
OUTING_DEFAULT = timedelta(hours=2)


class DeviceOutScreen(KioskScreen):
    case = ObjectProperty(None, allownone=True)
    mode = StringProperty("out")
    title = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.case, self.mode = data["case"], data.get("mode", "out")
        self.title = "Take a device out" if self.mode == "out" else "Put a device back"
        devices = self.case.stored if self.mode == "out" else self.case.out
        self._fill(self.ids.devices, "device", [(d, d.capitalize()) for d in devices])
        reasons = [r for r in Reason if r is not Reason.HOME_VISIT or self.case.is_manager]
        shown = [(r, REASON_LABELS[r]) for r in reasons] if self.mode == "out" else []
        self._fill(self.ids.reasons, "reason", shown)

    def _fill(self, grid: Any, group: str, choices: list[tuple[Any, str]]) -> None:
        grid.clear_widgets()
        for value, label in choices:
            toggle = Factory.Choice(text=label, group=f"{group}-{id(self)}", font_size="19sp")
            toggle.value = value
            toggle.state = "down" if len(choices) == 1 else "normal"
            grid.add_widget(toggle)

    def _chosen(self, grid: Any) -> Any:
        return next((t.value for t in grid.children if t.state == "down"), None)

    def next(self) -> None:
        case: StaffCase = self.case
        device, reason = self._chosen(self.ids.devices), self._chosen(self.ids.reasons)
        if device is None or (self.mode == "out" and reason is None):
            what = "the device" if device is None else "why it is needed"
            self.kiosk.refuse("Please choose", f"Please choose {what}.", back=self.name)
            return
        case.device = device
        if self.mode == "in":
            self.kiosk.attempt(
                lambda: self.kiosk.app.kiosk.device_in(
                    case.staff_id, device, on_behalf=case.on_behalf
                ),
                lambda done: open_locker_then_confirm(self.kiosk, done, case.locker),
            )
            return
        case.reason = reason
        try:
            self.kiosk.app.kiosk.check_device_out(case.staff_id, device, reason)
        except PolicyError as exc:
            self.kiosk.refuse("Not possible", str(exc), back=self.name)
            return
        if reason is Reason.OUTING:
            self.kiosk.show("return_time", case=case)
        else:
            ask_manager(self, case)

    def clear(self) -> None:
        self.case = None
        self.ids.devices.clear_widgets()
        self.ids.reasons.clear_widgets()


def ask_manager(screen: KioskScreen, case: StaffCase) -> None:
    """Every exception needs a manager's badge and PIN; then the device-out is recorded."""
    kiosk = screen.kiosk

    reason = case.reason
    assert reason is not None

    def approved(approval: Approval) -> None:
        kiosk.attempt(
            lambda: kiosk.app.kiosk.device_out(
                case.staff_id,
                case.device,
                reason,
                approval,
                expected_return=case.expected_return,
                on_behalf=case.on_behalf,
            ),
            lambda done: open_locker_then_confirm(kiosk, done, case.locker),
        )

    label = REASON_LABELS[reason].split(" (")[0]
    purpose = f"{case.first_name} asks to take their {case.device} out: {label.lower()}."
    kiosk.show("approval", purpose=purpose, on_approved=approved)


class ReturnTimeScreen(KioskScreen):
    due: datetime
    case = ObjectProperty(None, allownone=True)
    time_text = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.case = data["case"]
        now = self.kiosk.app.ctx.clock.now().astimezone(self.kiosk.app.ctx.tz)
        start = now + OUTING_DEFAULT
        self.due = start.replace(
            minute=start.minute // STEP_MIN * STEP_MIN, second=0, microsecond=0
        )
        self._show()

    def move(self, minutes: int) -> None:
        due = self.due + timedelta(minutes=minutes)
        now = self.kiosk.app.ctx.clock.now()
        if now < due <= now + timedelta(hours=24):
            self.due = due
            self._show()

    def _show(self) -> None:
        self.time_text = self.due.strftime("%H:%M")

    def next(self) -> None:
        self.case.expected_return = self.due
        ask_manager(self, self.case)

    def clear(self) -> None:
        self.case, self.time_text = None, ""
