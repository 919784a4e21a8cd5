"""Kivy widgets changed for a kiosk, used by name from the screens' .kv files.

Importing this module registers them with Kivy's Factory (every Widget subclass is), so the
screens import it before their .kv files are loaded.
"""

from __future__ import annotations

from typing import Any

from kivy.uix.scrollview import ScrollView


class SteadyScrollView(ScrollView):  # type: ignore[misc]
    """A ScrollView whose bar keeps its colour.

    Kivy fades the bar for half a second after every scroll and every change of content, and
    each step of the fade that changes the colour redraws the whole window. Even fading to the
    same colour does: `a * (1 - t) + a * t` is not always `a` in floating point (for an alpha
    of 0.9, 11 steps of 30 differ in the last bit): up to ten full redraws per shift start. So
    the fade never starts.
    """

    def _bind_inactive_bar_color(self, *_args: Any) -> None:
        pass
