"""A roll call in a setting whose doors share who is on site (issue 11 with issue 12), on SQLite
and PostgreSQL: the board lists each person once, whichever door they came in by and whichever
door started the roll call; someone who came in at one door and left by the other is not on it;
a tick at the door that did not sign a visitor in reaches the same line."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from kiosk.sync.server.registry import register_kiosk
from tests.sync.console import Client, Org, event, make_org, push, staff
from tests.sync.evacuation_site import board_rows, person_of
from tests.sync.server import Running

VISIT = str(uuid.uuid4())


def visitor(ident: int, *, named: bool = True) -> dict[str, Any]:
    """The visit as a door's pusher describes it: its own number for them, the visit's uuid."""
    who: dict[str, Any] = {"type": "visitor", "id": ident, "uuid": VISIT,
                           "visitor_type": "contractor"}  # fmt: skip
    if named:
        who.update(name="Victor Sparks", organisation="Sparks Ltd", visiting="Office")
    return who


def two_doors(records: Running) -> Org:
    org = make_org(records)
    with Session(records.engine) as s, s.begin():
        register_kiosk(s, org.a, "a-garden")
    ben, chloe = staff(1, "Ben Carter"), staff(2, "Chloé Dubois")
    assert push(records, "a-door", [
        event("shift.start", subject=ben, devices=["phone"], locker="1"),
        event("shift.start", subject=chloe, devices=["phone"], locker="2"),
        event("visitor.in", subject=visitor(9), lone_working=True),
    ]).ok  # fmt: skip
    assert push(records, "a-garden", [event("shift.end", subject=ben, collected=["phone"])]).ok
    return org


def test_the_board_lists_each_person_once_across_doors(records: Running) -> None:
    org = two_doors(records)
    # The garden starts it. Its own list (the front door's events fetched down) has Chloé and
    # the visitor, under the garden's own number for the visitor (3) and the visit's uuid.
    roll = [{"type": "staff", "id": 2, "visitor_type": None, "lone_working": False},
            {"type": "visitor", "id": 3, "visitor_type": "contractor", "lone_working": True,
             "uuid": VISIT}]  # fmt: skip
    started = event("evacuation.started", subject=staff(2, "Chloé Dubois"), mode="drill",
                    evacuation_id=str(uuid.uuid4()), kiosk="a-garden", roll=roll)  # fmt: skip
    assert push(records, "a-garden", [started]).ok

    anna = Client(records)
    assert anna.login("anna").status_code == 303
    assert sorted(board_rows(anna, org)) == [("Chloé Dubois", "missing"),
                                             ("Victor Sparks", "missing")]  # fmt: skip

    # The garden ticks the visitor (its number 3); the line is the front door's visitor 9's.
    ticked = event("evacuation.marked", subject=visitor(3, named=False),
                   evacuation_id=started["payload"]["evacuation_id"], kiosk="a-garden",
                   marked_by=2)  # fmt: skip
    assert push(records, "a-garden", [ticked]).ok
    assert sorted(board_rows(anna, org)) == [("Chloé Dubois", "missing"),
                                             ("Victor Sparks", "safe")]  # fmt: skip

    # A tick on the phone reaches the same person whichever door knows them.
    evacuation, chloe = person_of(anna, org, "Chloé Dubois")
    answer = anna.post(org.url(org.a, "/evacuation/mark"), evacuation=evacuation, person=chloe)
    assert answer.status_code == 303
    assert sorted(board_rows(anna, org)) == [("Chloé Dubois", "safe"), ("Victor Sparks", "safe")]
    # Someone not on this setting's board is refused, not marked.
    refused = anna.post(org.url(org.a, "/evacuation/mark"), evacuation=evacuation, person="s:1")
    assert refused.status_code == 400
