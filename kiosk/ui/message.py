"""The two answers every action ends in: a green confirmation with the time it was recorded, or a
red screen saying plainly what went wrong and what to do next.

The confirmation is only ever shown with a `Recorded` in hand (see `KioskRoot.attempt`).
"""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.ui.lang import Translated
from kiosk.ui.root import KioskScreen

CONFIRM_SHOWN_S = 8.0


class DoneScreen(Translated, KioskScreen):
    idle_s = CONFIRM_SHOWN_S
    message = StringProperty("")
    at_text = StringProperty("")
    after = StringProperty("home")

    def enter(self, **data: Any) -> None:
        self.message = str(data["message"])
        self.at_text = self.t("Recorded at {time}", time=data["at"])
        self.after = str(data.get("after", "home"))

    def clear(self) -> None:
        self.message = self.at_text = ""

    def finish(self) -> None:
        if self.after == "home":
            self.kiosk.go_home()
        else:
            self.kiosk.show(self.after)


class ProblemScreen(KioskScreen):
    title = StringProperty("")
    message = StringProperty("")
    back = StringProperty("home")

    def enter(self, **data: Any) -> None:
        self.title = str(data["title"])
        self.message = str(data["message"])
        self.back = str(data.get("back", "home"))

    def clear(self) -> None:
        self.title = self.message = ""

    def finish(self) -> None:
        if self.back == "home":
            self.kiosk.go_home()
        else:
            self.kiosk.current = self.back  # back to the screen as it was, choices kept
