"""systemd notifications over a real unix datagram socket, as systemd would receive them."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.sdnotify import Watchdog, notify


@pytest.fixture
def systemd_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(1.0)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.close()


def test_outside_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False


def test_ready_and_watchdog_pings_are_paced(
    systemd_socket: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "20000000")  # WatchdogSec=20s: ping every 10 s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    dog = Watchdog()
    assert dog.interval_s == 10.0
    dog.ready("home screen shown")
    assert systemd_socket.recv(100) == b"READY=1\nSTATUS=home screen shown"
    for _ in range(50):  # a busy main loop ticks often; systemd hears one ping per interval
        dog.tick()
    assert systemd_socket.recv(100) == b"WATCHDOG=1"
    systemd_socket.setblocking(False)
    with pytest.raises(BlockingIOError):
        systemd_socket.recv(100)


def test_a_watchdog_meant_for_another_process_is_ignored(
    systemd_socket: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "20000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert Watchdog().interval_s is None
