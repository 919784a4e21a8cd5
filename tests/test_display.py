"""Which screen the kiosk draws on, as installed: kmsdrm when a screen is connected, else offscreen.

The sysfs tree is a temporary copy of what the kernel shows under /sys/class/drm (a status file per
connector); nothing else is stubbed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.ui import env


def _connector(sysfs: Path, name: str, status: str) -> None:
    (sysfs / name).mkdir(parents=True)
    (sysfs / name / "status").write_text(status + "\n")


@pytest.fixture
def no_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.mark.usefixtures("no_desktop")
def test_the_unit_s_kmsdrm_draws_on_a_connected_screen_with_no_desktop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _connector(tmp_path, "card0-Virtual-1", "connected")
    (tmp_path / "card0").mkdir()  # the card itself has no status file
    monkeypatch.setenv("SDL_VIDEODRIVER", "kmsdrm")
    assert env.connected_screens(tmp_path) == ["card0-Virtual-1"]
    assert env.has_display(tmp_path)


@pytest.mark.usefixtures("no_desktop")
def test_kmsdrm_with_every_connector_empty_runs_offscreen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _connector(tmp_path, "card1-HDMI-A-1", "disconnected")
    _connector(tmp_path, "card1-HDMI-A-2", "unknown")
    monkeypatch.setenv("SDL_VIDEODRIVER", "kmsdrm")
    assert env.connected_screens(tmp_path) == []
    assert not env.has_display(tmp_path)


@pytest.mark.usefixtures("no_desktop")
def test_without_kmsdrm_or_a_desktop_there_is_no_display(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _connector(tmp_path, "card0-DSI-1", "connected")
    monkeypatch.delenv("SDL_VIDEODRIVER", raising=False)
    assert not env.has_display(tmp_path)


def test_a_desktop_is_a_display(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    assert env.has_display(tmp_path)
