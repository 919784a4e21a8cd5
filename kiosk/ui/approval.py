"""A manager's approval at the kiosk: their badge, then their PIN on a pad.

Wrong PINs go through `ApprovalService.verify`, which counts them in the store towards the
lockout and records each one; this screen only shows what it says. Badges tapped here belong to
this screen, so a manager approving is not mistaken for the manager starting a shift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.domain.names import first_name
from kiosk.domain.types import ApprovalPurpose, PolicyError, StaffId
from kiosk.services.approvals import Approval
from kiosk.services.context import NOT_SAVED_ERRORS
from kiosk.ui.root import NOT_SAVED, NOT_SAVED_HINT, KioskScreen

PIN_MAX = 8
KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "OK"]


class ApprovalScreen(KioskScreen):
    phase = StringProperty("badge")
    title = StringProperty("")
    purpose = StringProperty("")
    dots = StringProperty("")
    problem = StringProperty("")

    def on_kv_post(self, base_widget: Any) -> None:
        for key in KEYS:
            button = Factory.GreenButton if key == "OK" else Factory.PlainButton
            widget = button(text=key, font_size="30sp", size_hint_y=1)
            widget.bind(on_release=lambda w: self.press(w.text))
            self.ids.pad.add_widget(widget)

    def enter(self, **data: Any) -> None:
        self._on_approved: Callable[[Approval], None] = data["on_approved"]
        self.purpose, self.problem = str(data["purpose"]), ""
        self._for = (
            ApprovalPurpose.MANAGER_MODE if data.get("manager_mode") else ApprovalPurpose.APPROVAL
        )
        self._pin = ""
        self.dots = ""
        manager: StaffId | None = data.get("manager")
        if manager is None:
            self.phase, self.title = "badge", "Manager: please tap your badge"
        else:
            self._ask_pin(manager, self._name_of(manager))

    def _name_of(self, staff_id: StaffId) -> str:
        rows = self.kiosk.app.admin.list_staff()
        return next((r.name for r in rows if r.staff_id == staff_id), "Manager")

    def _ask_pin(self, manager: StaffId, name: str) -> None:
        self._manager = manager
        self.phase, self.title = "pin", f"{first_name(name)}, please enter your PIN"

    def on_badge(self, uid: str) -> bool:
        if self.phase != "badge":
            return True  # ignored: the manager is typing their PIN
        try:
            staff = self.kiosk.app.kiosk.approvals.manager_for_badge(uid)
        except (PolicyError, ValueError) as exc:
            self.problem = str(exc)
            self.kiosk.ports.signals.refused()
            return True
        self.problem = ""
        self._ask_pin(staff.staff_id, staff.name)
        return True

    def press(self, key: str) -> None:
        if key == "Clear":
            self._pin = ""
        elif key == "OK":
            self._verify()
            return
        elif len(self._pin) < PIN_MAX:
            self._pin += key
        self.dots = "•" * len(self._pin)

    def _verify(self) -> None:
        pin, self._pin, self.dots = self._pin, "", ""
        try:
            approval = self.kiosk.app.kiosk.approvals.verify(self._manager, pin, self._for)
        except PolicyError as exc:
            self.problem = str(exc)
            self.kiosk.ports.signals.refused()
            return
        except NOT_SAVED_ERRORS:
            self.kiosk.refuse(NOT_SAVED, NOT_SAVED_HINT)
            return
        self._on_approved(approval)

    def clear(self) -> None:
        self.title = self.purpose = self.problem = self.dots = ""
        self._pin = ""
        self.phase = "badge"
