"""systemd notifications over a real unix datagram socket, as systemd would receive them."""

from __future__ import annotations

import itertools
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
    monkeypatch.setenv("WATCHDOG_USEC", "20000000")  # WatchdogSec=20s: tick every 5 s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    dog = Watchdog()
    assert dog.tick_every_s == 5.0
    dog.ready("home screen shown")
    assert systemd_socket.recv(100) == b"READY=1\nSTATUS=home screen shown"
    for _ in range(50):  # a busy main loop ticks often; systemd hears one ping, not fifty
        dog.tick()
    assert systemd_socket.recv(100) == b"WATCHDOG=1"
    systemd_socket.setblocking(False)
    with pytest.raises(BlockingIOError):
        systemd_socket.recv(100)


@pytest.mark.parametrize("early_s", [0.0, 0.001, 0.5, 1.0])
def test_a_timer_that_fires_early_never_stretches_the_gap_between_pings(
    systemd_socket: socket.socket, monkeypatch: pytest.MonkeyPatch, early_s: float
) -> None:
    """Kivy's clock fires a scheduled interval a little early or late; under WatchdogSec=30 the
    pings must stay 7.5 s apart, so a 9 s stall of a busy kiosk is far from the 30 s limit."""
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    now = [1000.0]
    monkeypatch.setattr("kiosk.sdnotify.time.monotonic", lambda: now[0])
    dog = Watchdog()
    assert dog.tick_every_s is not None
    pings: list[float] = []
    systemd_socket.setblocking(False)
    for _ in range(40):
        dog.tick()
        try:
            while systemd_socket.recv(100) == b"WATCHDOG=1":
                pings.append(now[0])
        except BlockingIOError:
            pass
        now[0] += dog.tick_every_s - early_s  # each tick comes early_s before it is due
    gaps = [b - a for a, b in itertools.pairwise(pings)]
    assert len(pings) == 40
    assert max(gaps) <= 7.5


def test_a_watchdog_meant_for_another_process_is_ignored(
    systemd_socket: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "20000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert Watchdog().tick_every_s is None
