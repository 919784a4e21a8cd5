"""Time for the event log: UTC wall clock, a monotonic clock, the boot id, and whether the wall
clock is NTP-synchronised. A Pi has no battery clock, so events are ordered by `seq` and carry
enough (boot id, monotonic ns, synced flag) for their times to be corrected later."""

from __future__ import annotations

import ctypes
import ctypes.util
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

_TIME_ERROR = 5  # adjtimex(2): the clock is not synchronised
_SYNC_CACHE_S = 30.0


class Clock(Protocol):
    boot_id: str

    def now(self) -> datetime: ...

    def mono_ns(self) -> int: ...

    def synced(self) -> bool: ...


def read_boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return str(uuid.uuid4())  # not Linux: unique per process start, which is what we need


def _kernel_says_synced() -> bool:
    """Ask the kernel (adjtimex, read-only) whether NTP has disciplined the clock."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    timex = ctypes.create_string_buffer(512)  # struct timex, modes=0: read only
    try:
        state = libc.adjtimex(timex)
    except AttributeError:
        return False
    return state not in (-1, _TIME_ERROR)


class SystemClock:
    """The real clocks of this machine."""

    def __init__(self) -> None:
        self.boot_id = read_boot_id()
        self._synced = False
        self._checked_at = -_SYNC_CACHE_S

    def now(self) -> datetime:
        return datetime.now(UTC)

    def mono_ns(self) -> int:
        return time.monotonic_ns()

    def synced(self) -> bool:
        mono = time.monotonic()
        if mono - self._checked_at >= _SYNC_CACHE_S:
            self._synced = _kernel_says_synced()
            self._checked_at = mono
        return self._synced


class ManualClock:
    """A clock that moves only when told to: for tests, demos and benchmarks of the rules."""

    def __init__(self, start: datetime, *, synced: bool = True) -> None:
        self._now = start
        self._mono_ns = 1_000_000_000
        self._synced = synced
        self.boot_id = "00000000-0000-4000-8000-000000000000"

    def now(self) -> datetime:
        return self._now

    def mono_ns(self) -> int:
        return self._mono_ns

    def synced(self) -> bool:
        return self._synced

    def set_wall(self, moment: datetime, *, synced: bool) -> None:
        """Jump the wall clock (as NTP or a person would); the monotonic clock never jumps."""
        self._now, self._synced = moment, synced

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._now += timedelta(seconds=seconds)
        self._mono_ns += int(seconds * 1e9)
