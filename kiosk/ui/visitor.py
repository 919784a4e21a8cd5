"""Visitors and parents: the notice, the lone-working question (and the quiet space), name,
organisation and whom they visit on the on-screen keyboard, and the agreement. Finding oneself
by name (to sign out, or to sign in again) is in `visitor_search`.

What a visitor types lives in one `VisitorCase` until `sign_in` returns; going home drops it.
A returning visitor's case holds only the short name they were shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.domain.names import first_name
from kiosk.domain.types import VisitorId, VisitorType
from kiosk.ui.lang import (
    LANGUAGES,
    Translated,
    notice_text,
    privacy_line_text,
    quiet_space_text,
)
from kiosk.ui.messages import N_
from kiosk.ui.root import KioskScreen


@dataclass
class VisitorCase:
    visitor_type: VisitorType
    lone_working: bool = False
    name: str = ""
    organisation: str = ""
    visiting: str = ""
    returning: VisitorId | None = None  # found by name: sign in again with the earlier details


# (field, question, hint) per details step; parents skip the organisation.
STEPS = [
    ("name", N_("Your full name"), N_("First name and surname.")),
    ("organisation", N_("Your organisation"), N_("Where you work (or leave blank).")),
    ("visiting", N_("Who are you visiting?"), N_("A name or a room (or leave blank).")),
]


class VisitorNoticeScreen(Translated, KioskScreen):
    notice = StringProperty("")
    privacy = StringProperty("")  # where to read the privacy notice
    languages_text = StringProperty("")  # the language button: each language in its own words

    def enter(self, **data: Any) -> None:
        config = self.kiosk.app.config
        day = self.kiosk.app.kiosk.visitors.day_notice()  # a special day's notice, in its words
        self.notice = day.text if day else notice_text(config, self.kiosk.language)
        self.privacy = privacy_line_text(config, self.kiosk.language)
        offered = config.kiosk.languages
        self.languages_text = (
            " · ".join(LANGUAGES[c].name for c in offered) if len(offered) > 1 else ""
        )

    def choose(self, kind: str) -> None:
        visitor_type = VisitorType(kind)
        self.kiosk.visitor = VisitorCase(visitor_type)
        if visitor_type is VisitorType.PARENT:
            self.kiosk.show("visitor_details", step=0)
        else:
            self.kiosk.show("lone_working")


def after_lone_working(screen: KioskScreen) -> None:
    """A returning visitor's details are known: straight to the agreement."""
    if screen.kiosk.visitor.returning is not None:
        screen.kiosk.show("visitor_agree")
    else:
        screen.kiosk.show("visitor_details", step=0)


class LoneWorkingScreen(Translated, KioskScreen):
    def answer(self, yes: bool) -> None:
        self.kiosk.visitor.lone_working = yes
        if yes:
            self.kiosk.show("quiet_space")
        else:
            after_lone_working(self)


class QuietSpaceScreen(Translated, KioskScreen):
    where = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.where = quiet_space_text(self.kiosk.app.config, self.kiosk.language)

    def understood(self) -> None:
        after_lone_working(self)


class VisitorDetailsScreen(Translated, KioskScreen):
    question = StringProperty("")
    hint = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.step = int(data.get("step", 0))
        case: VisitorCase = self.kiosk.visitor
        if case.visitor_type is VisitorType.PARENT and STEPS[self.step][0] == "organisation":
            self.step += 1
        field, question, hint = STEPS[self.step]
        if field == "organisation" and case.lone_working:
            hint = N_("Your organisation (needed for lone working).")
        self.question, self.hint = self.t(question), self.t(hint)
        self.ids.keyboard.text = getattr(case, field)

    def next(self) -> None:
        field = STEPS[self.step][0]
        typed = " ".join(self.ids.keyboard.text.split())
        if field == "name" and not typed:
            self.hint = self.t("Please type your name first.")
            return
        setattr(self.kiosk.visitor, field, typed)
        if self.step + 1 < len(STEPS):
            self.kiosk.show(self.name, step=self.step + 1)
        else:
            self.kiosk.show("visitor_agree")

    def clear(self) -> None:
        self.ids.keyboard.text = ""


class VisitorAgreeScreen(Translated, KioskScreen):
    summary = StringProperty("")

    def enter(self, **data: Any) -> None:
        case: VisitorCase = self.kiosk.visitor
        if case.lone_working:
            rule = self.t(
                "I will not use a phone, smartwatch or camera anywhere on the premises, "
                "except to call my office in the quiet space I have been shown."
            )
        else:
            rule = self.t("I will not use a phone, smartwatch or camera anywhere on the premises.")
        # Bold is a markup span, laid out left to right by Kivy: right to left, the name is plain.
        rtl = LANGUAGES[self.kiosk.language].rtl
        name = _escape(case.name) if rtl else f"[b]{_escape(case.name)}[/b]"
        self.summary = f"{rule}\n\n{self.t('Signing in as {name}.', name=name)}"

    def agree(self) -> None:
        case: VisitorCase = self.kiosk.visitor
        visitors = self.kiosk.app.kiosk.visitors
        returning, language = case.returning, self.kiosk.language
        thanks = self.t("Thank you, {name}. You are signed in.", name=first_name(case.name))
        if returning is not None:
            self.kiosk.attempt(
                lambda: visitors.sign_in_again(
                    returning, lone_working=case.lone_working, language=language
                ),
                lambda done: self.kiosk.confirm(done, thanks),
            )
            return
        self.kiosk.attempt(
            lambda: visitors.sign_in(
                case.visitor_type,
                case.name,
                case.organisation,
                case.visiting,
                acknowledged=True,
                lone_working=case.lone_working,
                language=language,
            ),
            lambda done: self.kiosk.confirm(done, thanks),
        )

    def clear(self) -> None:
        self.summary = ""


class LanguageScreen(Translated, KioskScreen):
    """The languages the setting offers, each named in itself; the choice holds until home."""

    def enter(self, **data: Any) -> None:
        grid = self.ids.languages
        grid.clear_widgets()
        for code in self.kiosk.app.config.kiosk.languages:
            button = Factory.BigButton(text=LANGUAGES[code].name)
            button.code = code
            button.bind(on_release=lambda b: self.choose(b.code))
            grid.add_widget(button)

    def choose(self, code: str) -> None:
        self.kiosk.language = code
        self.kiosk.show("visitor_notice")


def _escape(text: str) -> str:
    """Typed text shown in a markup label must not be read as markup."""
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
