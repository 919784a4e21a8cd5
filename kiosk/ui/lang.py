"""The visitor journey in the visitor's language: screen words from gettext catalogues
(kiosk/ui/locale/<code>/LC_MESSAGES/kiosk.po, compiled to .mo by `make setup`), the notice and
quiet space from the setting's configuration, right-to-left layout for Arabic and Urdu.

Screens that speak the visitor's language mix in `Translated`: their .kv says
`root.t('Cancel', root.lang)`, which Kivy evaluates again whenever `lang` changes; `lang` is set
from `KioskRoot.language` as the screen is about to show.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kivy.properties import StringProperty
from kivy.uix.label import Label

from kiosk.config import DEFAULT_NOTICE, DEFAULT_PRIVACY_WHERE, DEFAULT_QUIET_SPACE, Config
from kiosk.ui import shaping

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kiosk"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in its own language and script, as a reader of it looks for it
    rtl: bool = False


LANGUAGES = {
    lang.code: lang
    for lang in (
        Language("en", "English"),
        Language("pl", "Polski"),
        Language("ro", "Română"),
        Language("ur", "اردو", rtl=True),
        Language("pa", "ਪੰਜਾਬੀ"),
        Language("bn", "বাংলা"),
        Language("ar", "العربية", rtl=True),
    )
}


class MissingCatalogue(RuntimeError):
    """A language is offered but its compiled catalogue is not installed."""


@cache
def catalogue(code: str) -> gettext.NullTranslations:
    if code == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, LOCALE_DIR, languages=[code])
    except OSError as exc:
        raise MissingCatalogue(
            f"no compiled catalogue for language {code!r} in {LOCALE_DIR} "
            "(`make setup` compiles the .po files)"
        ) from exc


def t(message: str, code: str, **values: Any) -> str:
    """`message` in language `code`, with `{name}` fields filled in after translating."""
    text = catalogue(code).gettext(message)
    return text.format(**values) if values else text


def notice_text(config: Config, code: str) -> str:
    notice = config.notice
    return _setting_text(code, notice.text, notice.texts, DEFAULT_NOTICE)


def quiet_space_text(config: Config, code: str) -> str:
    notice = config.notice
    return _setting_text(code, notice.quiet_space, notice.quiet_spaces, DEFAULT_QUIET_SPACE)


def privacy_line_text(config: Config, code: str) -> str:
    """Where to read the privacy notice: ours translated, a setting's own in its own words."""
    return _setting_text(code, config.privacy.where_to_read, {}, DEFAULT_PRIVACY_WHERE)


def _setting_text(code: str, english: str, given: dict[str, str], default: str) -> str:
    """The setting's own text in that language; with the shipped English text, ours."""
    if code == "en":
        return english
    if code in given:
        return given[code]
    return t(default, code) if english == default else english


class Translated:
    """Mixed into a screen that speaks the visitor's language."""

    lang = StringProperty("en")

    def t(self, message: str, lang: str = "", **values: Any) -> str:
        """In .kv, `lang` is passed so Kivy re-evaluates on a change; in Python, the visit's."""
        return t(message, lang or self.kiosk.language, **values)  # type: ignore[attr-defined]

    def on_pre_enter(self, *_args: Any) -> None:
        self.lang = self.kiosk.language  # type: ignore[attr-defined]
        rtl = LANGUAGES[self.lang].rtl
        shaping.set_base_direction(shaping.RTL if rtl else shaping.LTR)
        mirror_alignment(self, rtl)
        keyboard = self.ids.get("keyboard")  # type: ignore[attr-defined]
        if keyboard is not None:
            keyboard.relabel(lambda message: t(message, self.lang))


def mirror_alignment(screen: Any, rtl: bool) -> None:
    """Right to left, text that starts at the left starts at the right (and back)."""
    for widget in screen.walk():
        if not isinstance(widget, Label):
            continue
        own = widget.__dict__.setdefault("_ltr_halign", widget.halign)
        if own in ("left", "right"):
            widget.halign = {"left": "right", "right": "left"}[own] if rtl else own
