"""One setting with several doors for the roster tests: the console's changes made through its
own functions (as its pages make them), and kiosks that run `kiosk sync` as their own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.app import App, initialise, open_app
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, SyncSection, load_config
from kiosk.sync.server import roster
from kiosk.sync.server.audit import Actor
from kiosk.sync.server.registry import ensure_kiosk, register_kiosk
from kiosk.sync.server.tenancy import Person, Setting
from tests.conftest import MORNING
from tests.sync.server import Running

CONSOLE = Actor("manager-a", None, "127.0.0.1")


@dataclass
class Console:
    """The setting's manager at the console, one transaction per change like a page's POST."""

    engine: Engine
    setting_id: int

    def add(self, name: str, role: str = "staff", badge: str = "", locker: str = "") -> int:
        with Session(self.engine) as s, s.begin():
            setting = self._setting(s)
            person_id = roster.add_person(
                s, setting, CONSOLE, roster.PersonForm(name, role, locker)
            )
            if badge:
                roster.enrol_badge(s, setting, CONSOLE, self._person(s, person_id), badge)
            return person_id

    def set_pin(self, person_id: int, pin: str) -> None:
        with Session(self.engine) as s, s.begin():
            roster.set_pin(s, self._setting(s), CONSOLE, self._person(s, person_id), pin)

    def revoke(self, person_id: int, uid: str) -> None:
        with Session(self.engine) as s, s.begin():
            person = self._person(s, person_id)
            badge = next(b for b in roster.badges_of(s, person) if b.uid == uid)
            roster.revoke_badge(s, self._setting(s), CONSOLE, person, str(badge.id))

    def closing_time(self, hhmm: str) -> None:
        with Session(self.engine) as s, s.begin():
            self._setting(s).closing_time = hhmm
            roster.bump_roster(s, self.setting_id)

    def _setting(self, s: Session) -> Setting:
        found = s.get(Setting, self.setting_id)
        assert found is not None
        return found

    def _person(self, s: Session, person_id: int) -> Person:
        found = s.get(Person, person_id)
        assert found is not None
        return found


def setting_with_doors(records: Running, *kiosk_ids: str) -> Console:
    """A setting whose kiosks are `kiosk_ids` (the first registered by its token)."""
    with Session(records.engine) as s, s.begin():
        setting_id = ensure_kiosk(s, kiosk_ids[0])
        for other in kiosk_ids[1:]:
            register_kiosk(s, setting_id, other)
    return Console(records.engine, setting_id)


def door(root: Path, kiosk_id: str, url: str, token: str, *, demo: bool = False) -> Path:
    """A kiosk's database and config file (pointing at `url`); returns the config file."""
    token_file = root / f"{kiosk_id}.token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    data = root / kiosk_id
    config = Config(kiosk=KioskSection(id=kiosk_id, data_dir=str(data)),
                    sync=SyncSection(url=url, token_file=str(token_file)))  # fmt: skip
    app, _ = initialise(config, ManualClock(MORNING), demo=demo)
    app.close()
    path = root / f"{kiosk_id}.toml"
    path.write_text(
        f'[kiosk]\nid = "{kiosk_id}"\ndata_dir = "{data}"\n'
        f'[sync]\nurl = "{url}"\ntoken_file = "{token_file}"\n'
    )
    return path


def kiosk(config_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `kiosk` command as its own process, on this kiosk's config."""
    env = {**os.environ, "KIOSK_CONFIG": str(config_file)}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def sync_once(config_file: Path) -> dict[str, Any]:
    done = kiosk(config_file, "sync", "--once", "--json")
    assert done.returncode == 0, done.stderr
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def open_door(config_file: Path, clock: ManualClock) -> App:
    return open_app(load_config(str(config_file)), clock)
