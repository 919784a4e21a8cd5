"""The roll call in a fire: started from the home screen with one press and any staff badge (no
PIN), then everyone on site as big targets to tick, those not yet accounted for first, with the
count on top. It reads the kiosk's own log only, so it works with no network at all.

The list re-reads the log every couple of seconds while it shows (people still badge out on
their way, here or at another door), and redraws only when something changed. A staff badge
tapped on the list signs that person out. It never times out to the home screen; ending it is
two presses of its own button.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.button import Button

from kiosk.domain.evacuation import Mode, PersonKey
from kiosk.domain.taps import TapKind
from kiosk.domain.types import PolicyError
from kiosk.hardware.reader import ReaderHealth
from kiosk.services.context import NOT_SAVED_ERRORS, Recorded
from kiosk.services.evacuation import ListLine, RollCallView
from kiosk.ui.root import NOT_SAVED, NOT_SAVED_HINT, KioskScreen

REFRESH_S = 2.0
NEVER_S = 24 * 3600.0  # a roll call stays on screen until someone ends it
MISSING_COLOUR = (0.05, 0.25, 0.58, 1)  # BLUE: still to tick
DONE_COLOUR = (0.0, 0.42, 0.18, 1)  # GREEN: accounted for
END_TEXT, END_AGAIN = "End roll call", "Press again to end"


class EvacuationStartScreen(KioskScreen):
    reader_down = BooleanProperty(False)

    def enter(self, **data: Any) -> None:
        self.reader_down = self.kiosk.ports.reader_health is ReaderHealth.NOT_RESPONDING

    def clear(self) -> None:
        self.ids.drill.state = "normal"

    @property
    def mode(self) -> Mode:
        return Mode.DRILL if self.ids.drill.state == "down" else Mode.REAL

    def on_badge(self, uid: str) -> bool:
        service, mode = self.kiosk.app.kiosk.evacuation, self.mode
        self.kiosk.attempt(lambda: service.start(uid, mode), self._started)
        return True

    def start_without_badge(self) -> None:
        service, mode = self.kiosk.app.kiosk.evacuation, self.mode
        self.kiosk.attempt(lambda: service.start_without_badge(mode), self._started)

    def _started(self, _done: Recorded) -> None:
        self.kiosk.show("evacuation")


def button_text(line: ListLine) -> str:
    """The name large, then what kind of person, LONE WORKING where it applies, and SAFE once
    accounted for (in words: the kiosk's font has no tick mark)."""
    kind = "signed out" if line.status == "left" else line.label
    lone = "  [b][color=ffd27a]LONE WORKING[/color][/b]" if line.lone_working else ""
    safe = "[b]SAFE[/b]  " if line.accounted else ""
    return f"[size=26sp][b]{line.name}[/b][/size]\n[size=17sp]{safe}{kind}{lone}[/size]"


class RollButton(Button):  # type: ignore[misc]
    """One person on the roll call list (a RecycleView row: reused as the list scrolls)."""

    key = ObjectProperty(None)
    on_mark = ObjectProperty(None)

    def on_release(self) -> None:
        if self.on_mark is not None:
            self.on_mark(self.key)


class EvacuationScreen(KioskScreen):
    idle_s = NEVER_S
    banner = StringProperty("")
    count_text = StringProperty("")
    hint = StringProperty("")
    end_text = StringProperty(END_TEXT)
    running = BooleanProperty(False)
    drill = BooleanProperty(False)

    def prepare(self) -> None:
        self._shown: tuple[Any, ...] | None = None
        self._poll: Any = None

    def enter(self, **data: Any) -> None:
        self.end_text = END_TEXT
        self.refresh()
        if self._poll is None:
            self._poll = Clock.schedule_interval(lambda _dt: self._tick(), REFRESH_S)

    def clear(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None
        self.ids.roll.data = []
        self._shown = None

    def _tick(self) -> None:
        if self.kiosk.current == self.name:
            self.refresh()

    def refresh(self) -> None:
        try:
            view = self.kiosk.app.kiosk.evacuation.current()
        except NOT_SAVED_ERRORS:
            self.hint = "Cannot read the records: keep the paper list too."
            return
        if view is None:
            return
        self._show(view)

    def _show(self, view: RollCallView) -> None:
        self.running, self.drill = view.open, view.mode is Mode.DRILL
        what = "FIRE DRILL" if self.drill else "EVACUATION"
        when = self.kiosk.local_time(view.started_at)
        state = "" if view.open else " — ended"
        self.banner = f"{what} since {when}{state}"
        self.count_text = f"{view.accounted} of {len(view.lines)} safe"
        self.hint = "Touch a name when you see them. Staff leaving: tap your badge."
        shown = tuple((line.key, line.status) for line in view.lines)
        if shown != self._shown:  # redraw 150 buttons only when something changed
            self._shown = shown
            self._draw(view.lines)

    def _draw(self, lines: list[ListLine]) -> None:
        self.ids.roll.data = [
            {"text": button_text(line), "key": line.key, "on_mark": self.mark,
             "background_color": DONE_COLOUR if line.accounted else MISSING_COLOUR}
            for line in lines
        ]  # fmt: skip

    def mark(self, key: PersonKey) -> None:
        """Tick one person; a second touch on someone ticked records nothing more."""
        if not self.running:
            return
        try:
            done = self.kiosk.app.kiosk.evacuation.mark(key)
        except PolicyError:  # ended meanwhile (at this kiosk, by another hand)
            done = None
        except NOT_SAVED_ERRORS:
            self.kiosk.refuse(NOT_SAVED, NOT_SAVED_HINT, back=self.name)
            return
        if done is not None:
            self.kiosk.ports.signals.accepted()
        self.refresh()

    def on_badge(self, uid: str) -> bool:
        """A member of staff leaving by this door: their shift ends and the list says so."""
        kiosk = self.kiosk.app.kiosk
        outcome = kiosk.tap(uid)
        if outcome.kind is TapKind.ON_SHIFT and outcome.staff is not None:
            staff = outcome.staff.staff_id
            self.kiosk.attempt(lambda: kiosk.end_shift(staff), lambda _d: self.refresh())
        return True

    def end_pressed(self) -> None:
        if self.end_text != END_AGAIN:  # the first press only asks: ending is deliberate
            self.end_text = END_AGAIN
            return
        service = self.kiosk.app.kiosk.evacuation
        self.kiosk.attempt(service.end, self._ended)

    def _ended(self, done: Recorded) -> None:
        self.end_text = END_TEXT
        view = self.kiosk.app.kiosk.evacuation.current()
        summary = f"{view.accounted} of {len(view.lines)} accounted for." if view else ""
        self.kiosk.confirm(done, f"Roll call ended. {summary}")
