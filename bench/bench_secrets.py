"""The cost of a secret: one scrypt hash at the old cost (N=2**14, the baseline) and at today's
(N=2**17), a manager's whole PIN check at the door (`ApprovalService.verify`, with the hash
upgrade an old PIN pays once), and the hash chain's cost per event. From these: how long an
offline guesser with a stolen SD card needs per PIN, per core of this machine.
Run: python bench/bench_secrets.py"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, median, stamp
from kiosk.app import initialise
from kiosk.config import Config, KioskSection
from kiosk.demo import DEMO_MANAGER_PIN
from kiosk.domain.chain import GENESIS, Link, event_hash
from kiosk.security import LEGACY, Scrypt, hash_secret
from kiosk.services.lookup import find_staff
from kiosk.store.models import Staff

SAMPLES = 7


def hash_times(params: Scrypt) -> list[float]:
    samples = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        hash_secret("258036", params)
        samples.append(time.perf_counter() - start)
    return samples


def pin_checks(folder: Path) -> tuple[list[float], list[float]]:
    """(the door's PIN check with a current hash, the first check of an old hash: + upgrade)"""
    app, _ = initialise(Config(kiosk=KioskSection(data_dir=str(folder))), demo=True)
    with app.ctx.reading() as session:
        amara = find_staff(session, "Amara").id
    current, upgrading = [], []
    for _ in range(SAMPLES):
        with app.ctx.recording() as session:
            row = session.get(Staff, amara)
            assert row is not None
            row.pin_hash = hash_secret(DEMO_MANAGER_PIN, LEGACY)
        for out in (upgrading, current):
            start = time.perf_counter()
            app.kiosk.approvals.verify(amara, DEMO_MANAGER_PIN)  # type: ignore[arg-type]
            out.append(time.perf_counter() - start)
    app.close()
    return current, upgrading


def chain_cost(n: int = 20000) -> float:
    link = Link("entrance-1", 1, "6f1c0b9e-4a59-4c1b-9d8e-2a7b1b3f0c11", "device.out",
                datetime.now(UTC), True, "boot", 1, 2, None,
                {"device": "phone", "reason": "emergency", "approver_id": 1})  # fmt: skip
    start = time.perf_counter()
    for _ in range(n):
        event_hash(link, GENESIS)
    return (time.perf_counter() - start) / n


def main() -> None:
    print(f"{machine()}; {stamp()}; medians of {SAMPLES}")
    legacy = median(hash_times(LEGACY))
    current_params = Scrypt(ln=17)
    current = median(hash_times(current_params))
    print(f"scrypt N=2**14 r=8 p=1 (old, baseline): {legacy * 1000:7.1f} ms  16 MiB")
    print(f"scrypt N=2**17 r=8 p=1 (today):         {current * 1000:7.1f} ms  "
          f"{current_params.memory_bytes // 2**20} MiB  ratio {current / legacy:.1f}x")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        door, first = pin_checks(Path(tmp))
    print(f"PIN check at the door (verify, record):   {median(door) * 1000:7.1f} ms")
    print(f"first check of an old hash (+ upgrade):  {median(first) * 1000:7.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:.0f} MiB")
    per_event = chain_cost()
    print(f"hash chain: {per_event * 1e6:.1f} us per event (SHA-256 over canonical JSON)")
    for digits in (4, 6):
        days = 10**digits * current / 86400
        print(f"offline, one core of this machine: every {digits}-digit PIN in {days:.2f} days")


if __name__ == "__main__":
    main()
