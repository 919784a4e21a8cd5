"""The Pi installer, run as root against a scratch root directory: twice (the second run changes
nothing), with a setting edited in between (kept), and in --dry-run mode (prints every step,
changes nothing). Packages, the venv and the database step are skipped in a scratch root."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

INSTALLER = Path(__file__).parent.parent / "scripts" / "install_pi.py"
STEPS = ("packages:", "user:", "boot:", "virtual environment:", "config:", "systemd:", "database:")

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("useradd") is None or shutil.which("systemctl") is None,
    reason="the installer's scratch-root run needs root, useradd and systemctl",
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A scratch root holding what a fresh Raspberry Pi OS image has that the installer edits."""
    (tmp_path / "etc").mkdir()
    for name in ("passwd", "group", "shadow", "gshadow"):
        lines = (
            Path(f"/etc/{name}").read_text().splitlines() if Path(f"/etc/{name}").exists() else []
        )
        (tmp_path / "etc" / name).write_text(
            "".join(f"{ln}\n" for ln in lines if ln.startswith("root:"))
        )
    boot = tmp_path / "boot/firmware"
    boot.mkdir(parents=True)
    (boot / "cmdline.txt").write_text("console=tty1 root=PARTUUID=1234-02 rootwait\n")
    (boot / "config.txt").write_text("[all]\ndtoverlay=vc4-kms-v3d\n")
    return tmp_path


def install(root: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(INSTALLER), "--root", str(root), *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


def snapshot(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_install_twice_changes_nothing_the_second_time(root: Path) -> None:
    first = install(root)
    assert "done: 0 change(s)" not in first
    before = snapshot(root)
    second = install(root)
    assert second.rstrip().endswith("done: 0 change(s) (up to date)")
    assert snapshot(root) == before

    groups = (root / "etc/group").read_text()
    for group in ("spi", "gpio", "input", "video", "render"):
        assert any(
            ln.startswith(f"{group}:") and ln.endswith("kiosk") for ln in groups.splitlines()
        )
    assert (root / "boot/firmware/config.txt").read_text().count("dtparam=spi=on") == 1
    cmdline = (root / "boot/firmware/cmdline.txt").read_text()
    assert cmdline.count("\n") == 1 and cmdline.split().count("consoleblank=0") == 1
    assert (root / "etc/systemd/system/multi-user.target.wants/kiosk.service").is_symlink()
    assert (root / "etc/systemd/system/timers.target.wants/kiosk-backup.timer").is_symlink()
    assert stat.S_IMODE((root / "etc/kiosk/secrets").stat().st_mode) == 0o700


def test_an_upgrade_keeps_the_settings_and_applies_a_new_rotation(root: Path) -> None:
    install(root)
    config = root / "etc/kiosk/kiosk.toml"
    config.write_text(config.read_text().replace('id = "entrance-1"', 'id = "front-door"'))
    out = install(root, "--rotate", "180")
    assert 'id = "front-door"' in config.read_text()
    assert "display drop-in (rotation 180)" in out
    dropin = (root / "etc/systemd/system/kiosk.service.d/display.conf").read_text()
    assert "KCFG_GRAPHICS_ROTATION=180" in dropin


def test_dry_run_prints_every_step_and_changes_nothing(root: Path) -> None:
    before = snapshot(root)
    out = install(root, "--dry-run")
    assert snapshot(root) == before
    for step in STEPS:
        assert f"[dry-run] {step}" in out
    assert "[dry-run]   change: add user kiosk" in out
