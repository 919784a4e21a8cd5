"""Talking to systemd: READY=1 when the kiosk is up, WATCHDOG=1 from the main loop.

With `Type=notify` and `WatchdogSec=`, systemd restarts the kiosk if the pings stop: a hung UI is
restarted, a busy one (still looping) is not. The protocol is one datagram on the unix socket named
by $NOTIFY_SOCKET, so the standard library is enough. Outside systemd every call does nothing.
"""

from __future__ import annotations

import os
import socket
import time

ABSTRACT_PREFIX = "@"


def notify(message: str) -> bool:
    """Send one notification; False when not run by systemd (or the socket is gone)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith(ABSTRACT_PREFIX):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), address)
    except OSError:
        return False
    return True


def watchdog_interval_s() -> float | None:
    """How often to ping: half of WatchdogSec, as systemd advises; None when no watchdog is set."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and int(pid) != os.getpid()):
        return None
    return int(usec) / 1e6 / 2


class Watchdog:
    """Call `tick()` from the main loop as often as you like; it pings at most every interval."""

    def __init__(self) -> None:
        self.interval_s = watchdog_interval_s()
        self._last = 0.0

    def ready(self, status: str = "") -> None:
        notify("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def tick(self) -> None:
        if self.interval_s is None:
            return
        now = time.monotonic()
        if now - self._last >= self.interval_s:
            notify("WATCHDOG=1")
            self._last = now

    def stopping(self) -> None:
        notify("STOPPING=1")
