"""The visitor journey in the visitor's language: the language button, the screen words from the
catalogues, the setting's notice per language with its version recorded, and right-to-left and
complex scripts drawn as shaped runs in visual order (compared as rendered pixels)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, NoticeSection, PrivacySection
from kiosk.domain.types import EventKind
from tests.conftest import MORNING
from tests.ui.conftest import events

POLISH_NOTICE = "Szanowni Goście: telefony prosimy schować. Dziękujemy."
LOCALE = Path(__file__).resolve().parents[2] / "kiosk" / "ui" / "locale"


@pytest.fixture
def multilingual(tmp_path: Path) -> Iterator[App]:
    config = Config(
        kiosk=KioskSection(data_dir=str(tmp_path / "langs"), languages=["en", "pl", "ar"]),
        notice=NoticeSection(
            text="Phones away, please. Thank you.",
            texts={"pl": POLISH_NOTICE, "ar": "يُرجى إبعاد الهواتف. شكرًا."},
            quiet_spaces={"pl": "Biuro.", "ar": "المكتب."},
            versions={"pl": "2026-09-pl2"},
        ),
    )
    app, _ = initialise(config, ManualClock(MORNING), demo=True)
    yield app
    app.close()


def test_a_parent_chooses_polish_and_the_polish_notice_version_is_recorded(
    multilingual: App, make_screen: Any
) -> None:
    screen = make_screen(multilingual)
    screen.press("visitor")
    screen.wait_for("visitor_notice")
    assert "Polski" in screen.current.ids.language.text
    screen.press("language")
    screen.wait_for("language")
    screen.press_text("Polski")
    screen.wait_for("visitor_notice")
    assert POLISH_NOTICE in screen.texts()
    assert "Informację o ochronie prywatności otrzymasz u kierownika." in screen.texts()
    assert screen.current.ids.parent.text == "Rodzicem lub opiekunem"
    screen.press("parent")
    screen.wait_for("visitor_details")
    assert screen.current.question == "Imię i nazwisko"
    assert screen.current.ids.keyboard.key_widget(" ").text == "Spacja"
    screen.type("ANNA NOWAK")
    screen.press("next")
    screen.press("next")
    screen.wait_for("visitor_agree")
    assert "Wpisujesz się jako" in screen.texts()
    screen.press("agree")
    screen.wait_for("done")
    assert "Dziękujemy, Anna." in screen.texts()
    (arrived,) = events(multilingual, EventKind.VISITOR_IN)
    assert arrived.payload["notice_language"] == "pl"
    assert arrived.payload["notice_version"] == "2026-09-pl2"
    screen.press("ok")
    screen.wait_for("home")
    screen.press("visitor")  # the next visitor starts in the setting's first language
    screen.wait_for("visitor_notice")
    assert "Phones away, please." in screen.texts()


def test_arabic_lays_the_visitor_screens_out_right_to_left(
    multilingual: App, make_screen: Any
) -> None:
    screen = make_screen(multilingual)
    screen.press("visitor")
    screen.press("language")
    screen.press_text("العربية")
    screen.wait_for("visitor_notice")
    assert screen.current.ids.notice.halign == "right"
    assert screen.current.ids.visitor.text == "زائر"
    screen.press("cancel")
    screen.press("visitor")
    screen.wait_for("visitor_notice")
    assert screen.current.ids.notice.halign == "left"  # English again, left to right


def test_every_screen_word_has_a_translation_in_every_catalogue() -> None:
    from kiosk.config_bounds import LANGUAGES
    from kiosk.ui.messages import extract

    wanted = extract()
    for code in LANGUAGES[1:]:
        with (LOCALE / code / "LC_MESSAGES" / "kiosk.po").open("rb") as handle:
            catalogue = read_po(handle)
        assert "NEEDS REVIEW" in catalogue.header_comment  # by a native speaker, before use
        for message in wanted:
            entry = catalogue.get(message)
            assert entry is not None and entry.string, f"{code}: no translation of {message!r}"
            for field in ("{name}", "{time}", "{count}"):
                assert (field in message) == (field in entry.string), f"{code}: {message!r}"


def test_the_shipped_compiled_catalogues_say_what_their_po_files_say() -> None:
    """The kiosk reads the .mo files kept beside each .po (no Babel on the Pi): an edited .po
    without `make translations` would show the old words."""
    import gettext

    from kiosk.config_bounds import LANGUAGES

    for code in LANGUAGES[1:]:
        folder = LOCALE / code / "LC_MESSAGES"
        with (folder / "kiosk.po").open("rb") as handle:
            catalogue = read_po(handle)
        with (folder / "kiosk.mo").open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for entry in catalogue:
            if entry.id and isinstance(entry.id, str):
                assert compiled.gettext(entry.id) == entry.string, (
                    f"{code}: kiosk.mo is older than kiosk.po (make translations)"
                )


def ink_columns(texture: Any) -> list[int]:
    """How much ink each pixel column holds: equal for the same glyphs at the same places,
    whatever their height on the line."""
    width, height = texture.size
    pixels = texture.pixels
    return [sum(pixels[(y * width + x) * 4 + 3] for y in range(height)) for x in range(width)]


def run_texture(text: str, font: str, direction: str, script: str) -> Any:
    """One run drawn by Kivy's own SDL2 label, told its font, direction and script."""
    from kivy.core.text.text_sdl2 import LabelSDL2

    from kiosk.ui.shaping import _prime

    label = LabelSDL2(text=text, font_size=40, font_name=font, font_direction=direction,
                      font_script_name=script)  # fmt: skip
    label.resolve_font_name()
    _prime(label)
    label.refresh()
    return label.texture


@pytest.mark.parametrize(
    ("text", "base", "visual"),
    [
        # An Arabic greeting with a name and a year in it: the name and year read left to
        # right, the Arabic right to left and joined, the sentence starting at the right.
        ("مرحبا Jo 2026", "rtl", [("2026", "Latn", "ltr"), (" ", "Latn", "rtl"),
                                  ("Jo", "Latn", "ltr"), ("مرحبا ", "Arab", "rtl")]),
        ("شکریہ، Jo", "rtl", [("Jo", "Latn", "ltr"), ("شکریہ، ", "Arab", "rtl")]),  # Urdu
        ("ਧੰਨਵਾਦ, Jo", "ltr", [("ਧੰਨਵਾਦ", "Guru", "ltr"), (", Jo", "Latn", "ltr")]),
        ("ধন্যবাদ Jo", "ltr", [("ধন্যবাদ ", "Beng", "ltr"), ("Jo", "Latn", "ltr")]),
    ],
)  # fmt: skip
def test_a_line_is_drawn_as_shaped_runs_in_visual_order(
    window: Any, text: str, base: str, visual: list[tuple[str, str, str]]
) -> None:
    import kivy.uix.label

    from kiosk.ui import screens, shaping  # noqa: F401  installs the shaping labels

    shaping.set_base_direction(base)
    try:
        assert list(shaping.glyph_runs(text, base)) == visual
        line = kivy.uix.label.CoreLabel(text=text, font_size=40)
        line.refresh()
        expected: list[int] = []
        for run, script, direction in visual:
            font = str(shaping.NOTO / shaping.FONTS[script][0]) if script in shaping.FONTS else ""
            drawn = run_texture(run, font or line.options["font_name_r"], direction, script)
            expected += ink_columns(drawn)
        assert ink_columns(line.texture) == expected
        unshaped = run_texture(text, line.options["font_name_r"], "ltr", "Latn")
        assert ink_columns(unshaped) != expected  # one font, left to right: boxes, not this
    finally:
        shaping.set_base_direction(shaping.LTR)


def test_a_settings_own_privacy_line_is_shown_as_written_in_every_language() -> None:
    from kiosk.ui.lang import privacy_line_text

    own = Config(privacy=PrivacySection(where_to_read="Our privacy notice is on the front door."))
    assert privacy_line_text(own, "pl") == "Our privacy notice is on the front door."
    ours = Config()
    assert privacy_line_text(ours, "pl") != privacy_line_text(ours, "en")  # translated
