"""The CSV export, read back as Excel would: BOM, names resolved, local time beside UTC,
formulas neutralised, private file, nothing half-written, and the export itself audited."""

from __future__ import annotations

import csv
import os
import sqlite3
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.types import EventKind, Reason, VisitorType
from kiosk.export import (
    HEADER,
    ExportRequest,
    ExportScope,
    _local,
    _safe,
    offset_changes,
)
from kiosk.export_columns import neutralise
from kiosk.services.exports import ExportService
from tests.conftest import MANAGER_PIN, staff_id


def read_back(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte order mark"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def export(
    app: App, path: Path, scope: ExportScope = ExportScope.ALL, day: date | None = None
) -> list[dict[str, str]]:
    when = day or app.ctx.clock.now().date()
    ExportService(app.ctx).export(ExportRequest(when, when, scope, path))
    return read_back(path)


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Jane Doe", "Jane Doe"),
        ("O'Brien", "O'Brien"),
    ],
)
def test_neutralise_in_python_and_in_the_export_query(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe
    db = sqlite3.connect(":memory:")
    assert db.execute(f"SELECT {_safe(':cell')}", {"cell": cell}).fetchone()[0] == safe


@pytest.mark.parametrize(
    ("moment", "local"),
    [
        ("2026-03-29T00:59:59.000000+00:00", "2026-03-29 00:59:59"),  # last second of GMT
        ("2026-03-29T01:00:00.000000+00:00", "2026-03-29 02:00:00"),  # clocks go forward
        ("2026-10-25T00:59:59.000000+00:00", "2026-10-25 01:59:59"),  # last second of BST
        ("2026-10-25T01:00:00.000000+00:00", "2026-10-25 01:00:00"),  # clocks go back
    ],
)
def test_local_time_in_sql_follows_the_zone_across_changes(moment: str, local: str) -> None:
    tz = ZoneInfo("Europe/London")
    lo, hi = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    expr = _local(":t", offset_changes(tz, lo, hi))
    db = sqlite3.connect(":memory:")
    assert db.execute(f"SELECT {expr}", {"t": moment}).fetchone()[0] == local
    assert datetime.fromisoformat(moment).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") == local


def test_export_reads_back_with_names_times_and_safe_cells(
    app: App, clock: ManualClock, tmp_path: Path
) -> None:
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, ["phone", "smartwatch"], locker="2")
    approval = app.kiosk.approvals.verify(staff_id(app, "Amara"), MANAGER_PIN)
    app.kiosk.device_out(ben, "phone", Reason.EMERGENCY, approval)
    app.kiosk.visitors.sign_in(
        VisitorType.VISITOR, "=HYPERLINK(\"http://evil\")", "@Acme", "Room 2",
        acknowledged=True, lone_working=True,
    )  # fmt: skip
    rows = export(app, tmp_path / "out.csv")
    assert list(rows[0]) == HEADER
    start = next(r for r in rows if r["kind"] == "shift.start")
    assert (start["person"], start["devices"], start["locker"]) == (
        "Ben Carter",
        "phone; smartwatch",
        "2",
    )
    out = next(r for r in rows if r["kind"] == "device.out")
    assert (out["reason"], out["approver"]) == ("emergency", "Amara Okafor")
    assert out["devices"] == "phone"
    assert out["expected_return_local"] == "2026-11-24 08:15:00"
    visit = next(r for r in rows if r["kind"] == "visitor.in")
    assert visit["person"].startswith("'=") and visit["organisation"] == "'@Acme"
    assert visit["lone_working"] == "yes" and visit["quiet_space_shown"]
    assert stat.S_IMODE(os.stat(tmp_path / "out.csv").st_mode) == 0o600
    assert not list(tmp_path.glob(".*partial"))


def test_local_time_column_follows_british_summer_time(config: object, tmp_path: Path) -> None:
    from kiosk.app import initialise
    from kiosk.config import Config

    assert isinstance(config, Config)
    summer = ManualClock(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))  # 00:30 on 2 July in London
    app, _ = initialise(config, summer, demo=True)
    app.kiosk.start_shift(staff_id(app, "Ben"), [], no_device=True)
    rows = export(app, tmp_path / "s.csv", day=date(2026, 7, 2))  # the local day, not the UTC one
    start = next(r for r in rows if r["kind"] == "shift.start")
    assert start["time_utc"].startswith("2026-07-01T23:30")
    assert start["time_local"] == "2026-07-02 00:30:00"
    app.close()


def test_scope_and_date_range(app: App, clock: ManualClock, tmp_path: Path) -> None:
    app.kiosk.start_shift(staff_id(app, "Ben"), [], no_device=True)
    app.kiosk.visitors.sign_in(
        VisitorType.PARENT, "Pat Parent", "", "", acknowledged=True, lone_working=False
    )
    staff_rows = export(app, tmp_path / "a.csv", ExportScope.STAFF)
    assert {r["person_type"] for r in staff_rows} == {"staff"}
    visitor_rows = export(app, tmp_path / "b.csv", ExportScope.VISITORS)
    assert [r["kind"] for r in visitor_rows] == ["visitor.in"]
    assert export(app, tmp_path / "c.csv", day=date(2026, 1, 1)) == []


def test_the_export_is_audited(app: App, tmp_path: Path) -> None:
    export(app, tmp_path / "a.csv")
    rows = export(app, tmp_path / "b.csv")
    audit = [r for r in rows if r["kind"] == EventKind.ADMIN_EXPORT]
    assert len(audit) == 1  # the first export, recorded after it was written


def test_a_failed_export_leaves_no_file(app: App, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    request = ExportRequest(date(2026, 11, 24), date(2026, 11, 24), ExportScope.ALL, target)

    def explode(rows: int) -> None:
        raise OSError(28, "No space left on device")

    app.kiosk.start_shift(staff_id(app, "Ben"), [], no_device=True)
    with pytest.raises(OSError, match="No space"):
        ExportService(app.ctx).export(request, on_progress=explode)  # fails after the first chunk
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]
