"""`kiosk check` proves the event log untouched: after a real day of use (with an erasure and a
purge) it says intact; after an edit, a deletion or a reorder made with sqlite3 behind the kiosk's
back it fails and names the exact event. Existing logs are chained by the upgrade."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.app import App, initialise
from kiosk.cli import main
from kiosk.clock import ManualClock
from kiosk.config import Config
from kiosk.domain.types import EventKind, Reason, Role, VisitorType
from kiosk.retention import RetentionService
from kiosk.services.operations import OperationsService
from kiosk.store import migrate
from kiosk.store.chain_check import check_chains
from kiosk.store.db import Store
from kiosk.store.models import Event
from tests.conftest import BEN_UID, MANAGER_PIN, MANAGER_UID, staff_id

Check = Callable[[], tuple[int, str]]


def a_day_of_use(app: App, clock: ManualClock) -> None:
    ben, chloe = staff_id(app, "Ben"), staff_id(app, "Chloé")
    app.kiosk.tap(BEN_UID)
    app.kiosk.start_shift(ben, ["phone"], locker="2")
    app.kiosk.start_shift(chloe, [], no_device=True)
    manager = app.kiosk.approvals.manager_for_badge(MANAGER_UID)
    approval = app.kiosk.approvals.verify(manager.staff_id, MANAGER_PIN)
    app.kiosk.device_out(ben, "phone", Reason.EMERGENCY, approval)
    clock.advance(600)
    app.kiosk.device_in(ben, "phone")
    app.kiosk.tap("DEADBEEF")
    visit = app.kiosk.visitors.sign_in(
        VisitorType.CONTRACTOR, "Siobhán Kelly", "Acme", "", acknowledged=True, lone_working=True
    )
    app.kiosk.visitors.sign_out(visit.subject_id or 0)
    app.admin.enrol_badge(chloe, "C0FFEE01")
    clock.advance(8 * 3600)
    app.kiosk.end_shift(ben)
    app.kiosk.end_shift(chloe)


@pytest.fixture
def check(config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Check:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[kiosk]\ndata_dir = "{config.data_dir}"\n')

    def run() -> tuple[int, str]:
        code = main(["--config", str(path), "check"])
        out, err = capsys.readouterr()
        return code, out + err

    return run


def sql(config: Config, statement: str, *params: object) -> None:
    with sqlite3.connect(config.database_path) as db:
        db.execute(statement, params)


def seq_of(app: App, kind: EventKind, nth: int = 0) -> int:
    with app.ctx.reading() as session:
        rows = session.scalars(
            select(Event.seq).where(Event.kind == kind.value).order_by(Event.seq)
        )
        return list(rows)[nth]


def test_a_day_with_an_erasure_and_purges_checks_intact(
    app: App, clock: ManualClock, check: Check
) -> None:
    a_day_of_use(app, clock)
    OperationsService(app.ctx).erase_visitor("Siobhán Kelly")
    clock.advance(31 * 86400)
    RetentionService(app.ctx).purge()  # unknown badges go
    clock.advance(370 * 86400)
    counts, _ = RetentionService(app.ctx).purge()  # and the old shifts
    assert counts.staff_events_removed > 0
    sql(app.config, "UPDATE events SET sync_state = 'sent', sync_error = 'x', sync_attempts = 3")
    code, out = check()
    assert code == 0, out
    assert f"chain of {app.config.kiosk.id} (this kiosk)" in out and "intact" in out


def test_a_leaver_erased_from_what_they_recorded_for_others_checks_intact(
    app: App, check: Check
) -> None:
    """An erasure rewrites `recorded_by` in place (the law asks it); the chain does not call
    that tampering, and the erasure is an event in the chain."""
    app.admin.add_staff("Yusuf Leaver", Role.STAFF)
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, [], no_device=True, on_behalf="Yusuf Leaver")
    app.kiosk.end_shift(ben)
    OperationsService(app.ctx).erase_staff("Yusuf Leaver")
    with sqlite3.connect(app.config.database_path) as db:
        rows = db.execute("SELECT payload FROM events WHERE payload LIKE '%Yusuf%'").fetchall()
    assert rows == []
    code, out = check()
    assert code == 0, out


def test_an_edited_row_is_reported_at_its_seq(app: App, clock: ManualClock, check: Check) -> None:
    a_day_of_use(app, clock)
    target = seq_of(app, EventKind.DEVICE_OUT)
    sql(app.config, "UPDATE events SET payload = json_set(payload, '$.reason', 'outing') "
        "WHERE seq = ?", target)  # fmt: skip
    code, out = check()
    assert code == 1
    assert f"seq {target}: device.out was changed after it was recorded" in out
    assert out.count("seq ") == 1 + out.count("chain of")  # that one event, nothing else


def test_an_edited_time_is_reported(app: App, clock: ManualClock, check: Check) -> None:
    a_day_of_use(app, clock)
    target = seq_of(app, EventKind.SHIFT_END)
    sql(app.config, "UPDATE events SET occurred_at = '2026-11-24T09:00:00.000000+00:00' "
        "WHERE seq = ?", target)  # fmt: skip
    assert f"seq {target}: shift.end was changed" in check()[1]


def test_a_deleted_row_is_reported_where_it_was(app: App, clock: ManualClock, check: Check) -> None:
    a_day_of_use(app, clock)
    target = seq_of(app, EventKind.BADGE_UNKNOWN)
    sql(app.config, "DELETE FROM events WHERE seq = ?", target)
    code, out = check()
    assert code == 1 and f"seq {target}: event(s) {target} missing: deleted, not purged" in out


def test_deleting_the_newest_rows_is_reported(app: App, clock: ManualClock, check: Check) -> None:
    a_day_of_use(app, clock)
    last = app.kiosk.roll_call.status()["last_seq"]
    sql(app.config, "DELETE FROM events WHERE seq >= ?", last - 1)
    code, out = check()
    assert code == 1 and f"seq {last - 1}: event(s) {last - 1}-{last} missing" in out


def test_reordered_rows_are_reported(app: App, clock: ManualClock, check: Check) -> None:
    a_day_of_use(app, clock)
    a, b = seq_of(app, EventKind.DEVICE_OUT), seq_of(app, EventKind.DEVICE_IN)
    sql(app.config, "UPDATE events SET seq = -1 WHERE seq = ?", a)
    sql(app.config, "UPDATE events SET seq = ? WHERE seq = ?", a, b)
    sql(app.config, "UPDATE events SET seq = ? WHERE seq = -1", b)
    code, out = check()
    assert code == 1
    assert f"seq {a}: device.in was changed" in out and f"seq {b}: device.out was changed" in out


def test_a_rehashed_forgery_still_breaks_the_next_link(
    app: App, clock: ManualClock, check: Check
) -> None:
    """Someone who also recomputes the edited row's hash is caught by the row after it."""
    from kiosk.domain.chain import event_hash
    from kiosk.store.events import chain_link

    a_day_of_use(app, clock)
    target = seq_of(app, EventKind.DEVICE_OUT)
    with app.ctx.recording() as session:
        row = session.scalars(select(Event).where(Event.seq == target)).one()
        row.payload = {**row.payload, "reason": "outing"}
        row.hash = event_hash(chain_link(row), row.prev_hash or "")
    assert f"seq {target + 1}: device.in does not follow seq {target}" in check()[1]


def test_an_existing_log_is_chained_by_the_upgrade(config: Config, clock: ManualClock) -> None:
    store = Store(config.database_path)
    migrate.upgrade(store, "0001")
    with store.engine.begin() as conn:  # a first-release log, with a gap an old purge left
        conn.exec_driver_sql("INSERT INTO kiosk_counters VALUES ('entrance-1', 5)")
        for seq in (1, 2, 4, 5):
            conn.exec_driver_sql(
                "INSERT INTO events (id, kiosk_id, seq, kind, occurred_at, clock_synced, boot_id, "
                "mono_ns, payload, sync_state, sync_attempts) VALUES "
                f"('00000000-0000-4000-8000-00000000000{seq}', 'entrance-1', {seq}, "
                f"'badge.unknown', '2026-11-2{seq}T08:00:00.000000+00:00', 1, 'b', {seq}, "
                "'{\"uid\": \"AB12\"}', 'sent', 1)"
            )
    store.close()
    app, _ = initialise(config, clock)  # upgrades, and appends admin.init to the chain
    with app.ctx.reading() as session:
        reports = check_chains(session, config.kiosk.id)
        hashes = list(session.scalars(select(Event.hash).order_by(Event.seq)))
    app.close()
    assert [r.breaks for r in reports] == [[]]
    assert reports[0].events == 5 and all(hashes)


def test_a_deliberate_rewrite_rechained_checks_intact(
    app: App, clock: ManualClock, check: Check
) -> None:
    """A recorded one-time rewrite (renumbering staff) re-hashes the chain from its first row."""
    from kiosk.store.events import rechain

    a_day_of_use(app, clock)
    first = seq_of(app, EventKind.SHIFT_START)
    sql(app.config, "UPDATE events SET staff_id = 4 WHERE staff_id = 2 AND seq >= ?", first)
    assert check()[0] == 1
    with app.ctx.recording() as session:
        old, new = rechain(session, app.config.kiosk.id, first)
    assert old != new
    app.admin.add_staff("Dee Ng")  # and the chain goes on from the new head
    code, out = check()
    assert code == 0, out
