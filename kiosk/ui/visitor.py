"""Visitors and parents: the notice, the lone-working question (and the quiet space), name,
organisation and whom they visit on the on-screen keyboard, the agreement, and signing out by
typing the first letters of one's name.

What a visitor types lives in one `VisitorCase` until `sign_in` returns; going home drops it.
Sign-out shows only first name and initial, and only when few people match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.domain.types import VisitorType
from kiosk.ui.root import KioskScreen


@dataclass
class VisitorCase:
    visitor_type: VisitorType
    lone_working: bool = False
    name: str = ""
    organisation: str = ""
    visiting: str = ""


# (field, question, hint) per details step; parents skip the organisation.
STEPS = [
    ("name", "Your full name", "First name and surname."),
    ("organisation", "Your organisation", "Where you work (or leave blank)."),
    ("visiting", "Who are you visiting?", "A name or a room (or leave blank)."),
]


class VisitorNoticeScreen(KioskScreen):
    notice = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.notice = self.kiosk.app.config.notice.text

    def choose(self, kind: str) -> None:
        visitor_type = VisitorType(kind)
        self.kiosk.visitor = VisitorCase(visitor_type)
        if visitor_type is VisitorType.PARENT:
            self.kiosk.show("visitor_details", step=0)
        else:
            self.kiosk.show("lone_working")


class LoneWorkingScreen(KioskScreen):
    def answer(self, yes: bool) -> None:
        self.kiosk.visitor.lone_working = yes
        self.kiosk.show("quiet_space" if yes else "visitor_details", step=0)


class QuietSpaceScreen(KioskScreen):
    where = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.where = self.kiosk.app.config.notice.quiet_space


class VisitorDetailsScreen(KioskScreen):
    question = StringProperty("")
    hint = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.step = int(data.get("step", 0))
        case: VisitorCase = self.kiosk.visitor
        if case.visitor_type is VisitorType.PARENT and STEPS[self.step][0] == "organisation":
            self.step += 1
        field, self.question, hint = STEPS[self.step]
        if field == "organisation" and case.lone_working:
            hint = "Your organisation (needed for lone working)."
        self.hint = hint
        self.ids.keyboard.text = getattr(case, field)

    def next(self) -> None:
        field = STEPS[self.step][0]
        typed = " ".join(self.ids.keyboard.text.split())
        if field == "name" and not typed:
            self.hint = "Please type your name first."
            return
        setattr(self.kiosk.visitor, field, typed)
        if self.step + 1 < len(STEPS):
            self.kiosk.show(self.name, step=self.step + 1)
        else:
            self.kiosk.show("visitor_agree")

    def clear(self) -> None:
        self.ids.keyboard.text = ""


class VisitorAgreeScreen(KioskScreen):
    summary = StringProperty("")

    def enter(self, **data: Any) -> None:
        case: VisitorCase = self.kiosk.visitor
        rule = "I will not use a phone, smartwatch or camera anywhere on the premises"
        if case.lone_working:
            rule += ", except to call my office in the quiet space I have been shown"
        self.summary = f"{rule}.\n\nSigning in as [b]{_escape(case.name)}[/b]."

    def agree(self) -> None:
        case: VisitorCase = self.kiosk.visitor
        visitors = self.kiosk.app.kiosk.visitors
        self.kiosk.attempt(
            lambda: visitors.sign_in(
                case.visitor_type,
                case.name,
                case.organisation,
                case.visiting,
                acknowledged=True,
                lone_working=case.lone_working,
            ),
            self.kiosk.confirm,
        )

    def clear(self) -> None:
        self.summary = ""


class SignOutScreen(KioskScreen):
    hint = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.ids.keyboard.text = ""
        self.search("")

    def search(self, typed: str) -> None:
        grid = self.ids.matches
        grid.clear_widgets()
        policy = self.kiosk.app.config.policy
        if len(typed.strip()) < policy.visitor_search_min_chars:
            self.hint = f"Type at least {policy.visitor_search_min_chars} letters."
            return
        found = self.kiosk.app.kiosk.visitors.find(typed)
        self.hint = "" if found else "Nobody found yet: type a few more letters."
        for match in found:
            button = Factory.BigButton(text=match.label, height="64dp")
            button.bind(on_release=lambda _w, vid=match.visitor_id: self.sign_out(vid))
            grid.add_widget(button)

    def sign_out(self, visitor_id: Any) -> None:
        self.kiosk.attempt(
            lambda: self.kiosk.app.kiosk.visitors.sign_out(visitor_id), self.kiosk.confirm
        )

    def clear(self) -> None:
        self.ids.keyboard.text = ""
        self.ids.matches.clear_widgets()


def _escape(text: str) -> str:
    """Typed text shown in a markup label must not be read as markup."""
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
