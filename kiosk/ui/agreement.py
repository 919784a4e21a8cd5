"""Before a shift starts: a staff agreement (e-safety and internet use, confidentiality) the person
has not acknowledged in its current version, or not within the setting's renewal period. They
read it and agree, or put it off once (recorded), so nobody is kept from work; then the shift
starts as usual. Only for the person themselves: a manager recording on someone's behalf skips it
(that person is not at the screen to read it).
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.domain.agreements import Due
from kiosk.services.context import Recorded
from kiosk.ui.journey import StaffCase
from kiosk.ui.root import KioskRoot, KioskScreen

WHY = {
    "never acknowledged": "Please read this before your shift starts.",
    "new version": "This agreement has changed. Please read the new version.",
    "renewal": "It is time to renew this agreement. Please read it again.",
}


def start_shift_or_agreements(kiosk: KioskRoot, case: StaffCase) -> None:
    """The shift start screen, after any agreement that is due."""
    due = [] if case.on_behalf else kiosk.app.kiosk.agreements.due(case.staff_id)
    if due:
        kiosk.show("agreement", case=case, due=due)
    else:
        kiosk.show("shift_start", case=case)


class AgreementScreen(KioskScreen):
    case = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    why = StringProperty("")
    text = StringProperty("")
    may_defer = BooleanProperty(False)

    def enter(self, **data: Any) -> None:
        self.case = data["case"]
        self._due: list[Due] = list(data["due"])
        due = self._due[0]
        self.title = f"{due.agreement.title} (version {due.agreement.version})"
        self.why, self.text = WHY.get(due.why, ""), due.agreement.text
        self.may_defer = due.may_defer
        self.ids.scroll.scroll_y = 1

    def agree(self) -> None:
        case, agreement = self.case, self._due[0].agreement
        self.kiosk.attempt(
            lambda: self.kiosk.app.kiosk.agreements.acknowledge(
                case.staff_id, agreement.kind, agreement.version
            ),
            self._next,
        )

    def defer(self) -> None:
        case, agreement = self.case, self._due[0].agreement
        self.kiosk.attempt(
            lambda: self.kiosk.app.kiosk.agreements.defer(case.staff_id, agreement.kind),
            self._next,
        )

    def _next(self, _done: Recorded) -> None:
        """The next one due, else the shift start (one put off is not asked again today)."""
        rest = self._due[1:]
        if rest:
            self.kiosk.show("agreement", case=self.case, due=rest)
        else:
            self.kiosk.show("shift_start", case=self.case)

    def clear(self) -> None:
        self.case, self.title, self.why, self.text = None, "", "", ""
        self._due = []
