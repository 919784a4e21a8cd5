"""The feed over real HTTP, on SQLite and PostgreSQL: a door gets its setting's other kiosks'
events (never another setting's, never its own), only those that change who is on site, with
the least it needs about each person; and a kiosk refuses a bad, oversized or inconsistent
answer whole, storing nothing of it."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store import peers
from kiosk.store.events import load_site_state
from kiosk.store.models import PeerEvent, Visitor
from kiosk.sync.contract import API_PREFIX, FEED_MAX_BYTES
from kiosk.sync.feed import FeedPuller, FeedUnavailable
from kiosk.sync.feedcheck import FeedRefused
from kiosk.sync.pusher import PushSettings
from kiosk.sync.server.registry import register_kiosk
from tests.sync.console import Org, event, make_org, push, staff
from tests.sync.faultproxy import Act, FaultProxy
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running


def visitor(ident: int, name: str, *, erased: bool = False) -> dict[str, Any]:
    return {"type": "visitor", "id": ident, "uuid": str(uuid.uuid4()), "name": name,
            "visitor_type": "visitor", "organisation": "Council", "erased": erased}  # fmt: skip


@pytest.fixture
def org(records: Running) -> Org:
    found = make_org(records)
    with Session(records.engine) as session, session.begin():
        register_kiosk(session, found.a, "a-garden")
    return found


def feed(records: Running, kiosk: str, after: int = 0, token: str | None = None) -> Any:
    return requests.get(
        f"{records.url}{API_PREFIX}/kiosks/{kiosk}/feed",
        params={"after": after, "wait": 0},
        headers={"Authorization": f"Bearer {token or records.token(kiosk)}"},
        timeout=30,
    )


def test_a_door_gets_its_settings_other_doors_events_and_only_those(
    records: Running, org: Org
) -> None:
    jo = visitor(1, "Jo Smith")
    front = [event("shift.start", subject=staff(2, "Ben Carter"), devices=["phone"], locker="2"),
             event("visitor.in", subject=jo, visitor_type="visitor", lone_working=False),
             event("badge.unknown", uid="04AA")]  # fmt: skip
    assert push(records, "a-door", front).ok
    assert push(records, "b-door", [event("shift.start", subject=staff(2, "Bea"))]).ok
    page = feed(records, "a-garden").json()
    assert [e["id"] for e in page["events"]] == [e["id"] for e in front[:2]]
    receipts = [e["receipt"] for e in page["events"]]
    assert receipts == sorted(set(receipts)) and page["next"] == receipts[-1]
    shift, visit = page["events"]
    assert shift["subject"] == {"type": "staff", "id": 2}  # the setting's person id, no name
    assert visit["subject"] == {"type": "visitor", "uuid": jo["uuid"], "visitor_type": "visitor",
                                "name": "Jo Smith"}  # fmt: skip
    assert "Council" not in json.dumps(page)  # the other door needs no organisation
    assert feed(records, "a-door").json()["events"] == []  # never its own events back
    later = feed(records, "a-garden", after=page["next"]).json()
    assert later == {"events": [], "next": page["next"]}
    assert [e["kiosk_id"] for e in feed(records, "b-door").json()["events"]] == []


def test_an_erased_visitor_travels_without_a_name(records: Running, org: Org) -> None:
    gone = visitor(3, "Kim Park", erased=True)
    assert push(records, "a-door", [event("visitor.in", subject=gone, lone_working=False)]).ok
    [visit] = feed(records, "a-garden").json()["events"]
    assert visit["subject"]["name"] is None and visit["subject"]["uuid"] == gone["uuid"]


def test_a_token_reads_only_its_own_kiosks_feed(records: Running, org: Org) -> None:
    assert feed(records, "a-garden", token=records.token("a-door")).status_code == 403
    assert feed(records, "a-garden", token="kt_not-a-token").status_code == 401
    bad_wait = requests.get(f"{records.url}{API_PREFIX}/kiosks/a-garden/feed",
                            params={"wait": 3600},
                            headers={"Authorization": f"Bearer {records.token('a-garden')}"},
                            timeout=30)  # fmt: skip
    assert bad_wait.status_code == 422


@pytest.fixture
def puller(records: Running, org: Org, tmp_path: Path) -> Iterator[tuple[FeedPuller, FaultProxy]]:
    app = make_kiosk(tmp_path, "a-garden")
    proxy = FaultProxy(records.port).start()
    settings = PushSettings(url=proxy.url, kiosk_id="a-garden", token=records.token("a-garden"))
    puller = FeedPuller(app.store, settings)
    yield puller, proxy
    puller.close()
    proxy.stop()
    app.close()


def stored_peers(puller: FeedPuller) -> list[str]:
    with puller.store.reading() as session:
        return list(session.scalars(select(PeerEvent.id).order_by(PeerEvent.receipt)))


def good_event(receipt: int, **changes: Any) -> dict[str, Any]:
    return {"receipt": receipt, "kiosk_id": "a-door", "id": str(uuid.uuid4()), "seq": receipt,
            "kind": "shift.start", "occurred_at": "2026-11-24T08:00:00+00:00",
            "payload": {"devices": ["phone"], "locker": "2"},
            "subject": {"type": "staff", "id": 2}, **changes}  # fmt: skip


def page_of(*events: dict[str, Any], following: int) -> bytes:
    return json.dumps({"events": list(events), "next": following}).encode()


A_VISITOR_WITHOUT_UUID = {"type": "visitor", "visitor_type": "visitor"}
BAD_ANSWERS = {
    "not JSON": b"<html>proxy error</html>",
    "not a page": b'{"detail": "nope"}',
    "second event's id": page_of(good_event(1), good_event(2, id="x"), following=2),
    "receipts going back": page_of(good_event(2), good_event(1), following=2),
    "own kiosk's event": page_of(good_event(1, kiosk_id="a-garden"), following=1),
    "next before the last receipt": page_of(good_event(5), following=3),
    "oversized": b'{"events": [], "next": 0, "pad": "' + b"x" * FEED_MAX_BYTES + b'"}',
}


@pytest.mark.parametrize("what", sorted(BAD_ANSWERS))
def test_a_bad_feed_answer_is_refused_whole(
    records: Running, puller: tuple[FeedPuller, FaultProxy], what: str
) -> None:
    client, proxy = puller
    assert push(records, "a-door", [event("shift.start", subject=staff(2, "Ben"))]).ok
    proxy.script.append(Act("status", 200, body=BAD_ANSWERS[what]))
    with pytest.raises(FeedRefused):
        client.pull()
    assert stored_peers(client) == []  # nothing of the page, not even its good first event
    assert client.pull() == 1  # the real answer next time: stored once
    assert client.pull() == 0 and len(stored_peers(client)) == 1


def test_a_busy_service_is_tried_again_later(
    records: Running, puller: tuple[FeedPuller, FaultProxy]
) -> None:
    client, proxy = puller
    proxy.script.append(Act("status", 503, (("Retry-After", "7"),)))
    with pytest.raises(FeedUnavailable) as caught:
        client.pull()
    assert caught.value.wait_s == 7.0


def test_a_visitor_from_another_door_becomes_one_this_door_can_sign_out(
    records: Running, puller: tuple[FeedPuller, FaultProxy]
) -> None:
    client, _proxy = puller
    jo = visitor(1, "Jo Smith")
    assert push(records, "a-door", [event("visitor.in", subject=jo, lone_working=False)]).ok
    assert client.pull() == 1
    with client.store.reading() as session:
        row = session.scalars(select(Visitor).where(Visitor.uuid == jo["uuid"])).one()
        assert (row.name, row.organisation, row.visitor_type) == ("Jo Smith", None, "visitor")


def test_an_event_the_fold_cannot_use_is_kept_about_nobody_and_passed(
    records: Running, puller: tuple[FeedPuller, FaultProxy]
) -> None:
    """A kiosk of another version may send what this door cannot fold: the door keeps it (the
    feed goes on past it) and its taps and roll call go on as before."""
    client, proxy = puller
    odd_visit = good_event(2, kind="visitor.in", subject=A_VISITOR_WITHOUT_UUID)
    odd_reason = good_event(3, kind="device.out", payload={"device": "phone", "reason": "nap"})
    page = page_of(good_event(1), odd_visit, odd_reason, following=3)
    proxy.script.append(Act("status", 200, body=page))
    assert client.pull() == 3
    with client.store.reading() as session:
        assert peers.cursor(session) == 3
        rows = session.execute(select(PeerEvent.receipt, PeerEvent.staff_id, PeerEvent.visitor_id))
        assert sorted(rows) == [(1, 2, None), (2, None, None), (3, None, None)]
        state = load_site_state(session)
    assert list(state.staff) == [2] and not state.staff[2].out and state.visitors == {}


def test_a_page_that_comes_back_after_stop_is_left_for_next_time(
    records: Running, puller: tuple[FeedPuller, FaultProxy]
) -> None:
    """`kiosk sync` on SIGTERM: sets `stopped` and takes `storing` (so a page being stored is
    stored whole), then exits without waiting for a long-poll; a page that comes back after
    that is not stored, and the next start fetches it again."""
    client, _proxy = puller
    assert push(records, "a-door", [event("shift.start", subject=staff(2, "Ben"))]).ok
    pulled: list[int] = []
    with client.storing:  # as `kiosk sync` holds it once told to stop
        request = threading.Thread(target=lambda: pulled.append(client.pull()))
        request.start()
        client.stopped.set()
    request.join()
    assert pulled == [0] and stored_peers(client) == []
    client.stopped.clear()
    assert client.pull() == 1 and len(stored_peers(client)) == 1
