"""A Bookworm system booted with systemd as PID 1 in a container (systemd-nspawn --boot).

The container shares the host's network (the installer's apt and pip reach their registries, and
the kiosk's sync reaches a records service the rig runs on the host's loopback). Commands run
inside through nsenter into the container's init, with a clean environment, as a person logged in
on the Pi would run them. `reboot()` reboots it the way `sudo reboot` does (nspawn exits 133 and is
started again, as systemd-nspawn@.service would).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from field.host import RigError, pip_environment, say

REBOOT_EXIT = 133
GUEST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Container:
    def __init__(self, root: Path, log: Path) -> None:
        self.root, self.log = root, log
        self.nspawn: subprocess.Popen[bytes] | None = None
        self.leader = 0
        self.boots = 0

    def boot(self, timeout_s: float = 300) -> float:
        """Boot and wait until systemd says the system is up; the seconds it took."""
        started = time.monotonic()
        console = (self.log.parent / f"console-{self.boots}.log").open("wb")
        self.nspawn = subprocess.Popen(
            ["systemd-nspawn", "--boot", "--register=no", "--keep-unit", "--console=passive",
             "--machine=kiosk-field", "-D", str(self.root)],
            stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        self.boots += 1
        self.leader = self._find_init(started + timeout_s)
        state = ""
        while not state and time.monotonic() < started + timeout_s:
            # Empty until systemd's own socket answers ("Failed to connect to bus" on stderr).
            done = self.sh("systemctl is-system-running --wait", check=False, timeout_s=timeout_s)
            state = done.stdout.strip()
            time.sleep(0 if state else 0.2)
        say(f"container booted ({state or 'no answer'}) in {time.monotonic() - started:.1f} s")
        return time.monotonic() - started

    def _find_init(self, deadline: float) -> int:
        assert self.nspawn is not None
        while time.monotonic() < deadline:
            if self.nspawn.poll() is not None:
                raise RigError(f"systemd-nspawn exited {self.nspawn.returncode} while booting")
            for pid in _descendants(self.nspawn.pid):
                if _comm(pid) == "systemd" and self._is_ready(pid):
                    return pid
            time.sleep(0.2)
        raise RigError("the container's systemd never started")

    @staticmethod
    def _is_ready(pid: int) -> bool:
        # nsenter works once init has its own mount namespace with /run/systemd in it.
        return Path(f"/proc/{pid}/root/run/systemd/system").is_dir()

    def sh(
        self,
        script: str,
        *,
        check: bool = True,
        timeout_s: float = 1800,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a shell line inside, as root with a login-like environment."""
        base = {"PATH": GUEST_PATH, "HOME": "/root", "LANG": "C.UTF-8", "TERM": "dumb"}
        base |= pip_environment() | (env or {})
        command = ["nsenter", "--target", str(self.leader), "--all", "--", "/usr/bin/env", "-i",
                   *(f"{k}={v}" for k, v in base.items()), "/bin/bash", "-c", script]  # fmt: skip
        with self.log.open("a") as log:
            log.write(f"# {script}\n")
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
        with self.log.open("a") as log:
            log.write(done.stdout + done.stderr + f"# exit {done.returncode}\n")
        if check and done.returncode != 0:
            raise RigError(f"in the container, `{script}` exited {done.returncode}:\n"
                           + (done.stdout + done.stderr)[-3000:])  # fmt: skip
        return done

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.sh(f"systemctl show {unit} -p {','.join(props)}").stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_for(self, script: str, timeout_s: float, every_s: float = 1.0) -> float | None:
        """Seconds until `script` exits 0, or None if it never did within the time."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if self.sh(script, check=False, timeout_s=60).returncode == 0:
                return time.monotonic() - started
            time.sleep(every_s)
        return None

    def reboot(self, timeout_s: float = 300) -> float:
        assert self.nspawn is not None
        self.sh("systemctl reboot", check=False)
        code = self.nspawn.wait(timeout=timeout_s)
        if code != REBOOT_EXIT:
            raise RigError(f"systemd-nspawn exited {code} on reboot, not {REBOOT_EXIT}")
        return self.boot(timeout_s)

    def stop(self) -> None:
        if self.nspawn is None or self.nspawn.poll() is not None:
            return
        self.sh("systemctl poweroff", check=False, timeout_s=60)
        try:
            self.nspawn.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.nspawn.kill()
            self.nspawn.wait()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return found


def _descendants(pid: int) -> list[int]:
    todo, seen = _children(pid), []
    while todo:
        child = todo.pop()
        seen.append(child)
        todo += _children(child)
    return sorted(seen)


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
