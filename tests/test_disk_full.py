"""A full disk: the action is refused as 'not recorded', nothing half-written, and the kiosk
carries on as soon as there is space again. Uses a real, tiny tmpfs (needs root, as CI has)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection
from kiosk.domain.types import VisitorType
from kiosk.services import NotRecorded
from tests.conftest import MORNING, staff_id


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass  # ENOSPC: the disk is full, which is the point
    finally:
        os.close(fd)
    return filler


def test_full_disk_is_not_recorded_and_recovers(small_disk: Path) -> None:
    config = Config(kiosk=KioskSection(data_dir=str(small_disk / "data")))
    app: App
    app, _ = initialise(config, ManualClock(MORNING), demo=True)
    ben = staff_id(app, "Ben")
    before = app.kiosk.roll_call.status()["last_seq"]
    filler = fill(small_disk)
    with pytest.raises(NotRecorded) as caught:
        for _ in range(200):  # WAL pages already allocated may absorb a few writes first
            app.kiosk.start_shift(ben, [], no_device=True)
            app.kiosk.end_shift(ben)
    assert "Not recorded" in str(caught.value)
    filler.unlink()
    after_failure = app.kiosk.roll_call.status()["last_seq"]
    recovered = app.kiosk.visitors.sign_in(
        VisitorType.VISITOR,
        "After Full", "", "", acknowledged=True, lone_working=False,
    )  # fmt: skip
    assert recovered.seq == after_failure + 1 > before
    with app.store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    app.close()
