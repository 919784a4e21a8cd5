"""A simple on-screen keyboard for names: a kiosk has no hardware keyboard, and Kivy's own
virtual keyboard is built for desktops (small keys, dockable, layout files).

Letters, apostrophe, hyphen, full stop, space and delete, with keys about 12 mm high. Each word
starts with a capital on its own, so nobody has to find a shift key. The typed text is the
`text` property; screens bind to it.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

ROWS = ["QWERTYUIOP", "ASDFGHJKL'", "ZXCVBNM-.", " ⌫"]
SPACE, DELETE = " ", "⌫"
WORD_BREAKS = " -'"


class OnScreenKeyboard(BoxLayout):  # type: ignore[misc]
    text = StringProperty("")
    max_chars = NumericProperty(80)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", spacing=dp(6), **kwargs)
        self.size_hint_y = None
        self.height = dp(56) * len(ROWS) + dp(6) * (len(ROWS) - 1)
        for row in ROWS:
            line = BoxLayout(spacing=dp(6))
            for key in row:
                line.add_widget(self._key(key))
            self.add_widget(line)

    def _key(self, key: str) -> Any:
        label = {SPACE: "Space", DELETE: "Delete"}.get(key, key)
        button = Factory.PlainButton(text=label, font_size="26sp", height=dp(56))
        if key == SPACE:
            button.size_hint_x = 3
        button.bind(on_release=lambda _w: self.press(key))
        button.key = key
        return button

    def press(self, key: str) -> None:
        if key == DELETE:
            self.text = self.text[:-1]
        elif len(self.text) < self.max_chars:
            starts_word = not self.text or self.text[-1] in WORD_BREAKS
            self.text += key if starts_word else key.lower()

    def type(self, text: str) -> None:
        """Press the keys for `text` (used by the tests and the screenshot gallery)."""
        for char in text:
            self.press(char.upper() if char != " " else SPACE)

    def key_widget(self, key: str) -> Any:
        """The button for `key`, so a test can touch it."""
        for line in self.children:
            for button in line.children:
                if button.key == key.upper():
                    return button
        raise KeyError(key)
