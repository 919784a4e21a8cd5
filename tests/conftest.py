"""Shared fixtures: a real SQLite database file per test, a clock that moves only when told."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.app import App, initialise
from kiosk.cli import main
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection
from kiosk.domain.types import StaffId

# A Tuesday morning in term time, outside daylight saving (so UTC == London time).
MORNING = datetime(2026, 11, 24, 7, 45, tzinfo=UTC)

MANAGER_UID, BEN_UID, CHLOE_UID, PRIYA_UID = "04A1B2C3D4E5F6", "5A3F9C21", "7B2E4D10", "9C8D7E6F"
MANAGER_PIN = "258036"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MORNING)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(kiosk=KioskSection(data_dir=str(tmp_path / "data")))


@pytest.fixture
def app(config: Config, clock: ManualClock) -> Iterator[App]:
    """The demo setting on a fresh database file: Amara (manager), Ben, Chloé, Priya."""
    app, _ = initialise(config, clock, demo=True)
    yield app
    app.close()


def staff_id(app: App, name: str) -> StaffId:
    from kiosk.services.lookup import find_staff

    with app.ctx.reading() as session:
        return StaffId(find_staff(session, name).id)


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def kiosk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run `kiosk ARGS` in-process on a demo database; returns (exit code, stdout, stderr)."""
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n')

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--config", str(config), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--demo")[0] == 0
    return run
