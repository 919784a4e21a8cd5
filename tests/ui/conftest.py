"""Kivy on SDL's offscreen driver (Mesa EGL) for the screen tests: one window for the whole run,
a fresh `KioskRoot` on a fresh database file per test, real touches (`UnitTestTouch`) and badges
presented through the real simulated reader's socket.

Kivy reads its environment once, at import, so it is set here before anything imports it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.update(
    SDL_VIDEODRIVER="offscreen",  # never "dummy": it cannot make a GL context and exits 102
    KIVY_WINDOW="sdl2",
    KIVY_NO_ARGS="1",
    KIVY_NO_CONFIG="1",
    KIVY_NO_FILELOG="1",
    KIVY_NO_CONSOLELOG="1",
    KIVY_HOME=tempfile.mkdtemp(prefix="kiosk-kivy-tests-"),
    KCFG_GRAPHICS_WIDTH="800",
    KCFG_GRAPHICS_HEIGHT="480",
)

from kiosk.app import App
from kiosk.hardware.simulated import SimulatedReader, send_tap
from kiosk.store.models import Event


@pytest.fixture(scope="session")
def window() -> Any:
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk.config import DisplaySection
    from kiosk.ui import display

    EventLoop.ensure_window()
    display.apply(Window.size, DisplaySection())  # as the kiosk does: the official 7" panel
    return Window


class Screen:
    """Drives the kiosk as a person would: touches on widgets, badges on the reader."""

    def __init__(self, root: Any, tap_socket: Path) -> None:
        self.root, self.tap_socket = root, tap_socket
        self.touches = 0  # every touch a person made, for counting a journey's taps

    @property
    def name(self) -> str:
        return str(self.root.current)

    @property
    def current(self) -> Any:
        return self.root.current_screen

    def frames(self, count: int = 2) -> None:
        from kivy.base import EventLoop

        for _ in range(count):
            EventLoop.idle()

    def wait_for(self, name: str, timeout_s: float = 5.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.name != name and time.monotonic() < deadline:
            self.frames(1)
        assert self.name == name, f"expected screen {name}, showing {self.name}"

    def touch(self, widget: Any) -> None:
        from kivy.tests.common import UnitTestTouch

        self.frames(1)  # layout settles before we aim
        assert not widget.disabled, f"{widget} is disabled"
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        self.touches += 1
        touch.touch_down()
        touch.touch_up()
        self.frames(2)

    def press(self, widget_id: str) -> None:
        self.touch(self.current.ids[widget_id])

    def press_text(self, text: str) -> None:
        self.touch(self.find_text(text))

    def find_text(self, text: str) -> Any:
        from kivy.uix.button import Button

        found = [w for w in self.current.walk() if isinstance(w, Button) and w.text == text]
        assert len(found) == 1, f"{len(found)} buttons say {text!r} on {self.name}"
        return found[0]

    def texts(self) -> str:
        from kivy.uix.label import Label

        return "\n".join(w.text for w in self.current.walk() if isinstance(w, Label) and w.text)

    def type(self, text: str) -> None:
        keyboard = self.current.ids.keyboard
        for char in text:
            self.touch(keyboard.key_widget("⌫" if char == "\b" else char))

    def badge(self, uid: str) -> None:
        """Present a badge on the real simulated reader and let the UI take it."""
        send_tap(self.tap_socket, uid)
        self.frames(3)


@pytest.fixture
def make_screen(window: Any, tmp_path: Path) -> Iterator[Any]:
    from kiosk.hardware.signals import NullSignals
    from kiosk.ui.ports import Ports
    from kiosk.ui.root import KioskRoot

    made: list[tuple[Any, SimulatedReader]] = []

    def make(app: App, ports: Ports | None = None) -> Screen:
        root = KioskRoot(ports or Ports(app, NullSignals()))
        window.add_widget(root)
        reader = SimulatedReader(tmp_path / f"tap{len(made)}.sock")
        reader.start(root.badge_from_reader, root.health_from_reader)
        made.append((root, reader))
        screen = Screen(root, reader.socket_path)
        deadline = time.monotonic() + 5
        while root.ports.reader_message == "" and time.monotonic() < deadline:
            screen.frames(1)
        return screen

    yield make
    for root, reader in made:
        reader.stop()
        root.stop()
        window.remove_widget(root)


@pytest.fixture
def screen(app: App, make_screen: Any) -> Screen:
    """The kiosk on the demo setting, on the home screen."""
    made: Screen = make_screen(app)
    return made


def events(app: App, kind: str | None = None) -> list[Event]:
    from sqlalchemy import select

    with app.ctx.reading() as session:
        query = select(Event).order_by(Event.seq)
        if kind is not None:
            query = query.where(Event.kind == kind)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows
