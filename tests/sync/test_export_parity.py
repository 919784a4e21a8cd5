"""The two CSV exports of one day agree cell by cell: `kiosk export` on the kiosk (SQL over
SQLite) and the records service's export (Python over SQLite or PostgreSQL), both derived from
`kiosk.export_columns`. The day holds every column's kind of event, and formula text in every
text column either side could receive, so a column defined or neutralised differently fails here.
It also holds an event stamped 1970 by an unset clock (a Pi that booted without the time), which
both exports list in its real day, worked out from its boot's next synchronised event, with the
same local time for its stored time (London was UTC+1 all through 1970)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.types import EventKind, PolicyError, Reason, VisitorType
from kiosk.export import ExportRequest, ExportScope
from kiosk.export_columns import FORMULA_STARTS, HEADER
from kiosk.services.exports import ExportService
from kiosk.store import events
from kiosk.sync.server.managers import set_password
from tests.conftest import MANAGER_PIN, MORNING, staff_id
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running
from tests.sync.site import FORMULA_NAME
from tests.sync.test_pusher import pusher_for
from tests.sync.test_web import PASSWORD, home, login

DAY = MORNING.date()
UNSET_DAY = date(1970, 1, 1)  # a Pi that booted without the time (London was UTC+1 then)


def _a_day_of_everything(app: App) -> None:
    service = app.kiosk
    ben, amara = staff_id(app, "Ben Carter"), staff_id(app, "Amara")
    service.start_shift(ben, ["phone", "smartwatch"], locker="2")
    approval = service.approvals.verify(amara, MANAGER_PIN)
    back = MORNING.replace(hour=15)
    service.device_out(ben, "phone", Reason.OUTING, approval, expected_return=back)
    with pytest.raises(PolicyError):
        service.approvals.verify(amara, "0000")  # approval.refused, with its reason
    service.tap("DEADBEEF")  # badge.unknown
    service.visitors.sign_in(VisitorType.CONTRACTOR, FORMULA_NAME, "+Sparks Ltd", "-Office",
                             acknowledged=True, lone_working=True,
                             on_behalf="@front desk")  # fmt: skip
    service.end_shift(ben)
    # A tap while the clock was not set, a minute before the same boot's clock was set.
    unset = ManualClock(datetime.combine(UNSET_DAY, time(18, 3), tzinfo=UTC), synced=False)
    with app.store.transaction() as session:
        events.append(session, unset, app.config.kiosk.id, EventKind.BADGE_UNKNOWN,
                      payload={"uid": "0BADC10C"})  # fmt: skip
    clock_set = ManualClock(MORNING - timedelta(minutes=1))
    clock_set.advance(60)
    # What a kiosk of another version could send the records service: formula text in the
    # columns the kiosk's own config keeps to identifiers (devices, locker, notice version).
    with app.store.transaction() as session:
        for kind, payload in [
            (EventKind.SHIFT_START, {"devices": ["=cmd", "\tphone"], "locker": "+1"}),
            (EventKind.VISITOR_IN, {"notice_version": "@2026", "quiet_space": "\rroom"}),
            (EventKind.BADGE_REFUSED, {"uid": "=1+1", "why": "-revoked"}),
        ]:
            events.append(session, clock_set, app.config.kiosk.id, kind,
                          staff_id=ben, payload=payload)  # fmt: skip


def _kiosk_rows(app: App, path: Path, day: date = DAY) -> list[list[str]]:
    ExportService(app.ctx).export(ExportRequest(day, day, ExportScope.ALL, path))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _records_rows(records: Running, day: date = DAY) -> list[list[str]]:
    set_password(records.engine, "amara", PASSWORD)
    web, _ = login(records)
    answer = web.get(
        f"{home(records)}/events.csv",
        params={"start": day.isoformat(), "end": day.isoformat()},
        timeout=30,
    )
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.text)))


def test_both_exports_of_one_day_agree_cell_by_cell(records: Running, tmp_path: Path) -> None:
    app = make_kiosk(tmp_path, "entrance-1", token=records.token("entrance-1"))
    _a_day_of_everything(app)
    assert pusher_for(app, records).push().finished
    kiosk_rows = _kiosk_rows(app, tmp_path / "day.csv")
    records_rows = _records_rows(records)
    app.close()

    assert kiosk_rows[0] == records_rows[0] == HEADER
    assert len(kiosk_rows) == len(records_rows) > 10
    for mine, theirs in zip(kiosk_rows[1:], records_rows[1:], strict=True):
        for column, a, b in zip(HEADER, mine, theirs, strict=True):
            assert a == b, f"seq {mine[0]}, column {column}: kiosk {a!r}, records {b!r}"
    cells = [cell for row in kiosk_rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)], "a formula cell got through"
    by_kind = {row[HEADER.index("kind")]: dict(zip(HEADER, row, strict=True)) for row in kiosk_rows}
    assert by_kind["approval.refused"]["detail"] == "why=wrong_pin"
    assert by_kind["device.out"]["approver"] == "Amara Okafor"
    assert by_kind["badge.refused"]["detail"] == "uid==1+1 why=-revoked"


def test_a_quoted_formula_keeps_its_text(records: Running, tmp_path: Path) -> None:
    """Neutralising adds one quote in front and changes nothing else, in either export."""
    app = make_kiosk(tmp_path, "entrance-1", token=records.token("entrance-1"))
    _a_day_of_everything(app)
    assert pusher_for(app, records).push().finished
    rows = _records_rows(records)
    app.close()
    devices = [r[HEADER.index("devices")] for r in rows if r[HEADER.index("locker")] == "'+1"]
    assert devices == ["'=cmd; \tphone"]
    assert date.fromisoformat(rows[1][HEADER.index("time_local")][:10]) == DAY


def test_an_event_stamped_by_an_unset_clock_is_in_its_real_day_of_both(
    records: Running, tmp_path: Path
) -> None:
    """Both list the tap in the day it happened, the same row. The kiosk also lists it in the
    day its clock said (kiosk.export.UNSYNCED_IN_RANGE); the console dates each event once, by
    the time it worked out (kiosk.sync.server.queries.event_query says why): that day's file is
    the kiosk's without it."""
    app = make_kiosk(tmp_path, "entrance-1", token=records.token("entrance-1"))
    _a_day_of_everything(app)
    assert pusher_for(app, records).push().finished
    day_rows = _kiosk_rows(app, tmp_path / "day.csv"), _records_rows(records)
    kiosk_unset_day = _kiosk_rows(app, tmp_path / "unset.csv", UNSET_DAY)
    records_unset_day = _records_rows(records, UNSET_DAY)
    app.close()
    uid = HEADER.index("detail")
    (tapped,) = [row for row in day_rows[0] if row[uid] == "uid=0BADC10C"]
    assert tapped[HEADER.index("clock_synced")] == "no"
    assert tapped in day_rows[1]  # the same row, cell by cell, in the console's file
    assert kiosk_unset_day == [HEADER, tapped]
    assert records_unset_day == [HEADER]
