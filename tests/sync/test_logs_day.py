"""A day at a kiosk as separate processes, the way systemd runs them, and every log they write
grepped afterwards: the records service (`kiosk records serve`), the kiosk itself (`kiosk run`,
offscreen, a badge tapped at it), and each command a manager or a timer runs (staff, PINs,
records, wrong and right PINs, sync, backup, erasure, purge, check). No name, badge UID, PIN,
password or token of the day may be in any of them (docs/privacy.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.sync.server import db
from kiosk.sync.server.managers import set_password
from kiosk.sync.server.tokens import add_token
from tests.sync.pg import free_port
from tests.ui.test_run import _no_display, wait_for_screen

MANAGER, STAFF, VISITOR = "Zainab Quist", "Olu Fenwick", "Hester Vale"
MANAGER_UID, STAFF_UID, STRAY_UID = "B7C8D9E0", "0E0F1A2B", "9F8E7D6C"
PIN, WRONG_PIN, ADMIN_PASSWORD = "602718", "135792", "a long admin passphrase"
PERSONAL = ["Zainab", "Quist", "Olu", "Fenwick", "Hester", "Vale", "Quillon",
            MANAGER_UID, STAFF_UID, STRAY_UID, PIN, WRONG_PIN, ADMIN_PASSWORD]  # fmt: skip


class Day:
    """The kiosk's folder and config, and every log written on the way."""

    def __init__(self, root: Path, url: str, token: str) -> None:
        self.root, self.logs = root, root / "logs"
        self.logs.mkdir()
        token_file = root / "token"
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        self.config = root / "kiosk.toml"
        self.config.write_text(
            f'[kiosk]\nid = "door-1"\ndata_dir = "{root / "data"}"\n'
            f'[sync]\nurl = "{url}"\ntoken_file = "{token_file}"\nallow_plain_http = true\n'
        )
        self.env = {**_no_display(), "KIOSK_CONFIG": str(self.config)}
        self.count = 0

    def log(self, name: str) -> Path:
        self.count += 1
        return self.logs / f"{self.count:02d}-{name}.log"

    def run(self, *args: str, stdin: str = "", code: int = 0) -> None:
        """A command whose errors and warnings go to the journal (its stderr); what it prints
        for the person at the terminal is their answer, not a log, and is not kept."""
        done = subprocess.run([sys.executable, "-m", "kiosk", *args], env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        self.log(args[0]).write_text(done.stderr)
        assert done.returncode == code, (args, done.stderr)

    def service(self, *args: str) -> None:
        """A command systemd runs as a service or timer: all it writes is the journal."""
        done = subprocess.run([sys.executable, "-m", "kiosk", *args], env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        self.log(args[0]).write_text(done.stdout + done.stderr)
        assert done.returncode == 0, (args, done.stdout, done.stderr)


@pytest.fixture
def records(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """`kiosk records serve` on SQLite, its URL from the environment (never a command line)."""
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    set_password(engine, "admin", ADMIN_PASSWORD)
    token = add_token(engine, "door-1")
    engine.dispose()
    port, log = free_port(), tmp_path / "records.log"
    env = {**os.environ, "KIOSK_RECORDS_DB": url}
    with log.open("wb") as out:
        command = [sys.executable, "-m", "kiosk", "records", "serve", "--port", str(port)]
        child = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        while child.poll() is None:
            try:
                requests.get(f"{base}/api/v1/health", timeout=5)
                break
            except requests.ConnectionError:
                continue
        yield base, token, log
    finally:
        child.terminate()
        child.wait(timeout=60)


def at_the_kiosk(day: Day) -> None:
    """`kiosk run` with its journal: a staff badge and a stray one tapped at it."""
    with day.log("run").open("w") as journal:
        proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run"], env=day.env,
                                stdout=journal, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            control = day.root / "data" / "control.sock"
            while not control.exists():
                assert proc.poll() is None, "kiosk run exited"
            wait_for_screen(control, "home")
            day.run("tap", STRAY_UID)
            wait_for_screen(control, "problem")  # "not recognised": recorded for enrolment
            day.run("tap", STAFF_UID)
            wait_for_screen(control, "shift_start")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0


def test_a_day_leaves_no_personal_data_or_secret_in_any_log(
    records: tuple[str, str, Path], tmp_path: Path
) -> None:
    base, token, records_log = records
    day = Day(tmp_path, base, token)
    day.run("init")
    day.run("staff", "add", MANAGER, "--role", "manager")
    day.run("staff", "add", STAFF, "--locker", "2")
    day.run("staff", "badge", MANAGER, MANAGER_UID)
    day.run("staff", "badge", STAFF, STAFF_UID)
    day.run("manager", "pin", MANAGER, stdin=f"{PIN}\n{PIN}\n")
    at_the_kiosk(day)
    day.run("record", "shift-start", STAFF, "--devices", "phone", "--locker", "2")
    out = ("record", "device-out", STAFF, "--device", "phone", "--reason", "outing",
           "--approver", MANAGER, "--back-by", "23:59")  # fmt: skip
    day.run(*out, stdin=WRONG_PIN + "\n", code=1)
    day.run(*out, stdin=PIN + "\n")
    day.run("record", "device-in", STAFF, "--device", "phone")
    day.run("record", "visitor-in", "--name", VISITOR, "--organisation", "Quillon Ltd",
            "--acknowledged")  # fmt: skip
    day.run("record", "visitor-out", "Hes")
    day.run("record", "shift-end", STAFF)
    day.service("sync", "--once")
    day.service("backup")
    day.run("erase", "--visitor", VISITOR)
    day.service("purge")
    day.service("check")
    day.service("sync", "--once")
    web = requests.Session()  # the organisation admin reads the audit trail and searches
    csrf = web.get(f"{base}/manager/login", timeout=30).text.split('name="csrf" value="')[1]
    web.post(f"{base}/manager/login", timeout=60, data={"csrf": csrf.split('"')[0],
             "name": "admin", "password": ADMIN_PASSWORD})  # fmt: skip
    audit = web.get(f"{base}/manager/audit", timeout=60).text
    assert "approval.refused" in audit and "admin.erase" in audit  # the day really arrived
    setting = web.get(f"{base}/manager", timeout=30).url
    assert web.get(setting + "/events", params={"person": STAFF}, timeout=30).ok

    logs = sorted(day.logs.iterdir())
    assert len(logs) == day.count >= 20 and any("check" in p.name for p in logs)
    assert "intact" in (day.logs / next(p.name for p in logs if "check" in p.name)).read_text()
    written = {p.name: p.read_text(errors="replace") for p in logs}
    records_log_text = records_log.read_bytes().decode(errors="replace")
    assert "POST /api/v1/kiosks/door-1/events 200" in records_log_text  # it did log requests
    written["records.log"] = records_log_text
    for name, text in written.items():
        for secret in [*PERSONAL, token]:
            assert secret not in text, (name, secret)
