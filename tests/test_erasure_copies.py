"""Erasure reaches every copy the kiosk holds: the database, its -wal and -shm, every backup, the
copies a restore set aside, and a backup made before the erasure once it is restored. Checked the
way an inspector would: by searching the raw bytes of every file for the name."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from kiosk.app import App, initialise, restore
from kiosk.clock import ManualClock
from kiosk.config import Config
from kiosk.domain.types import EventKind, Role, VisitorType
from kiosk.services.operations import OperationsService
from kiosk.store.erasures import read_ledger
from tests.conftest import staff_id

VISITOR = "Zanele Quixote-Brandt"
VISITOR_ORG = "Quixotic Plumbing"
LEAVER = "Yusuf Oyelaran-Leaver"


def files_holding(folder: Path, text: str) -> list[str]:
    """Every file under `folder` whose bytes contain `text` (as UTF-8, any letter case)."""
    wanted = [text.encode(), text.lower().encode(), text.upper().encode()]
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and any(w in p.read_bytes() for w in wanted)
    )


def a_visit_and_a_leaver(app: App) -> None:
    visitors = app.kiosk.visitors
    visitors.sign_in(VisitorType.CONTRACTOR, VISITOR, VISITOR_ORG, "Amara", acknowledged=True,
                     lone_working=True)  # fmt: skip
    visitors.sign_out(visitors.find("Zan")[0].visitor_id)
    app.admin.add_staff(LEAVER, Role.STAFF)
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, [], no_device=True, on_behalf=LEAVER)  # Yusuf recorded it
    app.kiosk.end_shift(ben)


def test_an_erased_name_is_in_no_file_not_even_after_restoring_an_older_backup(
    app: App, config: Config, clock: ManualClock, tmp_path: Path
) -> None:
    operations = OperationsService(app.ctx)
    a_visit_and_a_leaver(app)
    before, _ = operations.backup()
    clock.advance(3600)
    second, _ = operations.backup()
    # A copy the kiosk cannot reach at erasure time (a USB stick in the office drawer).
    offsite = tmp_path / "usb-stick" / before.name
    offsite.parent.mkdir()
    shutil.copyfile(before, offsite)
    data = config.data_dir
    assert files_holding(data, VISITOR) and files_holding(data, LEAVER)  # the search can see

    erased_visit = operations.erase_visitor(VISITOR)
    erased_staff = operations.erase_staff(LEAVER)

    assert "2 backup(s)" in erased_visit.message and "2 backup(s)" in erased_staff.message
    assert Path(f"{config.database_path}-wal").exists()  # the open database's WAL was searched
    for name in (VISITOR, VISITOR_ORG, LEAVER):
        assert files_holding(data, name) == [], name
    assert {e.kind for e in read_ledger(config.database_path)} == {"visitor", "staff"}
    app.close()

    restored, done = restore(config, offsite, clock)
    try:
        assert "2 erasure(s) made since that backup were applied again" in done.message
        for name in (VISITOR, VISITOR_ORG, LEAVER):
            assert files_holding(data, name) == [], name
        with restored.ctx.reading() as session:
            raw = session.connection().connection.driver_connection
            assert raw is not None
            row = raw.execute("SELECT name FROM staff WHERE name LIKE '(erased #%'").fetchone()
            by = raw.execute(
                "SELECT json_extract(payload, '$.recorded_by') FROM events WHERE kind = ?",
                (EventKind.SHIFT_START.value,),
            ).fetchall()
            visits = raw.execute("SELECT count(*) FROM events WHERE kind = 'visitor.in'")
            assert visits.fetchone()[0] == 1  # the visit is still counted
        assert [b for (b,) in by] == [row[0]]  # the recorder is the erased placeholder
    finally:
        restored.close()
    assert second.exists()
    again, done = restore(config, second, clock)  # a backup the erasure reached: nothing to do
    again.close()
    assert "Every erasure on the ledger was already in it." in done.message
    assert files_holding(data, LEAVER) == []


def test_restoring_a_backup_on_an_empty_ledger_says_so(
    app: App, config: Config, clock: ManualClock
) -> None:
    path, _ = OperationsService(app.ctx).backup()
    app.close()
    restored, done = restore(config, path, clock)
    restored.close()
    assert "Every erasure on the ledger was already in it." in done.message


def test_a_later_visitor_given_a_reused_id_is_not_erased_by_the_ledger(
    config: Config, clock: ManualClock
) -> None:
    """After a restore the next visitor may get the id of one erased in the lost future: the
    ledger matches the row's sign-in time too, so the newcomer keeps their details."""
    app, _ = initialise(config, clock, demo=True)
    operations = OperationsService(app.ctx)
    backup, _ = operations.backup()
    app.kiosk.visitors.sign_in(VisitorType.VISITOR, VISITOR, "", "", acknowledged=True,
                               lone_working=False)  # fmt: skip
    operations.erase_visitor(VISITOR)
    app.close()
    clock.advance(60)
    restored, _ = restore(config, backup, clock)
    newcomer = restored.kiosk.visitors.sign_in(
        VisitorType.VISITOR, "Nadia Newcomer", "", "", acknowledged=True, lone_working=False
    )
    OperationsService(restored.ctx).scrub_copies()  # replays the whole ledger again
    restored.close()
    db = sqlite3.connect(config.database_path)
    name = db.execute("SELECT name FROM visitors WHERE id = ?", (newcomer.subject_id,))
    assert name.fetchone()[0] == "Nadia Newcomer"
    db.close()


def test_the_cli_erases_and_restore_reports_the_ledger(kiosk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert kiosk("record", "visitor-in", "--name", VISITOR, "--acknowledged")[0] == 0
    code, out, _ = kiosk("backup")
    backup = Path(out.split("Backup written to ")[1].strip().rstrip("."))
    offsite = tmp_path / backup.name  # a copy taken off the kiosk before the erasure
    shutil.copyfile(backup, offsite)
    code, out, err = kiosk("erase", "--visitor", VISITOR)
    assert code == 0 and "Also erased from 1 backup(s)" in out, err
    code, out, err = kiosk("restore", str(offsite))
    assert code == 0 and "applied again before use" in out, err
    assert files_holding(tmp_path / "data", VISITOR) == []
