"""Finding oneself by the first letters of one's name: to sign out, and (for a visitor who came
within the retention period) to sign in again without retyping everything.

Both show what sign-out has always shown: first name and initial, and only when few match; when
too many match the person is asked for more letters rather than shown a crowd.
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.domain.types import VisitorId, VisitorType
from kiosk.domain.visits import VisitorSearch
from kiosk.ui.lang import Translated
from kiosk.ui.messages import N_
from kiosk.ui.root import KioskScreen
from kiosk.ui.visitor import VisitorCase


class NameSearchScreen(Translated, KioskScreen):
    """Type letters, see the few matching people, tap oneself."""

    title = StringProperty("")
    hint = StringProperty("")

    heading = ""

    def enter(self, **data: Any) -> None:
        self.title = self.t(self.heading)
        self.ids.keyboard.text = ""
        self.search("")

    def find(self, typed: str) -> VisitorSearch:
        raise NotImplementedError

    def picked(self, visitor_id: VisitorId, label: str) -> None:
        raise NotImplementedError

    def search(self, typed: str) -> None:
        grid = self.ids.matches
        grid.clear_widgets()
        min_chars = self.kiosk.app.config.policy.visitor_search_min_chars
        if len(typed.strip()) < min_chars:
            self.hint = self.t("Type at least {count} letters of your name.", count=min_chars)
            return
        found = self.find(typed)
        if found.too_many:
            self.hint = self.t("More than a few people match: please type more letters.")
        elif not found.matches:
            self.hint = self.t("Nobody found yet: type a few more letters.")
        else:
            self.hint = ""
        for match in found.matches:
            button = Factory.BigButton(text=match.label, height="64dp")
            button.bind(on_release=lambda _w, m=match: self.picked(m.visitor_id, m.label))
            grid.add_widget(button)

    def clear(self) -> None:
        self.ids.keyboard.text = ""
        self.ids.matches.clear_widgets()


class SignOutScreen(NameSearchScreen):
    heading = N_("Sign out: type the start of your name")

    def find(self, typed: str) -> VisitorSearch:
        return self.kiosk.app.kiosk.visitors.search(typed)

    def picked(self, visitor_id: VisitorId, label: str) -> None:
        del label
        self.kiosk.attempt(
            lambda: self.kiosk.app.kiosk.visitors.sign_out(visitor_id), self.kiosk.confirm
        )


class ReturningVisitorScreen(NameSearchScreen):
    heading = N_("Been before? Type the start of your name")

    def find(self, typed: str) -> VisitorSearch:
        return self.kiosk.app.kiosk.visitors.search_returning(typed)

    def picked(self, visitor_id: VisitorId, label: str) -> None:
        visitor_type = self.kiosk.app.kiosk.visitors.type_of(visitor_id)
        self.kiosk.visitor = VisitorCase(visitor_type, name=label, returning=visitor_id)
        if visitor_type is VisitorType.PARENT:
            self.kiosk.show("visitor_agree")
        else:
            self.kiosk.show("lone_working")
