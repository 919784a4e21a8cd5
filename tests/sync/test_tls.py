"""The pusher over real TLS on loopback: a records service with a certificate from the setting's
own (private) CA is trusted when `sync.ca_file` names that CA, and refused — nothing sent, nothing
marked — when it does not. Certificates are made with the openssl command for each run."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import func, select

from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.server import db
from kiosk.sync.server.app import Settings, create_app
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.tokens import add_token
from tests.sync.kiosks import add_events, make_kiosk, sync_counts
from tests.sync.pg import free_port

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def private_ca(tmp_path: Path) -> Path:
    """A CA of the setting's own and a certificate it signed for 127.0.0.1."""
    pki = tmp_path / "pki"
    pki.mkdir()
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=Little Acorns records CA", cwd=pki)  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=127.0.0.1", cwd=pki)  # fmt: skip
    (pki / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
            cwd=pki)  # fmt: skip
    return pki


@pytest.fixture
def tls_records(private_ca: Path, tmp_path: Path) -> Iterator[tuple[str, object]]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'records.sqlite3'}")
    db.upgrade(engine)
    config = uvicorn.Config(
        create_app(engine, Settings()), host="127.0.0.1", port=free_port(),
        log_level="warning", lifespan="off", ws="none", access_log=False,
        ssl_certfile=str(private_ca / "server.pem"), ssl_keyfile=str(private_ca / "server.key"),
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"https://127.0.0.1:{config.port}", engine
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def pusher_for(app: object, url: str, token: str, ca_file: str) -> Pusher:
    from kiosk.app import App

    assert isinstance(app, App)
    settings = PushSettings(url=url, kiosk_id=app.config.kiosk.id, token=token, ca_file=ca_file,
                            backoff=Backoff(0.01, 0.05))  # fmt: skip
    return Pusher(app.store, settings)


def test_a_private_ca_is_trusted_only_when_configured(
    tls_records: tuple[str, object], private_ca: Path, tmp_path: Path
) -> None:
    url, engine = tls_records
    token = add_token(engine, "entrance-1")  # type: ignore[arg-type]
    app = make_kiosk(tmp_path, "entrance-1")
    add_events(app, 50)

    untrusted = pusher_for(app, url, token, ca_file="")  # the system's CAs do not know ours
    result = untrusted.push(max_failures=1)
    untrusted.close()
    assert not result.finished and result.sent == 0
    assert "certificate is not trusted (check sync.ca_file)" in result.last_error
    assert set(sync_counts(app)) == {"pending"}  # nothing marked sent, nothing dead

    trusted = pusher_for(app, url, token, ca_file=str(private_ca / "ca.pem"))
    assert trusted.push().finished
    trusted.close()
    assert set(sync_counts(app)) == {"sent"}
    with engine.connect() as conn:  # type: ignore[attr-defined]
        stored = conn.scalar(select(func.count()).select_from(RecordEvent))
    assert stored == sum(sync_counts(app).values())
    app.close()


def test_backoff_after_days_offline_stays_at_its_cap() -> None:
    backoff = Backoff(1.0, 300.0)
    for failures in (1, 10, 1_025, 100_000):  # 1,025 overflowed 2.0**n before the cap was applied
        assert 0.0 <= backoff.delay_s(failures) <= 300.0
