"""Console passwords over real HTTP: a password hashed in the console's first format (N=2**14,
no parameters in the string) still logs in, and that log-in re-hashes it at today's cost. The
records database's password never on a command line: refused in --db, read from a private file."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.cli import main
from kiosk.security import verify_secret
from kiosk.sync.server.tenancy import Account
from tests.sync.console import PASSWORD, Client, make_org
from tests.sync.server import Running


def first_format(password: str) -> str:
    salt = b"0123456789abcdef"
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def stored(records: Running, name: str) -> str:
    with Session(records.engine) as s:
        return s.scalars(select(Account.password_hash).where(Account.name == name)).one()


def test_an_old_password_hash_is_upgraded_at_the_next_log_in(records: Running) -> None:
    make_org(records)
    with Session(records.engine) as s, s.begin():
        old = first_format(PASSWORD)
        s.execute(update(Account).where(Account.name == "anna").values(password_hash=old))
    assert Client(records).login("anna", "not the password").status_code != 303
    assert stored(records, "anna") == old  # a wrong password changes nothing
    assert Client(records).login("anna").status_code == 303
    upgraded = stored(records, "anna")
    assert upgraded.startswith("scrypt$ln=17,r=8,p=1$") and verify_secret(PASSWORD, upgraded)
    assert Client(records).login("anna").status_code == 303  # and the new hash logs in


def test_a_password_on_the_command_line_is_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["records", "migrate", "--db", "postgresql://records:s3cret@localhost/records"])
    err = capsys.readouterr().err
    assert code != 0 and "--db must not hold a password" in err and "s3cret" not in err


@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_the_database_url_may_come_from_a_file_only_its_owner_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], mode: int
) -> None:
    secret = tmp_path / "records-db"
    secret.write_text(f"sqlite:///{tmp_path / 'records.sqlite3'}\n")
    secret.chmod(mode)
    monkeypatch.delenv("KIOSK_RECORDS_DB", raising=False)
    monkeypatch.setenv("KIOSK_RECORDS_DB_FILE", str(secret))
    code = main(["records", "migrate"])
    out, err = capsys.readouterr()
    if mode == 0o600:
        assert code == 0 and "is at schema" in out and (tmp_path / "records.sqlite3").exists()
    else:
        assert code != 0 and "readable by others" in err and f"chmod 600 {secret}" in err
        assert not (tmp_path / "records.sqlite3").exists()
