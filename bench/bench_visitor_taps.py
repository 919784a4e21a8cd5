"""Taps for a visitor to sign in: a first-time visitor (the baseline: name, organisation and whom
they visit typed letter by letter) beside a returning visitor (found by the first letters of
their name), both by real touches on the real screens, offscreen, and the time each journey takes
to drive (median of a few). Run: python bench/bench_visitor_taps.py [ROUNDS]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.ui import env

os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # a failure's traceback shows
env.prepare(headless=True, size=(800, 480))

from bench.common import machine, median, stamp
from kiosk.app import initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, SignalsSection

ROUNDS = 3
MORNING = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
NAME, ORGANISATION, VISITING = "ROSA LOPEZ", "SPEECH THERAPY", "ROOM ONE"


class Finger:
    """Touches widgets as a person would, and counts the touches."""

    def __init__(self, root: Any) -> None:
        self.root, self.taps = root, 0

    def frames(self, count: int = 2) -> None:
        from kivy.base import EventLoop

        for _ in range(count):
            EventLoop.idle()

    def touch(self, widget: Any) -> None:
        from kivy.tests.common import UnitTestTouch

        self.frames(1)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.taps += 1
        self.frames(1)

    def press(self, widget_id: str) -> None:
        self.touch(self.root.current_screen.ids[widget_id])

    def type(self, text: str) -> None:
        keyboard = self.root.current_screen.ids.keyboard
        for char in text:
            self.touch(keyboard.key_widget(char))

    def press_text(self, text: str) -> None:
        from kivy.uix.button import Button

        screen = self.root.current_screen
        (button,) = [w for w in screen.walk() if isinstance(w, Button) and w.text == text]
        self.touch(button)


def first_visit(finger: Finger) -> None:
    finger.press("visitor")
    finger.press("visitor")  # "A visitor" on the notice
    finger.press("no")
    for text in (NAME, ORGANISATION, VISITING):
        finger.type(text)
        finger.press("next")
    finger.press("agree")
    assert finger.root.current == "done", finger.root.current


def returning_visit(finger: Finger) -> None:
    finger.press("visitor")
    finger.press("returning")
    finger.type(NAME[:2])
    finger.press_text("Rosa L.")
    finger.press("no")
    finger.press("agree")
    assert finger.root.current == "done", finger.root.current


def measure(journey: Any, root: Any, app: Any) -> tuple[int, float]:
    """Taps and seconds for one journey, signed out again afterwards."""
    finger = Finger(root)
    started = time.perf_counter()
    journey(finger)
    took = time.perf_counter() - started
    root.go_home()
    for match in app.kiosk.visitors.find("rosa"):
        app.kiosk.visitors.sign_out(match.visitor_id)
    app.ctx.clock.advance(86400)
    return finger.taps, took


def main() -> None:
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk.ui.ports import Ports
    from kiosk.ui.root import KioskRoot

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    EventLoop.ensure_window()
    with tempfile.TemporaryDirectory() as data:
        config = Config(kiosk=KioskSection(data_dir=data), signals=SignalsSection(enabled=False))
        app, _ = initialise(config, ManualClock(MORNING), demo=True)
        root = KioskRoot(Ports(app))
        Window.add_widget(root)
        first = [measure(first_visit, root, app) for _ in range(rounds)]
        again = [measure(returning_visit, root, app) for _ in range(rounds)]
        app.close()
    taps_first, taps_again = first[0][0], again[0][0]
    s_first, s_again = median([s for _, s in first]), median([s for _, s in again])
    print(f"# {stamp()}  {machine()}  ({rounds} rounds each, offscreen 800x480)")
    print(f"first-time visitor (baseline): {taps_first} taps, median {s_first:.2f} s to drive")
    print(f"returning visitor:             {taps_again} taps, median {s_again:.2f} s to drive")
    print(f"returning / first-time: taps {taps_again / taps_first:.2f}x, "
          f"time {s_again / s_first:.2f}x")  # fmt: skip
    os._exit(0)  # Kivy's window would wait for an event loop that never runs


if __name__ == "__main__":
    main()
