"""Retries that recover (issue #11): on a lossy link the pusher's count of failures in a row
starts again with every batch that gets through, and `kiosk sync --once` gives up promptly and
says why when the records service cannot be reached at all, rather than after ~130 s."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import App
from kiosk.cli import main
from kiosk.cli.sync import ONCE_MAX_UNREACHABLE
from kiosk.sync.backoff import Backoff
from tests.sync.faultproxy import Act, FaultProxy
from tests.sync.kiosks import add_events, make_kiosk, sync_counts, write_config
from tests.sync.pg import free_port
from tests.sync.server import Running
from tests.sync.test_pusher import pusher_for, stored_once


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[App]:
    app = make_kiosk(tmp_path, "entrance-1")
    add_events(app, 350)  # four batches of 100 and a few
    yield app
    app.close()


@pytest.fixture
def proxy(records: Running) -> Iterator[FaultProxy]:
    fault = FaultProxy(records.port).start()
    yield fault
    fault.stop()


@pytest.mark.parametrize(
    ("failures", "low", "high"),
    [(1, 0.0, 0.0), (2, 0.5, 1.0), (3, 1.0, 2.0), (4, 2.0, 4.0), (12, 150.0, 300.0)],
)
def test_backoff_retries_at_once_then_doubles_to_its_cap(
    failures: int, low: float, high: float
) -> None:
    rng = random.Random(failures)
    delays = [Backoff(1.0, 300.0).delay_s(failures, rng) for _ in range(50)]
    assert all(low <= d <= high for d in delays)


def test_scattered_failures_never_add_up_to_a_give_up(
    kiosk: App, records: Running, proxy: FaultProxy
) -> None:
    """Of four batches, the 2nd, 3rd and 4th each lost once (before the service saw it, after,
    and its answer): with at most two failures in a row allowed the push still finishes,
    because every batch that got through started the count again. It gave up at the 2nd loss."""
    proxy.script.extend([Act("pass"), Act("reset"), Act("pass"), Act("reset_after"),
                         Act("pass"), Act("drop_response")])  # fmt: skip
    result = pusher_for(kiosk, records, url=proxy.url).push(max_failures=2)
    assert result.finished and result.retries == 3, result
    assert proxy.seen[:6] == ["pass", "reset", "pass", "reset_after", "pass", "drop_response"]
    stored_once(kiosk, records)


def test_connections_lost_on_the_way_are_not_an_unreachable_service(
    kiosk: App, records: Running, proxy: FaultProxy
) -> None:
    """A reset after the connection was made is a lossy link, not a service that is down."""
    proxy.script.extend([Act("reset"), Act("reset_after"), Act("drop_response")])
    result = pusher_for(kiosk, records, url=proxy.url).push(max_unreachable=1)
    assert result.finished and result.retries == 3
    stored_once(kiosk, records)


def test_an_unreachable_service_is_given_up_on_and_named(kiosk: App, records: Running) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    result = pusher_for(kiosk, records, url=url).push(max_unreachable=3)
    assert not result.finished and result.retries == 3
    assert result.last_error == f"cannot reach the records service at {url} (Connection refused)"
    assert set(sync_counts(kiosk)) == {"pending"}


def test_sync_once_offline_gives_up_after_a_few_tries_and_says_why(
    kiosk: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It took ~130 s (12 tries, waits up to 30 s) to give up on a refused connection."""
    url = f"http://127.0.0.1:{free_port()}"
    config = write_config(kiosk, tmp_path / "kiosk.toml", url)
    pending = sync_counts(kiosk)["pending"]
    assert main(["--config", str(config), "sync", "--once", "--json"]) == 1
    out, err = capsys.readouterr()
    figures = json.loads(out)
    assert figures["retries"] == ONCE_MAX_UNREACHABLE and figures["now_pending"] == pending
    assert f"cannot reach the records service at {url} (Connection refused)" in err
    assert f"the {pending} pending events are kept and will be sent later" in err


def test_the_message_names_the_service_without_a_password_in_its_url(
    kiosk: App, records: Running
) -> None:
    port = free_port()
    result = pusher_for(kiosk, records, url=f"http://kiosk:s3cret@127.0.0.1:{port}/").push(
        max_unreachable=1
    )
    assert result.last_error.startswith(
        f"cannot reach the records service at http://127.0.0.1:{port} ("
    )
    assert "s3cret" not in result.last_error
