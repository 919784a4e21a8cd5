"""A records service on the host's loopback, for the installed kiosk's sync service to reach.

It is the project's own `kiosk records serve` from the checkout's virtual environment (`make
setup`), on a free port and a SQLite database in the rig's output folder. The container shares the
host's network, so the kiosk reaches it at 127.0.0.1 as it would reach the setting's server.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from types import TracebackType

from field.host import REPO, RigError, say

KIOSK = REPO / ".venv" / "bin" / "kiosk"


class RecordsService:
    def __init__(self, out: Path) -> None:
        self.db = out / "records.sqlite3"
        self.db.unlink(missing_ok=True)
        self.env = dict(os.environ, KIOSK_RECORDS_DB=f"sqlite:///{self.db}")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = out / "records.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RecordsService:
        if not KIOSK.exists():
            raise RigError(f"{KIOSK} missing: run `make setup` first")
        subprocess.run([str(KIOSK), "records", "migrate"], env=self.env, check=True,
                       capture_output=True)  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(KIOSK), "records", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._wait_healthy()
        say(f"records service on {self.url}")
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RigError(f"the records service did not start (see {self.log})")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def token_for(self, kiosk_id: str) -> str:
        done = subprocess.run([str(KIOSK), "records", "token", "add", kiosk_id], env=self.env,
                              check=True, capture_output=True, text=True)  # fmt: skip
        return done.stdout.split()[0]

    def events_of(self, kiosk_id: str) -> int:
        with sqlite3.connect(self.db) as conn:
            query = "SELECT count(*) FROM events WHERE kiosk_id = ?"
            return int(conn.execute(query, (kiosk_id,)).fetchone()[0])

    def wait_for_events(self, kiosk_id: str, at_least: int, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.events_of(kiosk_id) < at_least:
            time.sleep(1)
        return self.events_of(kiosk_id)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
