"""The Audit page over real HTTP: a real kiosk's administration and approvals, pushed, each with
who did it; each kiosk's chain as the service checked it, with a problem named by kiosk and seq;
and the kiosks' audit trail as CSV. An organisation admin reads it, and an inspector's account
reads it and nothing else."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.types import ApprovalPurpose, PolicyError
from kiosk.services.context import os_user
from kiosk.sync.server.kiosk_audit import HEADER
from kiosk.sync.server.tenancy import Account
from tests.conftest import MANAGER_PIN, staff_id
from tests.sync.console import Client, Org, make_org
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running
from tests.sync.test_chain_ingest import push_all


def a_kiosk_administered(org: Org, root: Path, *, tamper: bool = False) -> int:
    """Badge enrolled at the command line, a wrong PIN, manager mode, a badge revoked there;
    pushed. With `tamper`, the enrolment is edited in SQLite before the push: its seq."""
    app = make_kiosk(root, "a-door")
    amara, priya = staff_id(app, "Amara"), staff_id(app, "Priya")
    enrolled = app.admin.enrol_badge(priya, "C0FFEE01")
    with pytest.raises(PolicyError):
        app.kiosk.approvals.verify(amara, "135792")
    app.kiosk.approvals.verify(amara, MANAGER_PIN, ApprovalPurpose.MANAGER_MODE)
    app.admin.revoke_badge("C0FFEE01")
    if tamper:
        with sqlite3.connect(app.config.database_path) as db:
            db.execute("UPDATE events SET payload = json_set(payload, '$.uid', 'FEEDF00D') "
                       "WHERE seq = ?", (enrolled.seq,))  # fmt: skip
    push_all(org.records, app, "a-door")
    app.close()
    return enrolled.seq


def test_the_audit_page_names_who_did_what_at_the_kiosk(records: Running, tmp_path: Path) -> None:
    org = make_org(records)
    a_kiosk_administered(org, tmp_path)
    root = Client(records)
    root.login("root")
    text = root.get("/manager/audit").text
    assert f"command line as user {os_user()}" in text
    assert "manager&#39;s badge (staff #" in text or "manager's badge (staff #" in text
    for kind in ("admin.badge_enrol", "admin.badge_revoke", "approval.refused",
                 "approval.granted", "purpose: manager_mode"):  # fmt: skip
        assert kind in text, kind
    assert 'id="chain-problems"' not in text  # an untouched chain has none


def test_a_tampered_event_is_shown_with_its_kiosk_and_seq(records: Running, tmp_path: Path) -> None:
    org = make_org(records)
    seq = a_kiosk_administered(org, tmp_path, tamper=True)
    root = Client(records)
    root.login("root")
    text = root.get("/manager/audit").text
    problems = text.split('id="chain-problems"')[1].split("</table>")[0]
    assert f"<td>a-door</td><td>{seq}</td><td>admin.badge_enrol</td>" in problems
    assert "altered: its content does not match its hash" in problems
    assert problems.count("<tr>") == 2  # the header and that one event


def test_the_kiosks_audit_trail_exports_as_csv(records: Running, tmp_path: Path) -> None:
    org = make_org(records)
    a_kiosk_administered(org, tmp_path)
    root = Client(records)
    root.login("root")
    answer = root.get("/manager/audit-kiosks.csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == HEADER
    by_detail = {(r[HEADER.index("kind")], r[HEADER.index("detail")]): r for r in rows[1:]}
    enrol = by_detail[("admin.badge_enrol", "uid: C0FFEE01")]
    assert enrol[HEADER.index("actor")] == f"command line as user {os_user()}"
    revoke = by_detail[("admin.badge_revoke", "uid: C0FFEE01")]
    assert revoke[HEADER.index("actor")].startswith("manager's badge (staff #")
    assert ("approval.granted", "hash_upgraded: False; purpose: manager_mode") in by_detail
    assert {r[HEADER.index("chain")] for r in rows[1:]} == {"ok"}
    # The download itself is audited, and a setting manager cannot make one.
    assert "audit download" in root.get("/manager/audit").text
    anna = Client(records)
    anna.login("anna")
    assert anna.get("/manager/audit-kiosks.csv").status_code == 404


def test_an_inspector_reads_and_exports_the_audit_and_nothing_else(
    records: Running, tmp_path: Path
) -> None:
    org = make_org(records)
    a_kiosk_administered(org, tmp_path)
    root = Client(records)
    root.login("root")
    added = root.post("/manager/accounts", name="ines", password="an inspector's passphrase",
                      role="inspector", setting=str(org.a))  # fmt: skip
    assert added.status_code == 303
    assert "Inspector (reads the audit)" in root.get("/manager/accounts").text
    ines = Client(records)
    assert ines.login("ines", "an inspector's passphrase").status_code == 303
    home = ines.get("/manager")
    assert home.url.endswith("/manager/audit") and "admin.badge_enrol" in home.text
    assert ines.get("/manager/audit.csv").status_code == 200
    assert ines.get("/manager/audit-kiosks.csv").text.startswith(",".join(HEADER))
    for path in (org.url(org.a), org.url(org.a, "/events"), org.url(org.a, "/staff"),
                 "/manager/accounts"):  # fmt: skip
        assert ines.get(path).status_code == 404, path
    assert ines.post("/manager/accounts", name="x", password="long enough pass",
                     role="admin").status_code == 404  # fmt: skip
    # The setting asked for at creation was not given, and cannot be given later.
    with Session(records.engine) as s:
        ident = s.scalars(select(Account.id).where(Account.name == "ines")).one()
    refused = root.post(f"/manager/accounts/{ident}/give", setting=str(org.a))
    assert refused.status_code == 400 and "reads the audit only" in refused.text
    assert ines.get(org.url(org.a)).status_code == 404
