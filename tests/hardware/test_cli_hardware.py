"""`kiosk tap` and `kiosk hw-check` through the shipped command's own parser (`kiosk.cli.main`,
and once `python -m kiosk` in a process of its own), with a config file, a real socket and mock
pins."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import Config, load_config
from kiosk.hardware.reader import ReaderBase, ReaderHealth
from kiosk.hardware.simulated import SimulatedReader
from tests.hardware.recorder import Recorder

Start = Callable[[ReaderBase, Recorder], ReaderBase]


def run_cli(config: Config, *argv: str) -> int:
    """`kiosk --config <the test's file> ARGV...` as the shipped command runs it."""
    return main(["--config", str(config.data_dir / "kiosk.toml"), *argv])


@pytest.fixture
def config(tmp_path: Path) -> Config:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\ndata_dir = "{tmp_path}"\n'
        f'[reader]\nkind = "simulated"\nsocket = "{tmp_path / "tap.sock"}"\n'
        '[signals]\npin_factory = "mock"\n'
    )
    return load_config(str(path))


def test_tap_presents_the_badge_to_the_running_kiosk(
    config: Config, recorder: Recorder, running: Start, capsys: pytest.CaptureFixture[str]
) -> None:
    running(SimulatedReader(config.tap_socket_path), recorder)
    recorder.wait_health(ReaderHealth.OK)
    assert run_cli(config, "tap", "04:A1:B2:C3:D4:E5:F6") == 0
    assert capsys.readouterr().out == "tapped badge 04A1B2C3D4E5F6\n"
    assert run_cli(config, "tap", "--json", "deadbeef") == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "uid": "DEADBEEF"}
    assert recorder.wait_badges(2) == ["04A1B2C3D4E5F6", "DEADBEEF"]


def test_tap_with_no_kiosk_running_exits_3_with_a_clear_message(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(config, "tap", "DEADBEEF") == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"kiosk tap: no kiosk is listening on {config.tap_socket_path}")


def test_tap_with_a_malformed_uid_exits_2(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(config, "tap", "--json", "not-a-badge") == 2
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_hw_check_without_a_terminal_drives_everything_and_fails_on_no_badge(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(config, "hw-check", "--tap-timeout", "0.2") == 1
    out = capsys.readouterr().out
    assert "PASS  badge reader: simulated reader listening on" in out
    assert "FAIL  badge tap: no badge read" in out
    assert "SKIP  green LED: driven; nobody here to confirm it" in out
    assert out.endswith("hw-check: 1 passed, 1 failed, 3 skipped\n")


def test_hw_check_json_for_scripts(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(config, "hw-check", "--json", "--tap-timeout", "0.2") == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["ok"] is False
    assert [p["status"] for p in report["parts"]] == ["PASS", "FAIL", "SKIP", "SKIP", "SKIP"]
    assert "hw-check:" in captured.err  # the running commentary goes to stderr


def test_the_installer_s_quick_check_through_the_shipped_command(
    config: Config, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kiosk hw-check --quick`, as install_pi.py runs it: no badge awaited, nothing driven;
    the reader, the pins and the screen (none here: this machine has no DRM screen)."""
    monkeypatch.setattr("kiosk.display.DRM_SYSFS", Path("/nonexistent/drm"))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert run_cli(config, "hw-check", "--quick", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    parts = {p["part"]: p["status"] for p in report["parts"]}
    assert parts == {"badge reader": "PASS", "GPIO": parts["GPIO"], "display": "FAIL"}
    assert "badge tap" not in parts


def test_hw_check_json_from_a_new_process(config: Config, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(tmp_path / "kiosk.toml"), "hw-check",
         "--json", "--tap-timeout", "0.2"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert (report["ok"], report["parts"][0]["part"]) == (False, "badge reader")
    assert "FAIL  badge tap: no badge read" in done.stderr


def test_help_is_there(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hw-check", "--help"]) == 0
    assert "guided check" in capsys.readouterr().out
