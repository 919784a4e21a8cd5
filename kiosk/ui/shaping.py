"""Text in any of the kiosk's scripts, shaped and ordered: Arabic and Urdu right to left with
their letters joined, Gurmukhi and Bengali with their vowel signs and conjuncts, and the Latin
names and digits inside them left to right.

Kivy's SDL2 text provider hands each line to SDL_ttf as one run in one font. The SDL_ttf in
Kivy 2.3.1's wheel is built with HarfBuzz, so it can shape, but only if told the run's script
and direction, and a run has one font while no single font here covers every script (the Noto
UI fonts have no Latin letters; Roboto has no Arabic). So each line Kivy lays out is cut here
into runs of one script and one direction (a small part of the Unicode bidi algorithm: strong
letters, numbers, and neutrals that take the direction around them), each run is measured and
drawn in its script's font with HarfBuzz's script and direction, and the runs are placed in
visual order: an Arabic sentence right to left, a name or a year inside it left to right.

`install()` makes Kivy's Label use these classes (before the first label is made).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kivy.core.text import Label as SdlLabel
from kivy.core.text._text_sdl2 import _SurfaceContainer
from kivy.core.text.markup import MarkupLabel

NOTO = Path("/usr/share/fonts/truetype/noto")
# Script (ISO 15924, as HarfBuzz takes it) -> (regular, bold) font files (fonts-noto-ui-core).
FONTS = {
    "Arab": ("NotoNaskhArabicUI-Regular.ttf", "NotoNaskhArabicUI-Bold.ttf"),
    "Guru": ("NotoSansGurmukhiUI-Regular.ttf", "NotoSansGurmukhiUI-Bold.ttf"),
    "Beng": ("NotoSansBengaliUI-Regular.ttf", "NotoSansBengaliUI-Bold.ttf"),
}
BLOCKS = [  # (first, last, script): the blocks the kiosk's languages write in
    (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"), (0x08A0, 0x08FF, "Arab"),
    (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"),
    (0x0A00, 0x0A7F, "Guru"), (0x0980, 0x09FF, "Beng"),
]  # fmt: skip
LTR, RTL = "ltr", "rtl"
DANDAS = "\u0964\u0965"  # the Indic full stops, shared by Gurmukhi and Bengali: in their fonts


@dataclass(frozen=True)
class Run:
    text: str
    script: str  # "Latn" for everything the label's own font draws
    direction: str
    level: int  # bidi embedding level: odd is right to left


def script_of(char: str) -> str:
    code = ord(char)
    for first, last, script in BLOCKS:
        if first <= code <= last:
            return script
    return "Latn"


def needs_runs(text: str) -> bool:
    """Whether a line needs cutting into runs (most Latin lines do not: the fast path)."""
    return not text.isascii() and any(script_of(c) != "Latn" for c in text)


def _strong(char: str) -> str | None:
    """A character's own direction; numbers read left to right in either script."""
    kind = unicodedata.bidirectional(char)
    if kind in ("R", "AL"):
        return RTL
    if kind in ("L", "EN", "AN"):
        return LTR
    return None


def _pull(char: str) -> str | None:
    """How a character pulls the neutrals beside it (rule N1: numbers pull as right to left)."""
    kind = unicodedata.bidirectional(char)
    if kind in ("R", "AL", "EN", "AN"):
        return RTL
    return LTR if kind == "L" else None


def _directions(text: str, base: str) -> list[str]:
    """Each character's direction: a neutral between two of one direction takes it, any other
    takes the paragraph's; a mark takes its letter's."""
    own, pull = [_strong(c) for c in text], [_pull(c) for c in text]
    before, after = _nearest(pull, base), _nearest(pull[::-1], base)[::-1]
    out: list[str] = []
    for i, char in enumerate(text):
        direction = own[i]
        if direction is not None:
            out.append(direction)
        elif unicodedata.category(char) == "Mn" and out:
            out.append(out[-1])
        else:
            out.append(before[i] if before[i] == after[i] else base)
    return out


def _nearest(pulls: list[str | None], base: str) -> list[str]:
    """For each position, the pull of the nearest strong character before it (else `base`)."""
    out, last = [], base
    for pull in pulls:
        out.append(last)
        last = pull or last
    return out


@lru_cache(maxsize=2048)  # wrapping measures the same beginnings of a line again and again
def runs(text: str, base: str) -> tuple[Run, ...]:
    """The line's runs in visual order (left to right on the screen)."""
    directions = _directions(text, base)
    scripts = _font_scripts(text)
    logical: list[Run] = []
    start = 0
    for i in range(1, len(text) + 1):
        boundary = i == len(text) or (
            directions[i] != directions[start] or scripts[i] != scripts[start]
        )
        if boundary:
            piece = text[start:i]
            direction = directions[start]
            level = (
                (1 if direction == RTL else 2) if base == RTL else (1 if direction == RTL else 0)
            )
            logical.append(Run(piece, _run_script(piece), direction, level))
            start = i
    return _visual(logical)


def _font_scripts(text: str) -> list[str]:
    """Each character's font: spaces go with the letters before them (so a sentence is one run,
    shaped whole), else with those after; common punctuation is drawn by the Latin font, as the
    Noto UI fonts have none of it."""
    own = ["" if c.isspace() or c in DANDAS else script_of(c) for c in text]
    out: list[str] = []
    for i, script in enumerate(own):
        joined = out[-1] if out else next((s for s in own[i + 1 :] if s), "Latn")
        out.append(script or joined)
    return out


def _run_script(piece: str) -> str:
    return next((s for s in map(script_of, piece) if s != "Latn"), "Latn")


def _visual(logical: list[Run]) -> tuple[Run, ...]:
    """Unicode's rule L2 on whole runs: from the highest level down to 1, reverse every stretch
    of runs at that level or above. Glyphs inside a run are ordered by HarfBuzz."""
    order = list(logical)
    top = max((r.level for r in order), default=0)
    for level in range(top, 0, -1):
        i = 0
        while i < len(order):
            if order[i].level >= level:
                j = i
                while j < len(order) and order[j].level >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return tuple(order)


class ShapingMixin:
    """Measures and draws each line run by run (see the module's docstring)."""

    options: dict[str, Any]
    base_direction_for_runs = LTR  # set per language by `set_base_direction`

    def _get_font_id(self) -> str:
        base = super()._get_font_id()  # type: ignore[misc]
        return f"{base}|{self.options.get('font_direction')}|{self.options.get('font_script_name')}"

    def get_extents(self, text: str) -> tuple[int, int]:
        if not needs_runs(text):
            return super().get_extents(text)  # type: ignore[misc, no-any-return]
        width = height = 0
        for run in runs(text, ShapingMixin.base_direction_for_runs):
            with self._run_font(run):
                w, h = super().get_extents(run.text)  # type: ignore[misc]
            width, height = width + w, max(height, h)
        return width, height

    def get_cached_extents(self) -> Any:
        return self.get_extents

    def _render_text(self, text: str, x: int, y: int) -> None:
        if not needs_runs(text):
            super()._render_text(text, x, y)  # type: ignore[misc]
            return
        line = runs(text, ShapingMixin.base_direction_for_runs)
        ascents = []
        for run in line:
            with self._run_font(run):
                ascents.append(super().get_ascent())  # type: ignore[misc]
        top = max(ascents)
        for run, ascent in zip(line, ascents, strict=True):
            with self._run_font(run):
                super()._render_text(run.text, x, y + top - ascent)  # type: ignore[misc]
                x += super().get_extents(run.text)[0]  # type: ignore[misc]

    def _run_font(self, run: Run) -> _Swap:
        return _Swap(self, run)


# Kivy's SDL2 provider applies a font's direction and script when it draws, not when it
# measures: a font measured before its first drawing was shaped left to right, unjoined (an Urdu
# line measured 236 px and drew 187, so it sat off the right margin). Each (font, direction,
# script) is drawn once, invisibly, before it is first measured.
_primed: set[str] = set()


def _prime(label: Any) -> None:
    font_id = label._get_font_id()
    if font_id not in _primed:
        _SurfaceContainer(1, 1).render(label, " ", 0, 0)
        _primed.add(font_id)


class _Swap:
    """The label's options set for one run (font file, script, direction), then put back."""

    def __init__(self, label: Any, run: Run) -> None:
        self.label, self.options, self.run = label, label.options, run
        keys = ("font_name_r", "font_direction", "font_script_name")
        self.saved = {key: self.options.get(key) for key in keys}

    def __enter__(self) -> None:
        if self.run.script in FONTS:
            regular, bold = FONTS[self.run.script]
            self.options["font_name_r"] = str(
                NOTO / (bold if self.options.get("bold") else regular)
            )
        self.options["font_direction"] = self.run.direction
        self.options["font_script_name"] = self.run.script
        _prime(self.label)

    def __exit__(self, *_exc: object) -> None:
        self.options.update(self.saved)


class ShapedLabel(ShapingMixin, SdlLabel):  # type: ignore[misc]
    pass


class ShapedMarkupLabel(ShapingMixin, MarkupLabel):  # type: ignore[misc]
    pass


def install() -> None:
    """Make Kivy's Label widget use the shaping labels (call before any label is made)."""
    import kivy.uix.label

    kivy.uix.label.CoreLabel = ShapedLabel
    kivy.uix.label.CoreMarkupLabel = ShapedMarkupLabel


def set_base_direction(direction: str) -> None:
    """The paragraph direction of the language on screen: how runs are ordered in a line."""
    ShapingMixin.base_direction_for_runs = direction


def glyph_runs(text: str, base: str) -> Iterator[tuple[str, str, str]]:
    """(text, script, direction) of each run in visual order: what the tests compare."""
    for run in runs(text, base):
        yield run.text, run.script, run.direction
