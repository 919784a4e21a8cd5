"""A throwaway PostgreSQL 15 cluster for the tests: initdb in a temp dir, pg_ctl on a free port.

As root, the server must run as the `postgres` user, so the directory is chowned to it and the
commands go through runuser. Nothing outside the temp dir is touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("KIOSK_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    port: int
    as_postgres: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *cmd: str) -> None:
        subprocess.run([*self.as_postgres, *cmd], check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        try:
            self.run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            # pg_ctl itself failed: stop the postmaster directly (SIGQUIT = immediate shutdown).
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGQUIT)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def unavailable() -> str | None:
    """Why a cluster cannot be started here, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL 15 not installed ({PG_BIN}/initdb missing): run scripts/system-deps.sh"
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        # initdb's shell steps write to /dev/null; something replaced it with a plain file.
        return "/dev/null is not a device on this machine (recreate: mknod -m 666 /dev/null c 1 3)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return None


def start_cluster(*, durable: bool = False) -> Cluster:
    """A new cluster; `durable` keeps fsync on (benchmarks), tests turn it off for speed."""
    root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(root, free_port(), as_postgres)
    cluster.run(
        str(PG_BIN / "initdb"),
        "-D",
        str(cluster.data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync",
        "-E",
        "UTF8",
    )
    options = f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    cluster.run(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(cluster.data),
        "-o",
        options,
        "-w",
        "-l",
        str(root / "log"),
        "start",
    )
    return cluster
