"""`kiosk records manager add`: the first organisation admin, made on the command line of a fresh
install (the organisation named), written in the audit with the command line as actor; then the
console does the rest. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.cli import main
from kiosk.sync.server.tenancy import Account, AuditEntry, Organisation
from tests.sync.console import PASSWORD


def records_cli(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str
) -> int:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\n')
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    url = engine.url.render_as_string(hide_password=False)
    return main(["--config", str(config), "records", *args, "--db", url])


def test_the_first_admin_comes_from_the_command_line(
    records_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = records_cli(records_engine, tmp_path, monkeypatch, "manager", "add", "root",
                       "--organisation", "Acorn Group", stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 0
    short = records_cli(records_engine, tmp_path, monkeypatch, "manager", "add", "eve",
                        stdin="short\n")  # fmt: skip
    assert short != 0
    with Session(records_engine) as s:
        account = s.scalars(select(Account)).one()
        org = s.get(Organisation, account.organisation_id)
        entry = s.scalars(select(AuditEntry)).one()
    assert (account.name, account.role) == ("root", "admin")
    assert org is not None and org.name == "Acorn Group"
    assert entry.action == "account_add" and entry.actor.startswith("command line (")
    assert entry.address == "command line" and PASSWORD not in str(entry.detail)
