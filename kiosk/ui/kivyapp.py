"""The Kivy application around `KioskRoot`: keyboard shortcuts for the demo badges, screenshots
taken from the window's flip, and the hooks the runner uses to start and stop the rest.

A screenshot is asked for from another thread (the control socket): the request goes to the main
thread, forces a redraw, and the pixels are read in `on_flip` two frames later, when labels
created for the new screen have their textures. The asking thread waits for the file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics.opengl import glFinish

from kiosk.config import Config
from kiosk.demo import DEMO_STAFF
from kiosk.ui import display, env
from kiosk.ui.control import FrameLog
from kiosk.ui.ports import Ports
from kiosk.ui.root import KioskRoot

F1 = 282  # SDL key codes of F1..F4: one per demo badge
SETTLE_FRAMES = 2
SHOT_TIMEOUT_S = 10.0
ACTIVE_FPS, RESTING_FPS = 60.0, 30.0
ACTIVE_S = 10.0  # full frame rate for this long after a touch, a key or a change of screen


class FrameRate:
    """Kivy's main loop wakes `maxfps` times a second even when nothing changes: at 60 that
    alone cost an idle kiosk about 2% of a core. While nobody uses the screen the loop rests at
    30 (a first touch or a badge waits at most 33 ms for the loop); a touch, a key or a new
    screen brings back 60. (`KIVY_CLOCK=interrupt` would wake the loop at once for a badge:
    measured with finished frames (`Capture`) it saved ~4 ms a tap for ~0.1% of a core more
    at idle, so it is not used.)
    """

    def __init__(self, root: KioskRoot) -> None:
        self._resting = Clock.schedule_once(self._rest, ACTIVE_S)
        Window.bind(on_touch_down=self.wake, on_key_down=self.wake)
        root.bind(current=self.wake)

    def wake(self, *_args: Any) -> bool:
        # `_max_fps` is what Kivy's clock reads before every sleep; the public setting
        # (graphics.maxfps) is read once, when the clock is made.
        Clock._max_fps = ACTIVE_FPS
        self._resting.cancel()
        self._resting = Clock.schedule_once(self._rest, ACTIVE_S)
        return False  # let the touch or key go on to the widgets

    def _rest(self, _dt: float) -> None:
        Clock._max_fps = RESTING_FPS

    def close(self) -> None:
        self._resting.cancel()
        Window.unbind(on_touch_down=self.wake, on_key_down=self.wake)


class Capture:
    """Screenshots, "first frame drawn" notices and the log of frames drawn (which screen each
    showed, for the benchmarks), all taken from `Window.on_flip`.

    With `finish_frames` each frame is finished (`glFinish`) before it is logged. Offscreen, SDL
    draws into an EGL pbuffer whose swap flushes nothing, so Mesa's llvmpipe kept every frame's
    commands queued until something forced them out: the next screen's first texture upload,
    which then waited 100-300 ms while several old frames were rasterised at once (the tail of
    bench_ui). Finished here, each frame costs its own rasterising once, the next starts clean,
    and the log's time is when the pixels exist. A display's swap flushes by itself.
    """

    def __init__(self, finish_frames: bool = False) -> None:
        self._finish_frames = finish_frames
        self._pending: list[tuple[Path, threading.Event, list[int]]] = []
        self.on_drawn: list[Callable[[], None]] = []
        self.frames = FrameLog()
        self.shown: Callable[[], str] = lambda: ""  # the screen a frame shows; set by the app
        Window.bind(on_flip=self._flip)

    def screenshot(self, path: Path) -> None:
        """Save the screen to `path` (PNG); call from any thread but the main one."""
        done = threading.Event()
        Clock.schedule_once(lambda _dt: self._arm(path, done))
        if not done.wait(SHOT_TIMEOUT_S):
            raise TimeoutError("the screen did not redraw in time")
        if not path.exists():
            raise OSError(f"could not write {path}")

    def _arm(self, path: Path, done: threading.Event) -> None:
        self._pending.append((path, done, [SETTLE_FRAMES]))
        Window.canvas.ask_update()

    def _flip(self, window: Any) -> None:
        if self._finish_frames:
            glFinish()
        self.frames.flipped(self.shown())
        drawn, self.on_drawn = self.on_drawn, []
        for callback in drawn:
            callback()
        for item in list(self._pending):
            path, done, left = item
            left[0] -= 1
            if left[0] > 0:
                Window.canvas.ask_update()
                continue
            self._pending.remove(item)
            try:
                save_window(path)
            finally:
                done.set()

    def close(self) -> None:
        Window.unbind(on_flip=self._flip)


def save_window(path: Path) -> None:
    """Write the window's back buffer to `path` atomically (Kivy numbers its own file names)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.stem}.{os.getpid()}.png")
    temp.unlink(missing_ok=True)  # Window.screenshot loops until it finds an unused name
    written = Window.screenshot(name=str(temp))
    if written:
        os.replace(written, path)


def demo_keys_allowed(config: Config) -> bool:
    """F1-F4 present the demo badges only with the simulated reader (`make run`, the demo): a
    kiosk with a real reader takes badges from the reader alone, never from a keyboard left
    plugged in."""
    return config.reader.kind == "simulated"


class DemoKeys:
    """F1-F4 present the demo staff's badges, as if tapped on the reader."""

    def __init__(self, root: KioskRoot) -> None:
        self.root = root
        Window.bind(on_key_down=self._key_down)

    @classmethod
    def attach(cls, root: KioskRoot) -> DemoKeys | None:
        return cls(root) if demo_keys_allowed(root.app.config) else None

    def _key_down(self, _window: Any, key: int, *_args: Any) -> bool:
        index = key - F1
        if 0 <= index < len(DEMO_STAFF):
            self.root.present_badge(DEMO_STAFF[index][3])
            return True
        return False

    def close(self) -> None:
        Window.unbind(on_key_down=self._key_down)


class KioskApp(App):  # type: ignore[misc]
    title = "Device check-in kiosk"

    def __init__(
        self,
        ports: Ports,
        on_start_hook: Callable[[KioskRoot, Capture], None] | None = None,
        on_stop_hook: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.ports = ports
        self._start_hook, self._stop_hook = on_start_hook, on_stop_hook
        self.capture: Capture | None = None
        self.demo_keys: DemoKeys | None = None

    def build(self) -> KioskRoot:
        Window.clearcolor = (1, 1, 1, 1)
        display.apply(Window.size, self.ports.app.config.display)  # before any widget is made
        self.capture = Capture(finish_frames=env.offscreen())
        self.kiosk_root = KioskRoot(self.ports)
        self.capture.shown = self.kiosk_root.drawn_screen
        self.frame_rate = FrameRate(self.kiosk_root)
        self.demo_keys = DemoKeys.attach(self.kiosk_root)
        return self.kiosk_root

    def on_start(self) -> None:
        if self._start_hook is not None and self.capture is not None:
            self._start_hook(self.kiosk_root, self.capture)

    def on_stop(self) -> None:
        self.kiosk_root.stop()
        if self.demo_keys is not None:
            self.demo_keys.close()
        if self._stop_hook is not None:
            self._stop_hook()
