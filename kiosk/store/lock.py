"""The run lock: the running kiosk holds it, and a restore refuses to start while it is held.

Restoring moves the database file aside; a kiosk still running would go on writing into the moved
file, and its taps would vanish from the restored one. An advisory `flock` on a file in the data
directory is released by the kernel when the process dies, so a crash never leaves it stuck.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from kiosk.errors import StoreError


class RunLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "kiosk.lock"
        self._fd: int | None = None

    def acquire(self, purpose: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise StoreError(
                f"the kiosk is running, so it cannot {purpose}: stop it first "
                "(sudo systemctl stop kiosk)"
            ) from exc
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
