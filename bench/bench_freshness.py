"""Freshness (issue 11): how long from a badge tap at one door to the event on the manager's page
and at the other door of the setting, with both doors online.

Two kiosk databases (front, garden) of one setting, each with its own `kiosk sync` process, and
`kiosk records serve` on SQLite and then on PostgreSQL, all over loopback as a setting runs them. A few hundred shift
starts and ends are recorded at the front door, one every TAP_GAP_S as people arrive; the times
come from the databases afterwards (the service's `received_at`, which the page shows from the
moment its transaction commits; the garden's `peer_events.received_at`), minus the time the
front door's commit returned. Baseline, in the same run: the floor of the path, one event pushed
straight to the service and then read from the feed (no waiting anywhere), a round trip each.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.bench_sync import serve
from bench.common import machine, percentile, stamp
from kiosk.app import App, initialise
from kiosk.clock import SystemClock
from kiosk.config import Config, KioskSection, SyncSection
from kiosk.store.models import PeerEvent
from kiosk.sync.contract import API_PREFIX
from kiosk.sync.server import db
from kiosk.sync.server.registry import first_organisation, new_setting, register_kiosk
from kiosk.sync.server.tokens import add_token
from tests.sync import pg
from tests.sync.kiosks import write_config

TAPS, TAP_GAP_S, BASELINE_ROUNDS = 300, 0.1, 50
PATIENCE_S = 300.0


def setting(url: str) -> dict[str, str]:
    """The service's database with one setting of two doors; their tokens."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Session(engine) as session, session.begin():
        org = first_organisation(session)
        place = new_setting(session, org, "Bench nursery").id
        for kiosk in ("front", "garden"):
            register_kiosk(session, place, kiosk)
    tokens = {kiosk: add_token(engine, kiosk) for kiosk in ("front", "garden")}
    engine.dispose()
    return tokens


def door(root: Path, kiosk: str, url: str, token: str) -> tuple[App, subprocess.Popen[bytes]]:
    root.mkdir(parents=True, exist_ok=True)
    token_file = root / f"{kiosk}.token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    config = Config(kiosk=KioskSection(id=kiosk, data_dir=str(root / kiosk)),
                    sync=SyncSection(url=url, token_file=str(token_file)))  # fmt: skip
    app, _ = initialise(config, SystemClock(), demo=True)
    path = write_config(app, root / f"{kiosk}.toml", url)
    env = {**os.environ, "KIOSK_CONFIG": str(path)}
    child = subprocess.Popen([sys.executable, "-m", "kiosk", "sync"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return app, child


def taps(front: App) -> dict[str, datetime]:
    """Shift starts and ends at the front door: event id -> when its commit returned."""
    from tests.conftest import staff_id

    ben = staff_id(front, "Ben Carter")
    done: dict[str, datetime] = {}
    for i in range(TAPS):
        if i % 2 == 0:
            recorded = front.kiosk.start_shift(ben, ["phone"], locker="2")
        else:
            recorded = front.kiosk.end_shift(ben)
        done[recorded.event_id] = datetime.now(UTC)
        time.sleep(TAP_GAP_S)  # people arrive one after another, not all at once
    return done


def garden_times(garden: App, ids: set[str]) -> dict[str, datetime]:
    deadline = time.monotonic() + PATIENCE_S
    while True:
        with garden.store.reading() as session:
            rows = session.execute(select(PeerEvent.id, PeerEvent.received_at)).all()
        found = {i: at for i, at in rows if i in ids}
        if len(found) == len(ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def page_times(url: str, ids: set[str]) -> dict[str, datetime]:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, received_at FROM events")).all()
    engine.dispose()
    return {i: datetime.fromisoformat(at) for i, at in rows if i in ids}


def baseline(base: str, tokens: dict[str, str]) -> list[float]:
    """One event pushed straight to the service, then read from the feed: the path's floor."""
    feed = f"{base}{API_PREFIX}/kiosks/garden/feed"
    after = requests.get(feed, headers=_auth(tokens["garden"]), timeout=30).json()["next"]
    rounds = []
    for n in range(BASELINE_ROUNDS):
        event = {"id": str(uuid.uuid4()), "seq": 10_000_000 + n, "kind": "shift.start",
                 "occurred_at": datetime.now(UTC).isoformat(), "clock_synced": True,
                 "boot_id": "bench", "mono_ns": n, "payload": {},
                 "subject": {"type": "staff", "id": 3}}  # fmt: skip
        started = time.perf_counter()
        requests.post(f"{base}{API_PREFIX}/kiosks/front/events", json={"events": [event]},
                      headers={**_auth(tokens["front"]), "Idempotency-Key": event["id"]},
                      timeout=30).raise_for_status()  # fmt: skip
        page = requests.get(feed, params={"after": after}, headers=_auth(tokens["garden"]),
                            timeout=30).json()  # fmt: skip
        rounds.append(time.perf_counter() - started)
        after = page["next"]
    return rounds


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _line(name: str, seconds: list[float]) -> str:
    p50, p95 = percentile(seconds, 50), percentile(seconds, 95)
    return f"{name:<34} {len(seconds):>4} taps  p50 {p50 * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms"


def one_backend(name: str, url: str, work: Path) -> int:
    """The run on one database for the service; how many taps never reached the garden."""
    tokens = setting(url)
    port = pg.free_port()
    server = serve(url, port)
    base = f"http://127.0.0.1:{port}"
    doors = [door(work / name, kiosk, base, tokens[kiosk]) for kiosk in ("front", "garden")]
    try:
        (front, _), (garden, _) = doors
        tapped = taps(front)
        at_garden = garden_times(garden, set(tapped))
        on_page = page_times(url, set(tapped))
        floor = baseline(base, tokens)
    finally:
        for app, child in doors:
            child.terminate()
            child.wait(timeout=60)
            app.close()
        server.terminate()
        server.wait(timeout=30)
    print(f"-- records service on {name}")
    print(_line("baseline: push + feed, no waits", floor).replace(" taps", " rounds"))
    print(_line("tap at front -> manager's page", _delays(tapped, on_page)))
    print(_line("tap at front -> garden door", _delays(tapped, at_garden)))
    missing = len(tapped) - len(at_garden)
    print(f"events not at the garden after {PATIENCE_S:.0f} s: {missing}")
    return missing


def _delays(tapped: dict[str, datetime], seen: dict[str, datetime]) -> list[float]:
    return [(seen[i] - t).total_seconds() for i, t in tapped.items() if i in seen]


def main() -> int:
    print(f"freshness bench, {stamp()}, {machine()}")
    work = Path(tempfile.mkdtemp(prefix="bench-fresh-"))
    missing = one_backend("sqlite", f"sqlite:///{work / 'records.sqlite3'}", work)
    reason = pg.unavailable()
    if reason:
        print(f"postgresql: skipped ({reason})")
        return 1 if missing else 0
    cluster = pg.start_cluster(durable=True)
    try:
        admin = db.make_engine(cluster.url()).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE bench_fresh"))
        admin.dispose()
        missing += one_backend("postgresql", cluster.url("bench_fresh"), work)
    finally:
        cluster.stop()
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
