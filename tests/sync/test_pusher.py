"""The kiosk's pusher against the real records service over loopback, with faults injected by a
TCP proxy between them. Every scenario ends with each event stored exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from kiosk.app import App
from kiosk.domain.types import PolicyError
from kiosk.sync import outbox
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings, check_url
from kiosk.sync.server.ingest import count_events
from kiosk.sync.server.models import KioskReport, RecordEvent, Subject
from tests.sync.faultproxy import Act, FaultProxy
from tests.sync.kiosks import add_events, kiosk_ids, make_kiosk, sync_counts
from tests.sync.server import Running

FAST = Backoff(base_s=0.01, cap_s=0.05)


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[App]:
    app = make_kiosk(tmp_path, "entrance-1")
    add_events(app, 250)
    yield app
    app.close()


def pusher_for(app: App, records: Running, url: str | None = None, **changes: object) -> Pusher:
    settings = PushSettings(
        url=url or records.url,
        kiosk_id=app.config.kiosk.id,
        token=records.token(app.config.kiosk.id),
        batch_size=100,
        connect_timeout_s=1,
        read_timeout_s=2,
        backoff=FAST,
    )
    for key, value in changes.items():
        object.__setattr__(settings, key, value)
    return Pusher(app.store, settings)


def stored_once(app: App, records: Running) -> None:
    """Every kiosk event is on the server exactly once, and the kiosk knows it."""
    with records.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(RecordEvent.id))]
    assert len(ids) == len(set(ids))
    assert set(ids) == kiosk_ids(app)
    assert sync_counts(app) == {"sent": len(ids)}


def test_happy_path_sends_everything_with_names(kiosk: App, records: Running) -> None:
    pusher = pusher_for(kiosk, records)
    result = pusher.push()
    assert result.finished and result.sent == len(kiosk_ids(kiosk))
    stored_once(kiosk, records)
    with records.engine.connect() as conn:
        names = set(conn.scalars(select(Subject.name)))
        report = conn.execute(select(KioskReport.pending, KioskReport.dead)).one()
    assert names == {"Amara Okafor", "Ben Carter", "Chloé Dubois", "Priya Shah"}
    assert tuple(report) == (0, 0)
    assert pusher.push().sent == 0  # nothing left: a second run sends nothing


@pytest.fixture
def proxy(records: Running) -> Iterator[FaultProxy]:
    fault = FaultProxy(records.port).start()
    yield fault
    fault.stop()


def test_server_down_then_up(kiosk: App, records: Running, tmp_path: Path) -> None:
    from tests.sync.pg import free_port

    dead_port = free_port()  # nothing listens here
    pusher = pusher_for(kiosk, records, url=f"http://127.0.0.1:{dead_port}")
    result = pusher.push(max_failures=3)
    assert not result.finished and result.retries == 3
    assert "cannot reach the records service" in result.last_error
    assert sync_counts(kiosk).get("sent", 0) == 0
    assert pusher_for(kiosk, records).push().finished
    stored_once(kiosk, records)


IN_TWO_SECONDS = "an HTTP-date two seconds after the test starts"


@pytest.mark.parametrize(
    "faults",
    [
        [Act("status", 500), Act("status", 502), Act("status", 503), Act("status", 504)],
        [Act("status", 429, (("Retry-After", "1"),))],
        [Act("status", 503, (("Retry-After", IN_TWO_SECONDS),))],
        [Act("reset"), Act("reset_after"), Act("reset")],
        [Act("drop_response"), Act("pass"), Act("drop_response")],
        [Act("slow", delay_s=3.0)],
        # While streaming: batch 1 accepted, batch 2 (already sent as batch 1 was marked) reset,
        # then again for batch 3. Marking a batch sent before its answer would lose it here.
        [Act("pass"), Act("reset"), Act("pass"), Act("reset_after")],
    ],
    ids=["5xx", "429-seconds", "503-http-date", "reset", "response-lost", "slow", "mid-stream"],
)
def test_faults_are_retried_until_stored_once(
    kiosk: App, records: Running, proxy: FaultProxy, faults: list[Act]
) -> None:
    if faults[0].headers == (("Retry-After", IN_TWO_SECONDS),):
        when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
        faults = [Act("status", 503, (("Retry-After", when),))]
    proxy.script.extend(faults)
    started = time.monotonic()
    result = pusher_for(kiosk, records, url=proxy.url).push()
    assert result.finished and result.retries >= 1
    assert proxy.seen[: len(faults)] == [f.kind for f in faults]
    if faults[0].headers:  # Retry-After honoured: at least ~1 s waited, not the 10 ms backoff
        assert time.monotonic() - started >= 0.9
    stored_once(kiosk, records)


def test_a_batch_too_large_is_split(kiosk: App, records: Running) -> None:
    add_events(kiosk, 1200)
    result = pusher_for(kiosk, records, batch_size=1500).push()
    assert result.finished and result.dead == 0
    stored_once(kiosk, records)


def test_refused_events_go_dead_without_blocking_the_rest(kiosk: App, records: Running) -> None:
    with kiosk.store.transaction() as session:  # two events no server should accept
        session.execute(text("UPDATE events SET kind = 'BAD KIND' WHERE seq IN (40, 140)"))
    result = pusher_for(kiosk, records).push()
    assert result.finished and result.dead == 2
    assert sync_counts(kiosk)["dead"] == 2
    total = len(kiosk_ids(kiosk))
    assert count_events(records.engine) == total - 2
    with records.engine.connect() as conn:
        report = conn.execute(select(KioskReport.dead, KioskReport.dead_events)).one()
    assert report[0] == 2 and {d["seq"] for d in report[1]} == {40, 140}


def test_a_revoked_token_sends_batches_dead_and_they_can_be_requeued(
    kiosk: App, records: Running
) -> None:
    from kiosk.sync.server.tokens import revoke_tokens

    pusher = pusher_for(kiosk, records)
    revoke_tokens(records.engine, "entrance-1")
    result = pusher.push()
    assert result.finished and result.sent == 0 and result.dead == len(kiosk_ids(kiosk))
    records.tokens.clear()
    assert outbox.requeue_dead(kiosk.store) == result.dead
    assert pusher_for(kiosk, records).push().sent == result.dead
    stored_once(kiosk, records)


@pytest.mark.parametrize(
    ("url", "allowed", "ok"),
    [
        ("https://records.example.org", False, True),
        ("http://127.0.0.1:8080", False, True),
        ("http://localhost:8080", False, True),
        ("http://[::1]:8080", False, True),
        ("http://records.lan:8080", False, False),
        ("http://10.0.0.5:8080", False, False),
        ("http://10.0.0.5:8080", True, True),
        ("ftp://records.example.org", True, False),
    ],
)
def test_plain_http_only_to_loopback_unless_allowed(url: str, allowed: bool, ok: bool) -> None:
    if ok:
        check_url(url, allowed)
    else:
        with pytest.raises(PolicyError):
            check_url(url, allowed)
