"""The setting's own cameras and tablets, for a member of staff on shift: sign one out (tap its
tag on the reader, or choose it) for a purpose, or sign back in one they have.

Never personal devices: this screen says "the setting's", and lists only the register. Someone
else's piece shows as "signed out", with no name (the screen is in a public place).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.properties import ObjectProperty, StringProperty

from kiosk.domain.equipment import PURPOSE_LABELS, EquipmentInfo, Purpose
from kiosk.services.equipment import EquipmentLine
from kiosk.ui.journey import StaffCase
from kiosk.ui.root import KioskScreen

PICK_HINT = "Not personal devices. Tap the device's tag on the reader, or choose it."


class EquipmentScreen(KioskScreen):
    case = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    hint = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.case = data["case"]
        self._pick_device()

    def _pick_device(self) -> None:
        self.title, self.hint = "The setting's cameras and tablets", PICK_HINT
        self._lines = {line.item.equipment_id: line for line in self.equipment.lines()}
        self._fill([(self._label(line), self._chosen_action(line), line.holder is not None
                     and line.holder_id != self.case.staff_id)
                    for line in self._lines.values()])  # fmt: skip
        if not self._lines:
            self.hint = "The setting has no equipment in its register yet."

    @property
    def equipment(self) -> Any:
        return self.kiosk.app.kiosk.equipment

    def _label(self, line: EquipmentLine) -> str:
        item = line.item
        if line.holder_id == self.case.staff_id:
            return f"Sign in {item.label}\n(you have it)"
        if line.holder is not None:
            return f"{item.label}\n(signed out)"
        return f"{item.label}\n({item.kind})"

    def _chosen_action(self, line: EquipmentLine) -> Callable[[], None]:
        return lambda: self.choose(line.item)

    def choose(self, item: EquipmentInfo) -> None:
        """A piece chosen or its tag tapped: back in if this person has it, else what for."""
        case: StaffCase = self.case
        line = self._lines.get(item.equipment_id)
        if line is not None and line.holder_id == case.staff_id:
            self.kiosk.attempt(
                lambda: self.equipment.sign_in(
                    item.equipment_id, case.staff_id, on_behalf=case.on_behalf
                ),
                self.kiosk.confirm,
            )
            return
        self.title, self.hint = f"{item.label}: what is it for?", "The setting's equipment only."
        self._fill([(label, self._purpose_action(item, purpose), False)
                    for purpose, label in PURPOSE_LABELS.items()])  # fmt: skip

    def _purpose_action(self, item: EquipmentInfo, purpose: Purpose) -> Callable[[], None]:
        return lambda: self._sign_out(item, purpose)

    def _sign_out(self, item: EquipmentInfo, purpose: Purpose) -> None:
        case: StaffCase = self.case
        self.kiosk.attempt(
            lambda: self.equipment.sign_out(
                case.staff_id, item.equipment_id, purpose, on_behalf=case.on_behalf
            ),
            self.kiosk.confirm,
        )

    def _fill(self, options: list[tuple[str, Callable[[], None], bool]]) -> None:
        grid = self.ids.options
        grid.clear_widgets()
        for label, action, disabled in options:
            button = Factory.PlainButton(text=label, font_size="20sp", disabled=disabled)
            button.bind(on_release=lambda _w, act=action: act())
            grid.add_widget(button)

    def on_badge(self, uid: str) -> bool:
        """The tag of one of the setting's pieces: as if chosen. A badge: the usual tap."""
        item = self.equipment.by_tag(uid)
        if item is None or self.case is None:
            return False
        if item.equipment_id not in getattr(self, "_lines", {}):
            self.kiosk.refuse("Not possible", f"{item.label} is not in use.", back=self.name)
            return True
        self.choose(item)
        return True

    def back(self) -> None:
        self.kiosk.show("on_shift", case=self.case)

    def clear(self) -> None:
        self.case, self.title, self.hint = None, "", ""
        self._lines = {}
        self.ids.options.clear_widgets()
