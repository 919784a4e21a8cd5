"""Sync throughput (issue 5): the kiosk's pusher against the real records service over loopback.

1. 100,000 events from one kiosk database to the service on SQLite and on PostgreSQL, in batches,
   beside one request per event for the first 2,000 (the baseline) in the same run;
2. 20 kiosks pushing at once (20 `kiosk sync --once` processes) to one service on PostgreSQL:
   total time, and every event stored exactly once;
3. a 3,000-event backlog drained through a link that loses one request in five (issue #11),
   beside the same backlog through the same proxy losing nothing, in the same run
   (`python bench/bench_sync.py lossy` runs only this).
The service runs as `kiosk records serve` in its own process; PostgreSQL is a throwaway cluster.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text

from bench.common import machine, median, stamp
from kiosk.app import initialise
from kiosk.config import Config, KioskSection, SyncSection
from kiosk.store.models import Event, KioskCounter, Staff
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.server import db
from kiosk.sync.server.tokens import add_token
from tests.sync import pg
from tests.sync.faultproxy import Act, FaultProxy

EVENTS, BASELINE, KIOSKS, PER_KIOSK = 100_000, 2_000, 20, 5_000
LOSSY_EVENTS, LOSSY_BATCH = 3_000, 100
LOSSES = (Act("reset"), Act("drop_response"))


def make_kiosk(root: Path, kiosk_id: str, count: int, url: str = "", token: str = "") -> Config:
    token_file = root / f"{kiosk_id}.token"
    token_file.write_text(token)
    token_file.chmod(0o600)  # `kiosk sync` refuses a token file others can read
    config = Config(
        kiosk=KioskSection(id=kiosk_id, data_dir=str(root / kiosk_id)),
        sync=SyncSection(url=url, token_file=str(token_file), batch_size=1000),
    )
    app, _ = initialise(config, demo=True)
    with app.store.transaction() as session:
        staff = list(session.scalars(select(Staff.id)))
        start = session.scalar(select(func.max(Event.seq))) or 0
        t0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
        rows = [
            {
                "id": str(uuid.uuid4()),
                "kiosk_id": kiosk_id,
                "seq": start + i,
                "kind": "badge.refused",
                "occurred_at": t0 + timedelta(seconds=i),
                "clock_synced": True,
                "boot_id": "bench",
                "mono_ns": i,
                "staff_id": staff[i % len(staff)],
                "payload": {"uid": f"{i:08X}", "why": "bench"},
            }
            for i in range(1, count + 1)
        ]
        session.execute(insert(Event), rows)
        session.get(KioskCounter, kiosk_id).last_seq = start + count  # type: ignore[union-attr]
    app.close()
    return config


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()
    child = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "records", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import requests

    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
            return child
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError("records service did not start")


def push(config: Config, url: str, token: str, batch: int) -> tuple[int, float]:
    from kiosk.store.db import Store

    store = Store(config.database_path)
    settings = PushSettings(
        url=url, kiosk_id=config.kiosk.id, token=token, batch_size=batch, backoff=Backoff(0.05, 1)
    )
    pusher = Pusher(store, settings)
    started = time.perf_counter()
    sent = pusher.push().sent
    elapsed = time.perf_counter() - started
    pusher.close()
    store.close()
    return sent, elapsed


def kiosk_events(config: Config) -> int:
    from kiosk.store.db import Store

    store = Store(config.database_path)
    with store.reading() as session:
        count = int(session.scalar(select(func.count()).select_from(Event)) or 0)
    store.close()
    return count


def stored(url: str) -> tuple[int, int]:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        total, distinct = conn.execute(
            text("SELECT count(*), count(DISTINCT id) FROM events")
        ).one()
    engine.dispose()
    return int(total), int(distinct)


def one_backend(name: str, url: str, work: Path) -> None:
    port = pg.free_port()
    server = serve(url, port)
    base = f"http://127.0.0.1:{port}"
    engine = db.make_engine(url)
    try:
        single = make_kiosk(work, f"{name}-single", BASELINE, token="")
        n1, t1 = push(single, base, add_token(engine, f"{name}-single"), batch=1)
        bulk = make_kiosk(work, f"{name}-bulk", EVENTS)
        n2, t2 = push(bulk, base, add_token(engine, f"{name}-bulk"), batch=1000)
    finally:
        server.terminate()
        server.wait()
        engine.dispose()
    total, distinct = stored(url)
    print(f"{name:<10} one request per event: {n1:>7,} events {t1:7.2f} s {n1 / t1:9,.0f} events/s")
    print(
        f"{name:<10} batches of 1,000:      {n2:>7,} events {t2:7.2f} s {n2 / t2:9,.0f} events/s"
        f"   ratio {n2 / t2 / (n1 / t1):5.1f}x   stored {total:,} (distinct {distinct:,})"
    )


def crowd(url: str, work: Path) -> None:
    port = pg.free_port()
    server = serve(url, port)
    engine = db.make_engine(url)
    base = f"http://127.0.0.1:{port}"
    configs, kiosks = [], []
    for k in range(KIOSKS):
        kiosk_id = f"crowd-{k:02d}"
        cfg = make_kiosk(work, kiosk_id, PER_KIOSK, url=base, token=add_token(engine, kiosk_id))
        path = work / f"{kiosk_id}.toml"
        path.write_text(
            f'[kiosk]\nid = "{kiosk_id}"\ndata_dir = "{cfg.kiosk.data_dir}"\n[sync]\n'
            f'url = "{base}"\ntoken_file = "{cfg.sync.token_file}"\nbatch_size = 1000\n'
        )
        configs.append(path)
        kiosks.append(cfg)
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(p), "sync", "--once"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in configs
    ]
    codes = [c.wait() for c in children]
    elapsed = time.perf_counter() - started
    # Counted after the run: each kiosk's first fetch of its setting records a `roster.applied`,
    # pushed with the rest, so the kiosks hold 20 events more than they were loaded with.
    expected = sum(kiosk_events(cfg) for cfg in kiosks)
    server.terminate()
    server.wait()
    engine.dispose()
    total, distinct = stored(url)
    print(
        f"20 kiosks at once on postgresql: {total:,} events in {elapsed:.2f} s "
        f"({total / elapsed:,.0f} events/s); exit codes {set(codes)}; "
        f"distinct {distinct:,}; lost or doubled: {'none' if total == distinct == expected else 'YES'}"
        f" (expected {expected:,})"
    )


def drain(config: Config, url: str, token: str, script: list[Act]) -> tuple[float, int, int]:
    """Push a kiosk's whole backlog through a fault proxy running `script`, with the shipped
    backoff: (seconds, events sent, failed requests)."""
    from kiosk.store.db import Store

    port = int(url.rsplit(":", 1)[1])
    proxy = FaultProxy(port).start()
    proxy.script.extend(script)
    store = Store(config.database_path)
    settings = PushSettings(url=proxy.url, kiosk_id=config.kiosk.id, token=token,
                            batch_size=LOSSY_BATCH)  # fmt: skip
    pusher = Pusher(store, settings)
    started = time.perf_counter()
    result = pusher.push()
    elapsed = time.perf_counter() - started
    pusher.close()
    store.close()
    proxy.stop()
    lost = sum(kind != "pass" for kind in proxy.seen)
    return elapsed, result.sent, lost


def lossy(work: Path, runs: int = 3) -> None:
    """Each run drains two fresh kiosks of LOSSY_EVENTS: one through a clean proxy (the
    baseline) and one where each request is lost with probability 1/5, on the way in (reset)
    or on the way back (the service stored it, the kiosk never heard)."""
    port = pg.free_port()
    url = f"sqlite:///{work / 'lossy.sqlite3'}"
    server = serve(url, port)
    engine = db.make_engine(url)
    base = f"http://127.0.0.1:{port}"
    clean_s, lossy_s, failed, request_s = [], [], [], []
    try:
        for run in range(runs):
            rng = random.Random(run)
            script = [rng.choice(LOSSES) if rng.random() < 0.2 else Act("pass") for _ in range(500)]
            for name, acts, times in (("clean", [], clean_s), ("lossy", script, lossy_s)):
                kiosk_id = f"{name}-{run}"
                config = make_kiosk(work, kiosk_id, LOSSY_EVENTS)
                elapsed, sent, lost = drain(config, base, add_token(engine, kiosk_id), acts)
                times.append(elapsed)
                if name == "clean":  # a request's own time: the clean drain over its requests
                    request_s.append(elapsed / (sent / LOSSY_BATCH + 2))
                else:
                    failed.append(lost)
    finally:
        server.terminate()
        server.wait()
        engine.dispose()
    clean, slow, each = median(clean_s), median(lossy_s), median(request_s)
    aim = 2 * clean + median(failed) * each
    print(
        f"lossy link (1 in 5 requests lost), {LOSSY_EVENTS:,} events in batches of {LOSSY_BATCH}, "
        f"median of {runs}:\n  clean link {clean:6.2f} s   (runs {_runs(clean_s)})\n"
        f"  lossy link {slow:6.2f} s   (runs {_runs(lossy_s)}; requests lost {failed})\n"
        f"  ratio lossy / clean {slow / clean:4.2f}x;  aim (2x clean + lost requests' own time, "
        f"{each * 1000:.0f} ms each) {aim:.2f} s: {'met' if slow <= aim else 'NOT met'}"
    )


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> int:
    print(f"sync bench, {stamp()}, {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lossy(work)
        if sys.argv[1:] == ["lossy"]:
            return 0
        one_backend("sqlite", f"sqlite:///{work / 'records.sqlite3'}", work)
        reason = pg.unavailable()
        if reason:
            print(f"postgresql: skipped ({reason})")
            return 0
        cluster = pg.start_cluster(durable=True)
        try:
            with (
                db.make_engine(cluster.url())
                .execution_options(isolation_level="AUTOCOMMIT")
                .connect() as c
            ):
                c.execute(text("CREATE DATABASE bench_one"))
                c.execute(text("CREATE DATABASE bench_crowd"))
            one_backend("postgresql", cluster.url("bench_one"), work)
            crowd(cluster.url("bench_crowd"), work)
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
