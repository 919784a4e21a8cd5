"""The setting's down-sync (issue 11): what a kiosk's fetch costs when nothing changed, beside
fetching the whole snapshot of a 200-staff setting, over loopback HTTP to the records service
(uvicorn, SQLite file), in the same run; and the kiosk taking a changed snapshot (fetch, check
whole, apply in one transaction). Medians."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests
from sqlalchemy.orm import Session

from bench.common import machine, median, stamp
from kiosk.app import initialise
from kiosk.clock import SystemClock
from kiosk.config import Config, KioskSection, SyncSection
from kiosk.security import hash_pin
from kiosk.sync.contract import SETTING_PATH
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.roster import Pulled, RosterPuller
from kiosk.sync.server import db
from kiosk.sync.server.registry import bump_roster, ensure_kiosk
from kiosk.sync.server.tenancy import Badge, Person
from tests.sync.server import serve

STAFF, MANAGERS, FULL_RUNS, NOT_MODIFIED_RUNS, APPLY_RUNS = 200, 20, 50, 300, 10


def roster(engine: object) -> int:
    """A setting of STAFF people, each with a badge; MANAGERS of them with a kiosk PIN."""
    pin = hash_pin("2468")  # one hash for all: scrypt is slow on purpose
    with Session(engine) as s, s.begin():  # type: ignore[call-overload]
        setting_id = ensure_kiosk(s, "front-door")
        for n in range(STAFF):
            manager = n < MANAGERS
            person = Person(setting_id=setting_id, name=f"Staff Member {n:03d}",
                            role="manager" if manager else "staff",
                            pin_hash=pin if manager else None, created_at="2026-12-02")  # fmt: skip
            s.add(person)
            s.flush()
            s.add(Badge(setting_id=setting_id, person_id=person.id, uid=f"{0xA0000000 + n:08X}",
                        enrolled_at="2026-12-02"))  # fmt: skip
        bump_roster(s, setting_id)
        return int(setting_id)


def timed(call: object, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    engine = db.make_engine(f"sqlite:///{root / 'records.sqlite3'}")
    service = serve(engine)
    setting_id = roster(engine)
    token = service.token("front-door")
    url = service.url + SETTING_PATH.format(kiosk_id="front-door")
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    first = http.get(url, timeout=30)
    etag, size = first.headers["ETag"], len(first.content)

    def full() -> None:
        assert http.get(url, timeout=30).status_code == 200

    def not_modified() -> None:
        assert http.get(url, headers={"If-None-Match": etag}, timeout=30).status_code == 304

    full_ms = timed(full, FULL_RUNS)
    same_ms = timed(not_modified, NOT_MODIFIED_RUNS)

    token_file = root / "token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    config = Config(kiosk=KioskSection(id="front-door", data_dir=str(root / "kiosk")),
                    sync=SyncSection(url=service.url, token_file=str(token_file)))  # fmt: skip
    app, _ = initialise(config)
    pusher = Pusher(app.store, PushSettings(url=service.url, kiosk_id="front-door", token=token))
    puller = RosterPuller(pusher, config, SystemClock())

    def changed_and_applied() -> None:
        with Session(engine) as s, s.begin():
            bump_roster(s, setting_id)
        assert puller.pull().outcome == Pulled.APPLIED

    apply_ms = timed(changed_and_applied, APPLY_RUNS)

    def unchanged() -> None:
        assert puller.pull().outcome == Pulled.UNCHANGED

    unchanged_ms = timed(unchanged, NOT_MODIFIED_RUNS)
    pusher.close()
    app.close()
    service.stop()
    print(f"machine: {machine()}; {stamp()}")
    print(
        f"setting of {STAFF} staff ({MANAGERS} with a PIN), {STAFF} badges: snapshot {size:,} bytes"
    )
    print(
        f"GET full snapshot (200):            median {median(full_ms):6.2f} ms  ({FULL_RUNS} runs)"
    )
    print(f"GET If-None-Match, unchanged (304): median {median(same_ms):6.2f} ms  "
          f"({NOT_MODIFIED_RUNS} runs)")  # fmt: skip
    print(f"ratio full / 304: {median(full_ms) / median(same_ms):.1f}x")
    print(f"kiosk pull, unchanged (304, nothing applied): median {median(unchanged_ms):6.2f} ms")
    print(f"kiosk pull, changed (fetch + check + apply + event): median {median(apply_ms):6.2f} ms "
          f"({APPLY_RUNS} runs)")  # fmt: skip


if __name__ == "__main__":
    main()
