"""A simple on-screen keyboard for names: a kiosk has no hardware keyboard, and Kivy's own
virtual keyboard is built for desktops (small keys, dockable, layout files).

Letters, apostrophe, hyphen, full stop, space and delete, with keys about 10 mm high; a key for
digits and the signs in rooms and addresses (& / @, which stay up until ABC, as on a phone); and
a key that brings up the accented Latin letters common in the names of people at a nursery (Chloé,
Siobhán, Zoë, Đorđe, Łukasz); from there a third layer has the rest (Strauß, Ștefan, Dvořák's
Ů, Latvian and Icelandic letters, Vietnamese Ơ Ư) and Vietnamese tone marks, which go on the
letter before them (Ê then the tilde key: Ễ, as in Nguyễn). After one such key the plain letters
come back. Each word starts with a capital on its own, so nobody has to find a shift key. The
typed text is the `text` property; screens bind to it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.messages import N_

SPACE, DELETE, ACCENTS, MORE, LETTERS = " ", "⌫", "accents", "more", "letters"
DIGITS = "digits"
# Vietnamese tones as combining marks (sắc, huyền, hỏi, ngã, nặng), labelled as they look on a.
TONES = {"\u0301": "á", "\u0300": "à", "\u0309": "ả", "\u0303": "ã", "\u0323": "ạ"}
LAYERS: dict[str, list[list[str]]] = {
    LETTERS: [
        list("QWERTYUIOP"),
        list("ASDFGHJKL'"),
        list("ZXCVBNM-."),
        [ACCENTS, DIGITS, SPACE, DELETE],
    ],
    # "A name or a room": Room 2, Blue & Green, 3/4, a worker's email.
    DIGITS: [list("1234567890"), list("&/@()#+,:'"), list("-._!?"), [LETTERS, SPACE, DELETE]],
    ACCENTS: [
        list("ÁÀÂÄÃÅÆĂĄÇĆČ"),
        list("ĐÉÈÊËĘĚỄÍÌÎÏ"),
        list("ŁÑŃÓÒÔÖÕØŐŘŠ"),
        [*"ŚŞÚÜŰÝŽŹŻ", MORE, LETTERS, DELETE],
    ],
    MORE: [
        list("ẞȘȚĞŮĎŤŇĽĹ"),
        list("ĀĒĪŪĢĶĻŅÐÞ"),
        [*"ƠƯŒŸ", *TONES],
        [ACCENTS, LETTERS, DELETE],
    ],
}
# The capital sharp s (ẞ) is the key, so that it lowers to ß like every other letter key, but
# the kiosk's font has no glyph for it: the key shows ß.
LABELS = {SPACE: N_("Space"), DELETE: N_("Delete"), ACCENTS: "Àé", MORE: "ß ơ ã", LETTERS: "ABC",
          DIGITS: "123", "ẞ": "ß", **TONES}  # fmt: skip
WORDED = (SPACE, DELETE)  # keys labelled in words: in the visitor's language
WIDE = {SPACE: 3.0, MORE: 1.6, LETTERS: 1.6, DELETE: 2.2}
WORD_BREAKS = " -'"
ALL_KEYS = frozenset(key for layer in LAYERS.values() for row in layer for key in row)


def keys_for(char: str) -> list[str]:
    """The keys that type `char` (for the tests and the screenshot gallery)."""
    if char == " ":
        return [SPACE]
    if char == "ß":
        return ["ẞ"]
    if char.upper() in ALL_KEYS:
        return [char.upper()]
    decomposed = unicodedata.normalize("NFD", char)
    for tone in TONES:  # in NFD the tone may come before other marks (ệ is e, dot below, ^)
        base = unicodedata.normalize("NFC", decomposed.replace(tone, "")).upper()
        if tone in decomposed and base in ALL_KEYS:
            return [base, tone]
    raise KeyError(char)


class OnScreenKeyboard(BoxLayout):  # type: ignore[misc]
    text = StringProperty("")
    max_chars = NumericProperty(80)
    layer = StringProperty(LETTERS)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", spacing=dp(6), **kwargs)
        rows = len(LAYERS[LETTERS])
        self.size_hint_y = None
        self.height = dp(56) * rows + dp(6) * (rows - 1)
        # Every layer is made once; switching swaps the rows in and out (no new labels to draw).
        self._rows = {name: [self._row(keys) for keys in layer] for name, layer in LAYERS.items()}
        self.on_layer(self, self.layer)

    def _row(self, keys: list[str]) -> Any:
        line = BoxLayout(spacing=dp(6))
        for key in keys:
            line.add_widget(self._key(key))
        return line

    def _key(self, key: str) -> Any:
        button = Factory.PlainButton(text=LABELS.get(key, key), font_size="26sp", height=dp(56))
        if key in WIDE:
            button.size_hint_x = WIDE[key]
        button.bind(on_release=lambda _w: self.press(key))
        button.key = key
        return button

    def on_layer(self, _instance: Any, layer: str) -> None:
        rows = self.__dict__.get("_rows")
        if rows is None:
            return  # `layer` given to the constructor: __init__ shows it once the rows exist
        self.clear_widgets()
        for row in rows[layer]:
            self.add_widget(row)

    def press(self, key: str) -> None:
        if key in (ACCENTS, MORE, LETTERS, DIGITS):
            self.layer = key
        elif key == DELETE:
            self.text = self.text[:-1]
        elif key in TONES:
            self._add_tone(key)
        elif len(self.text) < self.max_chars:
            starts_word = not self.text or self.text[-1] in WORD_BREAKS
            self.text += key if starts_word else key.lower()
            if self.layer in (ACCENTS, MORE):
                self.layer = LETTERS  # one accented letter at a time, as phone keyboards do

    def _add_tone(self, mark: str) -> None:
        """Put a tone on the letter before it, if that makes one letter; else do nothing."""
        toned = unicodedata.normalize("NFC", self.text[-1:] + mark)
        if self.text and self.text[-1].isalpha() and len(toned) == 1:
            self.text = self.text[:-1] + toned
        self.layer = LETTERS

    def type(self, text: str) -> None:
        """Press the keys for `text` (used by the tests and the screenshot gallery)."""
        for char in text:
            for key in keys_for(char):
                self.press(key)

    def relabel(self, translate: Callable[[str], str]) -> None:
        """Label the worded keys in a language (every layer's, shown or not)."""
        for rows in self._rows.values():
            for line in rows:
                for button in line.children:
                    if button.key in WORDED:
                        button.text = translate(LABELS[button.key])

    def key_widget(self, key: str) -> Any:
        """The button for `key` on the layer showing, so a test can touch it."""
        for line in self.children:
            for button in line.children:
                if button.key in (key, key.upper()):
                    return button
        raise KeyError(key)
