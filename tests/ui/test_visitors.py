"""Visitors and parents by touch on the on-screen keyboard: the notice, the lone-working answer
(and the quiet space shown), the agreement, and signing out by the first letters of a name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.app import App
from kiosk.domain.types import EventKind, VisitorType
from kiosk.store import peers
from kiosk.store.models import Visitor
from kiosk.store.peers import PeerIn, PeerVisitor
from tests.ui.conftest import events


def sign_in(screen: Any, kind: str, lone: bool | None, name: str, org: str = "") -> None:
    screen.press("visitor")
    screen.wait_for("visitor_notice")
    screen.press(kind)
    if lone is not None:
        screen.wait_for("lone_working")
        screen.press("yes" if lone else "no")
    if lone:
        screen.wait_for("quiet_space")
        screen.press("ok")
    screen.wait_for("visitor_details")
    screen.type(name)
    screen.press("next")
    if kind != "parent":
        screen.type(org)
        screen.press("next")
    screen.press("next")  # whom they visit: left blank
    screen.wait_for("visitor_agree")
    screen.press("agree")
    screen.wait_for("done")


def test_a_lone_worker_is_shown_the_quiet_space_and_it_is_recorded(app: App, screen: Any) -> None:
    screen.press("visitor")
    assert app.config.notice.text in screen.texts()
    assert app.config.privacy.where_to_read in screen.texts()  # where to read the privacy notice
    screen.press("cancel")
    sign_in(screen, "visitor", True, "JO BLOGGS", "ACME CARE")
    (arrived,) = events(app, EventKind.VISITOR_IN)
    assert arrived.payload["lone_working"] is True
    assert arrived.payload["quiet_space"] == app.config.notice.quiet_space
    assert arrived.payload["notice_version"] == app.config.notice.version
    with app.ctx.reading() as session:
        row = session.scalars(select(Visitor)).one()
        assert (row.name, row.organisation) == ("Jo Bloggs", "Acme Care")
    assert "Thank you, Jo" in screen.texts()


def test_a_parent_skips_the_organisation_and_lone_working(app: App, screen: Any) -> None:
    sign_in(screen, "parent", None, "SAM O'NEIL")
    (arrived,) = events(app, EventKind.VISITOR_IN)
    assert arrived.payload["visitor_type"] == "parent"
    assert arrived.payload["lone_working"] is False
    with app.ctx.reading() as session:
        assert session.scalars(select(Visitor.name)).one() == "Sam O'Neil"


def test_sign_out_shows_only_the_few_matches_by_first_name_and_initial(
    app: App, screen: Any
) -> None:
    sign_in(screen, "visitor", False, "JO BLOGGS", "ACME")
    screen.press("ok")
    sign_in(screen, "contractor", False, "JOHN SMITH", "FIXIT")
    screen.press("ok")
    screen.press("sign_out")
    screen.wait_for("sign_out")
    screen.type("J")
    assert screen.current.ids.matches.children == []  # one letter finds nobody
    screen.type("O")
    labels = sorted(b.text for b in screen.current.ids.matches.children)
    assert labels == ["Jo B.", "John S."]
    screen.type("\b\bBL")  # surname works too
    screen.press_text("Jo B.")
    screen.wait_for("done")
    (left,) = events(app, EventKind.VISITOR_OUT)
    (jo_in, _john_in) = events(app, EventKind.VISITOR_IN)
    assert left.visitor_id == jo_in.visitor_id


def test_a_visitor_must_type_a_name(app: App, screen: Any) -> None:
    screen.press("visitor")
    screen.press("parent")
    screen.wait_for("visitor_details")
    screen.press("next")
    assert screen.name == "visitor_details"
    assert "Please type your name" in screen.texts()
    assert events(app, EventKind.VISITOR_IN) == []


def test_an_accented_name_is_typed_by_touch_and_recorded_as_typed(app: App, screen: Any) -> None:
    screen.press("visitor")
    screen.press("parent")
    screen.wait_for("visitor_details")
    keyboard = screen.current.ids.keyboard
    screen.type("CHLO")
    with pytest.raises(KeyError):
        keyboard.key_widget("É")  # not among the plain letters
    screen.touch(keyboard.key_widget("accents"))
    screen.touch(keyboard.key_widget("É"))
    screen.type(" MARTIN")  # the plain letters are back after one accented letter
    assert keyboard.text == "Chloé Martin"
    screen.press("next")
    screen.press("next")  # whom they visit: left blank
    screen.wait_for("visitor_agree")
    screen.press("agree")
    screen.wait_for("done")
    with app.ctx.reading() as session:
        assert session.scalars(select(Visitor.name)).one() == "Chloé Martin"


def test_names_beyond_the_first_accents_are_typed_by_touch(app: App, screen: Any) -> None:
    """ß, Romanian Ș and Vietnamese tones (on a plain or a hatted letter, whatever order NFD puts
    the marks in) from the third layer; a tone with no letter before it does nothing."""
    from kiosk.ui.keyboard import ACCENTS, LAYERS, LETTERS, MORE, keys_for

    screen.press("visitor")
    screen.press("parent")
    screen.wait_for("visitor_details")
    keyboard = screen.current.ids.keyboard
    name = "Nguyễn Lệ Phờ Strauß-Ștefan"
    for char in name:
        for key in keys_for(char):
            layer = next(n for n in (LETTERS, ACCENTS, MORE) if any(key in r for r in LAYERS[n]))
            route = {LETTERS: [], ACCENTS: [ACCENTS], MORE: [ACCENTS, MORE]}[layer]
            for step in route:
                screen.touch(keyboard.key_widget(step))
            screen.touch(keyboard.key_widget(key))
    assert keyboard.text == name
    screen.type(" ")
    screen.touch(keyboard.key_widget(ACCENTS))
    screen.touch(keyboard.key_widget(MORE))
    screen.touch(keyboard.key_widget("\u0303"))  # a tilde after a space: nothing to put it on
    assert keyboard.text == name + " " and keyboard.layer == LETTERS
    screen.type("\b")
    screen.press("next")
    screen.press("next")
    screen.wait_for("visitor_agree")
    screen.press("agree")
    screen.wait_for("done")
    with app.ctx.reading() as session:
        assert session.scalars(select(Visitor.name)).one() == name


def test_sign_out_asks_for_more_letters_when_too_many_match(app: App, screen: Any) -> None:
    visitors = app.kiosk.visitors
    for surname in ("Adams", "Brown", "Clark", "Davis", "Evans", "Fox"):  # more than 5 Jos
        visitors.sign_in(
            VisitorType.PARENT, f"Jo {surname}", "", "", acknowledged=True, lone_working=False
        )
    screen.press("sign_out")
    screen.wait_for("sign_out")
    assert "Type at least 2 letters" in screen.current.hint
    screen.type("JO")
    assert screen.current.ids.matches.children == []
    assert "More than a few people match" in screen.current.hint
    assert "Nobody found" not in screen.texts()
    screen.type(" F")
    assert [b.text for b in screen.current.ids.matches.children] == ["Jo F."]
    assert screen.current.hint == ""
    screen.type("\b\bX")
    assert "Nobody found yet" in screen.current.hint


def test_a_returning_visitor_finds_themselves_and_signs_in_in_under_ten_taps(
    app: App, screen: Any
) -> None:
    visitors = app.kiosk.visitors
    visitors.sign_in(
        VisitorType.VISITOR, "Rosa Lopez", "Speech Therapy", "Room 1",
        acknowledged=True, lone_working=False,
    )  # fmt: skip
    visitors.sign_out(visitors.find("rosa")[0].visitor_id)
    app.ctx.clock.advance(7 * 86400)  # a week later
    screen.press("visitor")
    screen.wait_for("visitor_notice")
    screen.press("returning")
    screen.wait_for("returning")
    screen.type("RO")
    assert [b.text for b in screen.current.ids.matches.children] == ["Rosa L."]
    assert "Lopez" not in screen.texts()  # no more than sign-out shows
    screen.press_text("Rosa L.")
    screen.wait_for("lone_working")
    screen.press("no")
    screen.wait_for("visitor_agree")
    assert "Rosa L." in screen.texts() and "Lopez" not in screen.texts()
    screen.press("agree")
    screen.wait_for("done")
    assert screen.touches < 10, screen.touches
    first, again = events(app, EventKind.VISITOR_IN)
    assert again.payload["notice_version"] == app.config.notice.version
    assert again.payload["lone_working"] is False
    with app.ctx.reading() as session:
        rows = session.scalars(select(Visitor).order_by(Visitor.id)).all()
        assert [(r.name, r.organisation, r.visiting) for r in rows] == [
            ("Rosa Lopez", "Speech Therapy", "Room 1")
        ] * 2
        assert again.visitor_id == rows[1].id != first.visitor_id


def test_a_visitor_who_came_in_by_another_door_signs_out_here_by_touch(
    app: App, screen: Any
) -> None:
    """The feed brought the front door's visitor.in (issue 11): the garden gate finds them by
    the first letters of their name and signs them out, like one of its own."""
    visit = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
    arrived = PeerIn(id="0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d", kiosk_id="front", seq=1,
                     receipt=1, kind=EventKind.VISITOR_IN.value,
                     occurred_at=datetime.now(UTC), payload={"visitor_type": "visitor"},
                     visitor=PeerVisitor(visit, "visitor", "Jo Bloggs"))  # fmt: skip
    with app.ctx.recording() as session:
        peers.store_page(session, [arrived], datetime.now(UTC))
    screen.press("sign_out")
    screen.wait_for("sign_out")
    screen.type("JO")
    assert [b.text for b in screen.current.ids.matches.children] == ["Jo B."]
    screen.press_text("Jo B.")
    screen.wait_for("done")
    (left,) = events(app, EventKind.VISITOR_OUT)
    with app.ctx.reading() as session:
        assert (
            session.scalars(select(Visitor.uuid).where(Visitor.id == left.visitor_id)).one()
            == visit
        )
    assert app.kiosk.roll_call.now().visitors == []
