"""What the two ends of sync write to their logs, and the kiosk's token file: the records service
run as `kiosk records serve` (its own process, its real log) and the kiosk's `kiosk sync --once`,
used the way a manager and a kiosk use them, with names in the manager's filters. No name, query
string, password or token may reach either log (docs/privacy.md), and a token file others can
read is refused with the fix."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine

from kiosk.app import App
from kiosk.cli import main
from kiosk.domain.types import VisitorType
from kiosk.sync.pusher import PushSettings
from kiosk.sync.server import db
from kiosk.sync.server.managers import set_password
from kiosk.sync.server.tokens import add_token, revoke_tokens
from tests.sync.kiosks import add_events, make_kiosk, sync_counts, write_config
from tests.sync.pg import free_port
from tests.sync.server import Running

PASSWORD = "correct horse battery"
VISITOR = "Siobhán Kelly"


Service = tuple[str, str, Path, subprocess.Popen[bytes]]


@pytest.fixture
def service(records_engine: Engine, tmp_path: Path) -> Iterator[Service]:
    """`kiosk records serve` on each database: its URL, a kiosk token, its log file, the process."""
    url = records_engine.url.render_as_string(hide_password=False)
    db.upgrade(records_engine)
    set_password(records_engine, "amara", PASSWORD)
    token = add_token(records_engine, "entrance-1")
    port, log = free_port(), tmp_path / "records.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "records", "serve", "--db", url, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, child)
        yield base, token, log, child
    finally:
        stop(child)


def stop(child: subprocess.Popen[bytes]) -> None:
    """As systemd stops it (SIGTERM): uvicorn finishes the requests in hand, logs, and exits."""
    if child.poll() is None:
        child.terminate()
        child.wait(timeout=60)


def _wait_until_up(base: str, child: subprocess.Popen[bytes]) -> None:
    while child.poll() is None:
        try:
            requests.get(f"{base}/api/v1/health", timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"kiosk records serve exited with {child.returncode}")


def kiosk_with_names(root: Path, url: str, token: str) -> App:
    app = make_kiosk(root, "entrance-1", url=url, token=token)
    add_events(app, 30)  # about each demo member of staff: Ben Carter among them
    app.kiosk.visitors.sign_in(VisitorType.CONTRACTOR, VISITOR, "Acme", "Office",
                               acknowledged=True, lone_working=False)  # fmt: skip
    return app


def manager_looks(base: str) -> list[str]:
    """Log in and filter by names, as a manager does; the session cookie, for the search."""
    web = requests.Session()
    form = web.get(f"{base}/manager/login", timeout=10).text
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    web.post(f"{base}/manager/login", data={"csrf": csrf, "name": "amara", "password": PASSWORD},
             timeout=30)  # fmt: skip
    setting = web.get(f"{base}/manager", timeout=30).url  # the one setting's pages
    for path, params in [
        ("/events", {"person": "Ben Carter", "kind": "badge"}),
        ("/events.csv", {"person": VISITOR, "start": "2026-11-01"}),
        ("/events", {"person": "Carter", "end": "9999-12-31"}),  # refused, named
    ]:
        answer = web.get(setting + path, params=params, timeout=30)
        assert answer.status_code in (200, 400) and answer.request.url
        assert "person=" in answer.request.url  # the names really went in the query string
    return [c.value for c in web.cookies if c.value]


def test_neither_log_holds_names_query_strings_passwords_or_tokens(
    service: Service, records_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base, token, log, child = service
    app = kiosk_with_names(tmp_path, base, token)
    config = write_config(app, tmp_path / "kiosk.toml", base)
    caplog.set_level(logging.DEBUG)
    assert main(["--config", str(config), "sync", "--once"]) == 0
    assert set(sync_counts(app)) == {"sent"}
    revoke_tokens(records_engine, "entrance-1")  # then the kiosk logs its refusals
    add_events(app, 3)
    assert main(["--config", str(config), "sync", "--once"]) == 0
    assert sync_counts(app)["dead"] == 3
    app.close()
    forged = "kt_" + "x" * 43
    refused = requests.post(f"{base}/api/v1/kiosks/entrance-1/events", data=b"{}",
                            headers={"Authorization": f"Bearer {forged}"}, timeout=30)  # fmt: skip
    assert refused.status_code == 401
    cookies = manager_looks(base)
    kiosk_log = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /api/v1/kiosks/entrance-1/events" in kiosk_log  # urllib3's own lines were seen
    assert "3 events refused (HTTP 401)" in kiosk_log
    assert token not in kiosk_log
    stop(child)  # every request answered and logged: the whole log is on disk
    served = log.read_text(encoding="utf-8", errors="replace")
    for secret in ["Ben", "Carter", "Siobh", "Kelly", "person=", "kind=", PASSWORD, token,
                   forged, *cookies]:  # fmt: skip
        assert secret not in served, secret
    # and the log was written: one line per request, method, path and status
    assert re.search(r"GET /manager/s/\d+/events 400", served)
    assert "POST /api/v1/kiosks/entrance-1/events 200" in served
    assert re.search(r"GET /manager/s/\d+/events\.csv 200", served)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_token_file_others_can_read_is_refused_with_the_fix(
    records: Running, tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: int
) -> None:
    app = make_kiosk(tmp_path, "entrance-1", token=records.token("entrance-1"))
    token_file = Path(app.config.sync.token_file)
    token_file.chmod(mode)
    config = write_config(app, tmp_path / "kiosk.toml", records.url)
    assert main(["--config", str(config), "sync", "--once"]) == 3
    err = capsys.readouterr().err
    assert f"is mode {mode:04o}, readable by others" in err and f"chmod 600 {token_file}" in err
    assert records.tokens["entrance-1"] not in err
    assert set(sync_counts(app)) == {"pending"}  # nothing sent with a token others could read
    app.close()


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_token_file_only_its_owner_reads_is_used(
    records: Running, tmp_path: Path, mode: int
) -> None:
    app = make_kiosk(tmp_path, "entrance-1", token=records.token("entrance-1"))
    Path(app.config.sync.token_file).chmod(mode)
    config = write_config(app, tmp_path / "kiosk.toml", records.url)
    assert main(["--config", str(config), "sync", "--once"]) == 0
    assert set(sync_counts(app)) == {"sent"}
    app.close()


def test_push_settings_never_show_the_token() -> None:
    """Settings are the kind of object that ends up in a log line or a traceback."""
    settings = PushSettings(url="https://records.example.org", kiosk_id="k1", token="kt_secret")
    assert "kt_secret" not in repr(settings) and "kt_secret" not in str(settings)
