"""The roll call at the records service, on SQLite and PostgreSQL: a drill started at one door
with the other door offline, ticked on two phones at once, people signing out on their way, the
kiosk's own ticks pushed up, the explicit end, and the inspector's report (page and CSV)."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from kiosk.domain.evacuation import Mode
from kiosk.sync.server.models import EvacuationMark
from tests.conftest import BEN_UID, CHLOE_UID, staff_id
from tests.sync.console import Client, make_org
from tests.sync.evacuation_site import (
    back_door,
    board_rows,
    front_door,
    person_of,
    push_all,
    second_door_and_manager,
)
from tests.sync.kiosks import sync_counts, write_config
from tests.sync.server import Running
from tests.sync.test_kill import wait_for_sent


def at_once(*posts: tuple[Client, str, dict[str, str]]) -> list[requests.Response]:
    """Each post from its own thread, released together."""
    start, answers = threading.Barrier(len(posts)), [None] * len(posts)

    def send(n: int, client: Client, path: str, fields: dict[str, str]) -> None:
        start.wait()
        answers[n] = client.post(path, **fields)  # type: ignore[call-overload]

    threads = [threading.Thread(target=send, args=(n, *p)) for n, p in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers  # type: ignore[return-value]


def test_a_drill_across_two_doors_one_offline(records: Running, tmp_path: Path) -> None:
    org = make_org(records)
    second_door_and_manager(org)
    front, back = front_door(tmp_path, org), back_door(tmp_path, org)
    back.kiosk.visitors.sign_out(back.kiosk.visitors.find("Pat")[0].visitor_id)  # never pushed
    anna, amy = Client(records), Client(records)
    assert anna.login("anna").status_code == 303 and amy.login("amy").status_code == 303
    assert "No roll call has been started" in anna.get(org.url(org.a, "/evacuation")).text

    front.kiosk.evacuation.start(BEN_UID, Mode.DRILL)
    push_all(front, org)
    rows = board_rows(anna, org)
    assert sorted(rows) == sorted([("Ben Carter", "missing"), ("Chloé Dubois", "missing"),
                                   ("=cmd|' /C calc'!A0", "missing"),
                                   ("Pat Parent", "missing")])  # fmt: skip
    page = anna.get(org.url(org.a, "/evacuation")).text
    assert "LONE WORKING" in page and "Fire drill since" in page

    # Two phones at the assembly point: different people at once, and the same person at once.
    mark = org.url(org.a, "/evacuation/mark")
    chloe, pat = person_of(anna, org, "Chloé Dubois"), person_of(amy, org, "Pat Parent")
    answers = at_once((anna, mark, {"evacuation": chloe[0], "person": chloe[1]}),
                      (amy, mark, {"evacuation": pat[0], "person": pat[1]}))  # fmt: skip
    assert [a.status_code for a in answers] == [303, 303]
    answers = at_once((anna, mark, {"evacuation": pat[0], "person": pat[1]}),
                      (amy, mark, {"evacuation": pat[0], "person": pat[1]}))  # fmt: skip
    assert [a.status_code for a in answers] == [303, 303]
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(records.engine) as s:
        marks = {m.person: m.by_account for m in s.scalars(select(EvacuationMark))}
    assert marks == {chloe[1]: "anna", pat[1]: "amy"}
    rows = board_rows(amy, org)
    assert rows[:2] == [("=cmd|' /C calc'!A0", "missing"), ("Ben Carter", "missing")]

    # The front door's own tick and a contractor signing out on the way go up with its push.
    front.kiosk.evacuation.mark(("staff", int(staff_id(front, "Ben Carter"))))
    lines = front.kiosk.evacuation.current().lines  # type: ignore[union-attr]
    front.kiosk.visitors.sign_out(next(n.key[1] for n in lines if n.label == "contractor"))
    push_all(front, org)
    rows = board_rows(anna, org)
    assert all(status != "missing" for _name, status in rows), rows
    assert "4 of 4 safe" in anna.get(org.url(org.a, "/evacuation")).text
    front.kiosk.evacuation.end()
    push_all(front, org)
    assert "(ended)" in anna.get(org.url(org.a, "/evacuation")).text

    report = anna.get(org.url(org.a, "/drills")).text
    assert "Drill" in report and "Ben Carter at a-door" in report and "nobody" in report
    assert "ticked on the board by amy" in report and "signed out at a-door" in report
    assert "ticked at a-door (Ben Carter)" in report
    download = anna.get(org.url(org.a, "/drills.csv"))
    (row,) = list(csv.DictReader(io.StringIO(download.text)))
    assert row["drill_or_real"] == "drill" and row["on_the_roll"] == "4"
    assert row["never_accounted"] == "" and row["all_accounted_after"].endswith(" s")
    assert "; '=cmd|' /C calc'!A0: signed out" in row["marks"]  # formula text made plain


def test_another_settings_manager_cannot_see_or_mark(records: Running, tmp_path: Path) -> None:
    org = make_org(records)
    second_door_and_manager(org)
    front = front_door(tmp_path, org)
    front.kiosk.evacuation.start(BEN_UID, Mode.REAL)
    push_all(front, org)
    anna, bob = Client(records), Client(records)
    anna.login("anna")
    bob.login("bob")
    evacuation, who = person_of(anna, org, "Ben Carter")
    for path in ("/evacuation", "/evacuation/stamp", "/evacuation/print", "/drills", "/drills.csv"):
        assert bob.get(org.url(org.a, path)).status_code == 404, path
    answer = bob.post(org.url(org.a, "/evacuation/mark"), evacuation=evacuation, person=who)
    assert answer.status_code == 404
    # Bob's own setting cannot be used to mark Little Acorns' roll call either.
    answer = bob.post(org.url(org.b, "/evacuation/mark"), evacuation=evacuation, person=who)
    assert answer.status_code == 400 and "not this setting&#39;s" in answer.text
    assert ("Ben Carter", "missing") in board_rows(anna, org)


def test_the_stamp_changes_only_when_the_board_would(records: Running, tmp_path: Path) -> None:
    org = make_org(records)
    front = front_door(tmp_path, org)
    anna = Client(records)
    anna.login("anna")
    stamp = org.url(org.a, "/evacuation/stamp")
    assert anna.get(stamp).json() == {"stamp": "none"}
    front.kiosk.evacuation.start(BEN_UID, Mode.DRILL)
    push_all(front, org)
    first = anna.get(stamp).json()["stamp"]
    assert anna.get(stamp).json()["stamp"] == first
    evacuation, who = person_of(anna, org, "Ben Carter")
    anna.post(org.url(org.a, "/evacuation/mark"), evacuation=evacuation, person=who)
    assert anna.get(stamp).json()["stamp"] != first


def test_the_sync_loop_sends_a_roll_call_without_waiting_its_interval(
    records: Running, tmp_path: Path
) -> None:
    """`kiosk sync` waits a minute between pushes here, yet the start reaches the board at once:
    the loop looks for roll call events while it waits."""
    org = make_org(records)
    front = front_door(tmp_path, org, token=records.token("a-door"))
    config = write_config(front, tmp_path / "kiosk.toml", records.url, interval_s=60.0)
    log = tmp_path / "sync.log"
    with log.open("wb") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "kiosk", "sync"], stderr=stderr,
                                 env={**os.environ, "KIOSK_CONFIG": str(config)})  # fmt: skip
    try:
        wait_for_sent(front, child, sum(sync_counts(front).values()), log)  # its first push
        front.kiosk.evacuation.start(BEN_UID, Mode.REAL)
        anna = Client(records)
        anna.login("anna")
        begun = time.monotonic()
        while "EVACUATION since" not in anna.get(org.url(org.a, "/evacuation")).text:
            assert time.monotonic() - begun < 30, "the roll call waited for the next push"
            assert child.poll() is None, log.read_text()
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)


def test_visitors_left_in_after_closing_are_shown_to_their_setting(records: Running) -> None:
    from tests.sync.console import event, push

    org = make_org(records)
    visitor = {"type": "visitor", "id": 4, "name": "Jo Bloggs", "visitor_type": "visitor"}
    assert push(records, "a-door", [event("visitor.in", subject=visitor, visitor_type="visitor",
                                          lone_working=False)]).ok  # fmt: skip
    anna, bob = Client(records), Client(records)
    anna.login("anna")
    bob.login("bob")
    page = anna.get(org.url(org.a, "/evacuation")).text
    assert "Visitors still signed in after closing (1)" in page and "Jo Bloggs" in page
    page = bob.get(org.url(org.b, "/evacuation")).text
    assert "Visitors still signed in after closing (0)" in page and "Jo Bloggs" not in page


def test_forty_people_two_doors_one_offline_two_phones(records: Running, tmp_path: Path) -> None:
    """The drill as a nursery runs it: 40 on site across two doors, the back door offline when
    the alarm goes, two managers ticking their halves of the list at the same time."""
    from kiosk.domain.types import VisitorType

    org = make_org(records)
    second_door_and_manager(org)
    front, back = front_door(tmp_path, org), back_door(tmp_path, org)
    for app, count in ((front, 19), (back, 17)):  # 2 + 2 already on site: 40 in all
        for n in range(count):
            app.kiosk.visitors.sign_in(VisitorType.PARENT, f"Parent {app.config.kiosk.id} {n:02d}",
                                       "", "", acknowledged=True, lone_working=False)  # fmt: skip
        push_all(app, org)
    front.kiosk.evacuation.start(BEN_UID, Mode.DRILL)  # the back door is offline from here on
    push_all(front, org)
    anna, amy = Client(records), Client(records)
    anna.login("anna")
    amy.login("amy")
    rows = board_rows(anna, org)
    assert len(rows) == 40 and all(status == "missing" for _n, status in rows)
    names = [name for name, _s in rows]
    targets = [person_of(anna, org, name) for name in names]
    mark = org.url(org.a, "/evacuation/mark")
    halves = [(anna, targets[:20]), (amy, targets[20:])]
    results: list[int] = []

    def tick(client: Client, mine: list[tuple[str, str]]) -> None:
        for evacuation, who in mine:
            results.append(client.post(mark, evacuation=evacuation, person=who).status_code)

    threads = [threading.Thread(target=tick, args=half) for half in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [303] * 40
    assert "40 of 40 safe" in anna.get(org.url(org.a, "/evacuation")).text
    front.kiosk.evacuation.end()
    push_all(front, org)
    download = anna.get(org.url(org.a, "/drills.csv"))
    (row,) = list(csv.DictReader(io.StringIO(download.text)))
    assert row["on_the_roll"] == "40" and row["never_accounted"] == ""
    assert row["marks"].count("ticked on the board by anna") == 20
    assert row["marks"].count("ticked on the board by amy") == 20


def test_two_doors_starting_at_once_make_one_roll_call(records: Running, tmp_path: Path) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from kiosk.sync.server.models import EvacuationRow

    org = make_org(records)
    second_door_and_manager(org)
    front, back = front_door(tmp_path, org), back_door(tmp_path, org)
    front.kiosk.evacuation.start(BEN_UID, Mode.REAL)
    back.kiosk.evacuation.start(CHLOE_UID, Mode.REAL)
    back.kiosk.evacuation.mark(("staff", int(staff_id(back, "Chloé Dubois"))))
    start = threading.Barrier(2)

    def push(app: object) -> None:
        start.wait()
        push_all(app, org)  # type: ignore[arg-type]

    threads = [threading.Thread(target=push, args=(app,)) for app in (front, back)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(records.engine) as s:
        rows = list(s.scalars(select(EvacuationRow)))
    mains = [r for r in rows if r.joined_to is None]
    assert len(rows) == 2 and len(mains) == 1
    assert len(mains[0].roll) == 4  # both doors' people, whichever door's push came first
    anna = Client(records)
    anna.login("anna")
    rows_seen = dict(board_rows(anna, org))
    assert rows_seen["Chloé Dubois"] == "safe"  # the back door's tick counts on the one board
    assert len(rows_seen) == 4
