"""Visitors and parents: the notice, the lone-working question (and the quiet space), name,
organisation and whom they visit on the on-screen keyboard, and the agreement. Finding oneself
by name (to sign out, or to sign in again) is in `visitor_search`.

What a visitor types lives in one `VisitorCase` until `sign_in` returns; going home drops it.
A returning visitor's case holds only the short name they were shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.properties import StringProperty

from kiosk.domain.types import VisitorId, VisitorType
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


def after_lone_working(screen: KioskScreen) -> None:
    """A returning visitor's details are known: straight to the agreement."""
    if screen.kiosk.visitor.returning is not None:
        screen.kiosk.show("visitor_agree")
    else:
        screen.kiosk.show("visitor_details", step=0)


class LoneWorkingScreen(KioskScreen):
    def answer(self, yes: bool) -> None:
        self.kiosk.visitor.lone_working = yes
        if yes:
            self.kiosk.show("quiet_space")
        else:
            after_lone_working(self)


class QuietSpaceScreen(KioskScreen):
    where = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.where = self.kiosk.app.config.notice.quiet_space

    def understood(self) -> None:
        after_lone_working(self)


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
        returning = case.returning
        if returning is not None:
            self.kiosk.attempt(
                lambda: visitors.sign_in_again(returning, lone_working=case.lone_working),
                self.kiosk.confirm,
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
            ),
            self.kiosk.confirm,
        )

    def clear(self) -> None:
        self.summary = ""


def _escape(text: str) -> str:
    """Typed text shown in a markup label must not be read as markup."""
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
