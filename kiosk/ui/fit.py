"""Does a screen fit its panel? Every widget showing lies inside the window, and every button a
finger can press is at least 9 mm each way. `make screenshots` runs this on every screen it
renders (and fails on a problem), so a layout that is cut at 800x480 or shrinks targets on a
1024x600 panel is caught where it is made.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kivy.uix.button import ButtonBehavior
from kivy.uix.scrollview import ScrollView

from kiosk.ui import display

MIN_TARGET_MM = 9.0
SLACK_PX = 1.0  # layouts round to whole pixels


def problems(screen: Any, window_size: tuple[int, int]) -> list[str]:
    """What does not fit on `screen` as drawn now, in words for a person."""
    width, height = window_size
    found = []
    per_mm = display.px_per_mm()
    for widget in _showing(screen):
        x, y = widget.to_window(widget.x, widget.y)
        right, top = x + widget.width, y + widget.height
        name = _describe(widget)
        if x < -SLACK_PX or y < -SLACK_PX or right > width + SLACK_PX or top > height + SLACK_PX:
            found.append(f"{name} is cut by the window's edge ({x:.0f},{y:.0f} to "
                         f"{right:.0f},{top:.0f} in {width}x{height})")  # fmt: skip
        if isinstance(widget, ButtonBehavior):
            small = min(widget.width, widget.height) / per_mm
            if small < MIN_TARGET_MM:
                found.append(f"{name} is {small:.1f} mm, under {MIN_TARGET_MM:.0f} mm")
    return found


def _showing(widget: Any) -> Iterator[Any]:
    """Widgets drawn with some size; what a ScrollView holds may rightly run past the edge."""
    for child in widget.children:
        if child.opacity == 0 or child.width <= 1 or child.height <= 1:
            continue
        yield child
        if not isinstance(child, ScrollView):
            yield from _showing(child)


def _describe(widget: Any) -> str:
    text = getattr(widget, "text", "")
    return f"{type(widget).__name__} {text[:30]!r}" if text else type(widget).__name__
