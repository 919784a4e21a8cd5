"""The screen manager at the heart of the kiosk: which screen shows, what a badge tap means
wherever it lands, the way every action is run (tick only after commit), and the idle return home.

Reader and door callbacks arrive on other threads; `badge_from_reader`, `health_from_reader`,
`two_cards_from_reader` and `door_alert` only schedule work on Kivy's main thread, where the
services are called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen, ScreenManager, TransitionBase

from kiosk.domain.taps import TapKind
from kiosk.domain.types import PolicyError
from kiosk.hardware.reader import ReaderHealth
from kiosk.services.context import NOT_SAVED_ERRORS, Recorded
from kiosk.ui.journey import from_tap
from kiosk.ui.ports import Ports

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
NOT_SAVED = "Not recorded — please see the manager"
NOT_SAVED_HINT = "Nothing was saved, so nothing has changed. The manager can record it for you."
TWO_CARDS = "One card at a time, please"
TWO_CARDS_HINT = (
    "Two cards are on the reader. Take your badge out of your wallet or purse and hold it to "
    "the reader on its own."
)
_kv_loaded: list[str] = []


def load_kv(names: list[str]) -> None:
    """Load the shared styles, then one .kv per screen (once per process: rules are global)."""
    for name in ["common.kv", *names]:
        if name not in _kv_loaded:
            Builder.load_file(str(HERE / name))
            _kv_loaded.append(name)


class KioskScreen(Screen):  # type: ignore[misc]
    """A screen: `enter` gives it its data, `clear` forgets anything personal."""

    idle_s: float | None = None  # None: the configured idle time

    @property
    def kiosk(self) -> KioskRoot:
        manager = self.manager
        assert isinstance(manager, KioskRoot)
        return manager

    def prepare(self) -> None:
        """Called once at start-up, in the manager: make now what the first visit would wait for."""

    def enter(self, **data: Any) -> None:
        """Called just before the screen is shown."""

    def clear(self) -> None:
        """Called on the way home: drop names, choices and typed text."""

    def on_badge(self, uid: str) -> bool:
        """A badge tapped while this screen shows; True if the screen used it."""
        del uid
        return False


class InstantTransition(TransitionBase):  # type: ignore[misc]
    """Swaps screens at once, inside the call that changed `current`.

    Kivy's `NoTransition` still runs a zero-length animation that ends on a later clock tick;
    until then both screens are children and the manager refuses every touch. `bench_ui.py`
    caught one such animation that did not end until the idle timeout sent the kiosk home.
    """

    duration = 0.0

    def start(self, manager: Any) -> None:
        super().start(manager)
        self._anim.cancel(self)
        self._on_complete()


class KioskRoot(ScreenManager):  # type: ignore[misc]
    def __init__(self, ports: Ports, **kwargs: Any) -> None:
        from kiosk.ui.screens import SCREENS, kv_files

        load_kv(kv_files())
        super().__init__(transition=InstantTransition(), **kwargs)
        self.ports, self.app = ports, ports.app
        self.door_alerts: set[str] = set()
        self.visitor: Any = None  # the visitor signing in (VisitorCase), until home
        self.manager: Any = None  # the manager's Approval in manager mode, until home
        self.language = ports.app.config.kiosk.languages[0]  # a visitor may choose another
        self._idle: Any = None
        self._minute: Any = None
        for name, cls in SCREENS.items():
            self.add_widget(cls(name=name))
        for screen in self.screens:
            screen.prepare()
        self.go_home()
        self._tick()

    # --- navigation -------------------------------------------------------------------------
    def show(self, name: str, **data: Any) -> None:
        screen = self.get_screen(name)
        assert isinstance(screen, KioskScreen)
        screen.enter(**data)
        self.current = name
        self._arm_idle()

    def go_home(self, *_: Any) -> None:
        self.forget()
        self.show("home")

    def forget(self) -> None:
        """Drop everything personal from every screen (and the visit's visitor and manager)."""
        self.visitor = self.manager = None
        self.app.kiosk.approvals.leave_manager_mode()
        self.language = self.app.config.kiosk.languages[0]
        for screen in self.screens:
            if isinstance(screen, KioskScreen):
                screen.clear()

    def drawn_screen(self) -> str:
        """The screen a frame drawn now shows: none while a transition still holds two."""
        return "" if self.transition.is_active else str(self.current)

    def on_touch_down(self, touch: Any) -> bool:
        self._arm_idle()
        return bool(super().on_touch_down(touch))

    def _arm_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self.current != "home":
            screen = self.current_screen
            wait = getattr(screen, "idle_s", None) or self.app.config.kiosk.idle_timeout_s
            self._idle = Clock.schedule_once(self.go_home, wait)

    def _tick(self, *_: Any) -> None:
        """Refresh the home screen's clock and marks on the minute, and sleep until the next."""
        home = self.get_screen("home")
        home.refresh()
        now = self.app.ctx.clock.now()
        wait = 60.0 - now.second - now.microsecond / 1e6
        self._minute = Clock.schedule_once(self._tick, max(wait, 0.5))

    def local_time(self, moment: datetime | None = None) -> str:
        return self.app.ctx.local_hhmm(moment or self.app.ctx.clock.now())

    # --- from other threads -----------------------------------------------------------------
    def badge_from_reader(self, uid: str) -> None:
        Clock.schedule_once(lambda _dt: self.present_badge(uid))

    def health_from_reader(self, state: ReaderHealth, message: str) -> None:
        Clock.schedule_once(lambda _dt: self._reader_health(state, message))

    def two_cards_from_reader(self) -> None:
        Clock.schedule_once(lambda _dt: self.two_cards())

    def door_alert(self, locker: str) -> None:
        Clock.schedule_once(lambda _dt: self._door_left_open(locker))

    def door_shut(self, locker: str) -> None:
        Clock.schedule_once(lambda _dt: self._door_shut(locker))

    def _reader_health(self, state: ReaderHealth, message: str) -> None:
        self.ports.reader_health, self.ports.reader_message = state, message
        self.get_screen("home").refresh()

    def _door_left_open(self, locker: str) -> None:
        self.door_alerts.add(locker)
        self.ports.signals.attention()
        self.get_screen("home").refresh()

    def _door_shut(self, locker: str) -> None:
        self.door_alerts.discard(locker)
        self.get_screen("home").refresh()

    # --- a badge, wherever it lands ---------------------------------------------------------
    def present_badge(self, uid: str) -> None:
        self._arm_idle()
        screen = self.current_screen
        if isinstance(screen, KioskScreen) and screen.on_badge(uid):
            return
        try:
            outcome = self.app.kiosk.tap(uid)
        except NOT_SAVED_ERRORS:
            self.refuse(NOT_SAVED, NOT_SAVED_HINT)
            return
        if outcome.kind is TapKind.REPEAT:
            return
        if outcome.refused:
            self.refuse("Badge not accepted", outcome.message)
            return
        # Forget whoever was on screen before this person; not by way of the home screen,
        # whose refresh (a query) and switch would only delay this person's greeting.
        self.forget()
        case = from_tap(outcome)
        if outcome.kind is TapKind.ON_SHIFT:
            self.show("on_shift", case=case)
        else:
            from kiosk.ui.agreement import start_shift_or_agreements  # it imports this module

            start_shift_or_agreements(self, case)

    def two_cards(self) -> None:
        """Two cards held to the reader: say so, and keep whatever the person had chosen."""
        back = "home" if self.current in ("home", "problem", "done") else str(self.current)
        self.refuse(TWO_CARDS, TWO_CARDS_HINT, back=back)

    # --- running an action ------------------------------------------------------------------
    def attempt(self, action: Callable[[], Recorded], then: Callable[[Recorded], None]) -> None:
        """Run a recording action; only a returned `Recorded` earns the green light."""
        try:
            done = action()
        except PolicyError as exc:
            self.refuse("Not possible", str(exc), back=self.current)
            return
        except NOT_SAVED_ERRORS as exc:
            log.error("not recorded: %s", getattr(exc, "detail", exc))
            self.refuse(NOT_SAVED, NOT_SAVED_HINT)
            return
        self.ports.signals.accepted()
        then(done)

    def confirm(self, done: Recorded, message: str = "", after: str = "home") -> None:
        self.show("done", message=message or done.message, at=self.local_time(done.occurred_at),
                  after=after)  # fmt: skip

    def refuse(self, title: str, message: str, back: str = "home") -> None:
        self.ports.signals.refused()
        self.show("problem", title=title, message=message, back=back)

    def stop(self) -> None:
        for event in (self._idle, self._minute):
            if event is not None:
                event.cancel()
