"""`kiosk run` as a new user starts it with no display: offscreen, driven by `kiosk tap` and
looked at with `kiosk screenshot`, stopped cleanly by SIGTERM (reader socket removed)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.app import initialise
from kiosk.config import Config, KioskSection
from kiosk.services.operations import OperationsService
from kiosk.ui.control import request
from tests.conftest import BEN_UID

PNG = b"\x89PNG\r\n\x1a\n"


def kiosk(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**_no_display(), "KIOSK_DATA_DIR": str(data)}
    command = [sys.executable, "-m", "kiosk", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=check,
                          timeout=30)  # fmt: skip


def hint(line: str) -> subprocess.CompletedProcess[str]:
    env = {**_no_display(), "PATH": "/usr/bin:/bin"}
    return subprocess.run(line.strip(), shell=True, env=env, capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip


def wait_for_screen(control: Path, name: str) -> None:
    """Until the kiosk shows `name`: on observed progress, never a fixed sleep."""
    while request(control, "SCREEN") != name:
        time.sleep(0.02)


def _no_display() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return {k: v for k, v in env.items() if not k.startswith(("KIVY_", "KCFG_", "SDL_"))}


def test_kiosk_run_offscreen_takes_taps_and_screenshots(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app, _ = initialise(Config(kiosk=KioskSection(data_dir=str(data))), demo=True)
    app.close()
    env = {**_no_display(), "KIOSK_DATA_DIR": str(data)}
    command = [sys.executable, "-m", "kiosk", "run"]
    with subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as proc:  # fmt: skip
        try:
            assert proc.stdout is not None
            lines = [proc.stdout.readline() for _ in range(6)]
            assert "home screen drawn" in lines[0]
            assert "offscreen" in lines[1] and f"tap {BEN_UID}" in lines[2]
            control = data / "control.sock"
            assert control.stat().st_mode & 0o777 == 0o600
            assert request(control, "SCREEN") == "home"
            # The commands it prints run as printed, from a shell whose PATH lacks the venv.
            hint(lines[2])
            wait_for_screen(control, "shift_start")
            assert "saved" in hint(lines[4]).stdout
            assert (data / "screen.png").read_bytes().startswith(PNG)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
    assert not (data / "tap.sock").exists() and not (data / "control.sock").exists()


def test_screenshot_without_a_kiosk_says_so(tmp_path: Path) -> None:
    result = kiosk(tmp_path, "screenshot", str(tmp_path / "x.png"), check=False)
    assert result.returncode == 3
    assert "no kiosk is running" in result.stderr


def test_export_never_loads_kivy(tmp_path: Path) -> None:
    code = "import sys, kiosk.cli; kiosk.cli.main(['--help']); print('kivy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=_no_display(), check=False)  # fmt: skip
    assert result.stdout.strip().endswith("False")


def test_watchdog_pings_come_from_the_running_kiosk_and_stop_when_it_hangs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app, _ = initialise(Config(kiosk=KioskSection(data_dir=str(data))), demo=True)
    app.close()
    notify = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify))
    listener.settimeout(20)
    env = {**_no_display(), "KIOSK_DATA_DIR": str(data), "NOTIFY_SOCKET": str(notify),
           "WATCHDOG_USEC": "1000000"}  # WatchdogSec=1s: a ping every 0.5 s  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        heard = [listener.recv(200) for _ in range(4)]
        assert any(m.startswith(b"READY=1") for m in heard)  # once the home screen is drawn
        assert heard.count(b"WATCHDOG=1") >= 2
        proc.send_signal(signal.SIGSTOP)  # the kiosk hangs: systemd must stop hearing from it
        time.sleep(0.2)
        while True:  # drain what was already in flight
            listener.settimeout(0.01)
            try:
                listener.recv(200)
            except TimeoutError:
                break
        listener.settimeout(1.5)
        with pytest.raises(TimeoutError):
            listener.recv(200)
        proc.send_signal(signal.SIGCONT)
        listener.settimeout(5)
        assert listener.recv(200) == b"WATCHDOG=1"
    finally:
        proc.send_signal(signal.SIGCONT)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        listener.close()


def test_a_second_kiosk_and_a_damaged_database_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = Config(kiosk=KioskSection(data_dir=str(data)))
    app, _ = initialise(config, demo=True)
    backup, _ = OperationsService(app.ctx).backup()
    app.close()
    with subprocess.Popen([sys.executable, "-m", "kiosk", "run"],
                          env={**_no_display(), "KIOSK_DATA_DIR": str(data)}, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as first:  # fmt: skip
        try:
            assert first.stdout is not None and "home screen drawn" in first.stdout.readline()
            second = kiosk(data, "run", check=False)
            assert second.returncode == 3 and "the kiosk is running" in second.stderr
        finally:
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=15)
    with open(config.database_path, "r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(os.urandom(4096))
    damaged = kiosk(data, "run", check=False)
    assert damaged.returncode == 3
    assert "damaged" in damaged.stderr and f"kiosk restore {backup}" in damaged.stderr
