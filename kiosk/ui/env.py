"""Kivy's environment, set before the first `import kivy`: which SDL video driver, no command-line
parsing, no config file or log file in the user's home, and the window size.

Kivy reads these once, at import, so they must be in place before anything imports it. A display
is a desktop (DISPLAY or WAYLAND_DISPLAY) or, as installed on the Pi, SDL's kmsdrm driver drawing
straight to a screen the kernel reports as connected. Without one, SDL's offscreen driver renders
with Mesa's EGL (badges are still recorded); SDL's "dummy" driver cannot create a GL context and
kills the process, so it is never chosen.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from kiosk.display import connected_screens, desktop


def has_display(drm_sysfs: Path | None = None) -> bool:
    """A desktop to open a window on, or kmsdrm asked for (as the unit does) and a screen on."""
    if desktop():
        return True
    return wants_kmsdrm() and bool(connected_screens(drm_sysfs))


def wants_kmsdrm() -> bool:
    return os.environ.get("SDL_VIDEODRIVER") == "kmsdrm"


def offscreen() -> bool:
    """Whether SDL draws into an offscreen buffer (set by `prepare`, or by the tests)."""
    return os.environ.get("SDL_VIDEODRIVER") == "offscreen"


def prepare(*, headless: bool, size: tuple[int, int] = (800, 480), home: str = "") -> None:
    """Set Kivy's environment; values already set by the caller win (except the video driver)."""
    if "kivy" in sys.modules:
        return
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
    defaults = {
        "KIVY_WINDOW": "sdl2",
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_CONFIG": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_NO_CONSOLELOG": "1",
        "KIVY_HOME": home or tempfile.mkdtemp(prefix="kiosk-kivy-"),
        "KCFG_GRAPHICS_WIDTH": str(size[0]),
        "KCFG_GRAPHICS_HEIGHT": str(size[1]),
        # The mouse provider would draw a red dot for right clicks; a kiosk has a finger.
        "KCFG_INPUT_MOUSE": "mouse,disable_multitouch",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
