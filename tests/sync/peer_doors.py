"""Two doors of one setting for the issue-11 tests: each a kiosk database with the setting's
staff under the same ids (as the roster fetched down gives them), its own `kiosk sync` process,
and a fault proxy between it and the one records service, so a test can cut one door's network.

`Doors.until` waits for the state a test expects to be reported (kiosk databases, the service),
never for a fixed time: a busy machine only makes it take longer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, SyncSection
from kiosk.demo import DEMO_MANAGER_PIN, DEMO_STAFF
from kiosk.domain.types import Role
from kiosk.store.models import AppliedSetting, Staff
from kiosk.sync.server.overview import overview
from kiosk.sync.server.registry import register_kiosk
from kiosk.sync.server.tenancy import Setting
from tests.conftest import MORNING
from tests.sync.console import Org
from tests.sync.doors import Console
from tests.sync.faultproxy import FaultProxy
from tests.sync.kiosks import write_config
from tests.sync.server import Running

PATIENCE_S = 180.0  # how long a converging state may take on a loaded machine before failing


@dataclass
class Door:
    app: App
    clock: ManualClock
    proxy: FaultProxy
    log: Path
    child: subprocess.Popen[bytes] | None = None

    @property
    def id(self) -> str:
        return self.app.config.kiosk.id

    def start_sync(self, config: Path) -> None:
        env = {**os.environ, "KIOSK_CONFIG": str(config)}
        with self.log.open("ab") as stderr:
            self.child = subprocess.Popen([sys.executable, "-m", "kiosk", "sync"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=stderr)  # fmt: skip

    def stop_sync(self) -> None:
        if self.child and self.child.poll() is None:
            self.child.terminate()
            self.child.wait(timeout=60)


def make_door(root: Path, records: Running, kiosk_id: str) -> Door:
    token_file = root / f"{kiosk_id}.token"
    token_file.write_text(records.token(kiosk_id) + "\n")
    token_file.chmod(0o600)
    proxy = FaultProxy(records.port).start()
    config = Config(kiosk=KioskSection(id=kiosk_id, data_dir=str(root / kiosk_id)),
                    sync=SyncSection(url=proxy.url, token_file=str(token_file)))  # fmt: skip
    clock = ManualClock(MORNING)
    app, _ = initialise(config, clock, demo=True)  # the demo staff: the same ids at each door
    door = Door(app, clock, proxy, root / f"{kiosk_id}.log")
    door.start_sync(write_config(app, root / f"{kiosk_id}.toml", proxy.url, interval_s=0.5))
    return door


def applied(app: App) -> bool:
    with app.store.reading() as session:
        return session.get(AppliedSetting, 1) is not None


def roster(app: App) -> list[tuple[int, str]]:
    with app.store.reading() as session:
        return [(s.id, s.name) for s in session.scalars(select(Staff).order_by(Staff.id))]


@dataclass
class Doors:
    org: Org
    doors: list[Door] = field(default_factory=list)

    @property
    def records(self) -> Running:
        return self.org.records

    def advance(self, seconds: float) -> None:
        """Time passes at every door alike (their clocks are NTP-synchronised)."""
        for door in self.doors:
            door.clock.advance(seconds)

    def until(self, what: str, ready: Callable[[], bool]) -> None:
        deadline = time.monotonic() + PATIENCE_S
        while not ready():
            for door in self.doors:
                if door.child is not None and door.child.poll() is not None:
                    raise AssertionError(f"{door.id} sync exited: {door.log.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached in {PATIENCE_S} s: {what}")
            time.sleep(0.05)  # how often to look, not a deadline

    def page(self) -> dict[str, set[str]]:
        """The manager's On-site page as data: staff, devices out and visitors, across doors."""
        with Session(self.records.engine) as session:
            setting = session.get(Setting, self.org.a)
            assert setting is not None
        views = overview(self.records.engine, setting)
        return {
            "staff": {row[0] for v in views for row in v.staff},
            "out": {f"{row[0]}: {row[1]}" for v in views for row in v.out},
            "visitors": {row[0] for v in views for row in v.visitors},
        }


def door_view(door: Door) -> dict[str, set[str]]:
    """A door's roll call as the page shows it: names, devices out, visitors."""
    roll = door.app.kiosk.roll_call.now()
    return {
        "staff": {s.name for s in roll.staff},
        "out": {f"{s.name}: {d.device}" for s in roll.staff for d in s.out},
        "visitors": {v.name for v in roll.visitors},
    }


@contextmanager
def setting_with_doors(org: Org, root: Path, *kiosk_ids: str) -> Iterator[Doors]:
    """Kiosks of setting A (a-door is registered already), each syncing through its proxy."""
    with Session(org.records.engine) as session, session.begin():
        for kiosk_id in kiosk_ids:
            if kiosk_id != "a-door":
                register_kiosk(session, org.a, kiosk_id)
    console = Console(org.records.engine, org.a)
    for name, role, locker, uid in DEMO_STAFF:  # the console's roster: each door takes it
        person = console.add(name, str(role), badge=uid, locker=locker or "")
        if role == Role.MANAGER:
            console.set_pin(person, DEMO_MANAGER_PIN)
    doors = Doors(org)
    try:
        for kiosk_id in kiosk_ids:
            doors.doors.append(make_door(root, org.records, kiosk_id))
        doors.until("every door runs on the setting's roster", lambda: all(
            applied(d.app) for d in doors.doors))  # fmt: skip
        assert len({tuple(roster(d.app)) for d in doors.doors}) == 1, "rosters differ"
        yield doors
    finally:
        for door in doors.doors:
            door.stop_sync()
            door.proxy.stop()
            door.app.close()
