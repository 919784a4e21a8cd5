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


def watchdog_timeout_s() -> float | None:
    """systemd's WatchdogSec for this process, in seconds; None when no watchdog is set."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and int(pid) != os.getpid()):
        return None
    return int(usec) / 1e6


class Watchdog:
    """Pings systemd's watchdog from the main loop.

    The main loop calls `tick()` every `tick_every_s` (a quarter of WatchdogSec), or more often. A
    tick pings when half a tick period has passed since the last ping, so a timer that fires a
    little early never skips a ping: pings stay one tick period apart (7.5 s under WatchdogSec=30),
    leaving three quarters of the timeout for a busy, not hung, main loop.
    (Throttling at the full period once let early ticks stretch the gap to 22.5 s, and a 9 s stall
    then got a healthy kiosk killed.)
    """

    def __init__(self) -> None:
        timeout_s = watchdog_timeout_s()
        self.tick_every_s = None if timeout_s is None else timeout_s / 4
        self._last: float | None = None

    def ready(self, status: str = "") -> None:
        notify("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def tick(self) -> None:
        if self.tick_every_s is None:
            return
        now = time.monotonic()
        if self._last is None or now - self._last >= self.tick_every_s / 2:
            notify("WATCHDOG=1")
            self._last = now

    def stopping(self) -> None:
        notify("STOPPING=1")
