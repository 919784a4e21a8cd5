"""Retention on a wrong clock, and the records it used to keep for ever.

A Pi that boots without network time stamps its events 1970. Those events are aged by the time
they really happened (a later synchronised event of the same boot fixes it exactly; any later
synchronised event bounds it), and a visitor still on site is never erased. Refused badges and
wrong PINs, and the CSV files exports wrote, have their own retention periods."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.times import Anchor, right_time
from kiosk.domain.types import EventKind, PolicyError, VisitorType
from kiosk.export import ExportRequest, ExportScope
from kiosk.retention import RetentionService
from kiosk.services.exports import ExportService
from kiosk.store.models import Event, Visitor
from tests.conftest import MANAGER_PIN, MORNING, staff_id
from tests.test_erasure_copies import files_holding

EPOCH = datetime(1970, 1, 1, 0, 0, 5, tzinfo=UTC)
DAY_S = 86400


def boot_without_network_time(clock: ManualClock) -> None:
    clock.set_wall(EPOCH, synced=False)


def network_time_arrives(clock: ManualClock) -> None:
    clock.set_wall(MORNING, synced=True)


def held_name(app: App, visitor_id: int | None) -> str | None:
    with app.ctx.reading() as session:
        row = session.get(Visitor, visitor_id)
        assert row is not None
        return row.name


def kinds(app: App, kind: EventKind) -> int:
    with app.ctx.reading() as session:
        return session.scalar(select(func.count()).where(Event.kind == kind.value)) or 0


def test_a_visitor_who_signed_in_in_1970_and_is_still_on_site_is_kept(
    app: App, clock: ManualClock
) -> None:
    boot_without_network_time(clock)
    visit = app.kiosk.visitors.sign_in(VisitorType.VISITOR, "Early Bird", "", "",
                                       acknowledged=True, lone_working=False)  # fmt: skip
    network_time_arrives(clock)
    counts, _ = RetentionService(app.ctx).purge()
    assert counts.visitors_erased == 0 and held_name(app, visit.subject_id) == "Early Bird"
    assert [v.name for v in app.kiosk.roll_call.now().visitors] == ["Early Bird"]

    app.kiosk.visitors.sign_out(app.kiosk.visitors.find("Early")[0].visitor_id)
    clock.advance(29 * DAY_S)
    assert RetentionService(app.ctx).purge()[0].visitors_erased == 0  # left 29 days ago
    clock.advance(2 * DAY_S)
    assert RetentionService(app.ctx).purge()[0].visitors_erased == 1
    assert held_name(app, visit.subject_id) is None


def test_a_1970_refusal_is_aged_from_the_monotonic_clock_of_its_boot(
    app: App, clock: ManualClock
) -> None:
    ben = staff_id(app, "Ben")
    app.admin.revoke_badge("5A3F9C21")  # Ben's badge
    boot_without_network_time(clock)
    app.kiosk.tap("5A3F9C21")  # refused: revoked, stamped 1970
    clock.advance(600)  # ten minutes later NTP answers; then a synchronised event of this boot
    network_time_arrives(clock)
    app.kiosk.start_shift(ben, [], no_device=True)
    app.kiosk.end_shift(ben)
    assert kinds(app, EventKind.BADGE_REFUSED) == 1

    assert RetentionService(app.ctx).purge()[0].refused_events_removed == 0
    clock.advance(31 * DAY_S)
    assert RetentionService(app.ctx).purge()[0].refused_events_removed == 1
    assert kinds(app, EventKind.BADGE_REFUSED) == 0


def test_wrong_pins_are_removed_after_their_own_period(app: App, clock: ManualClock) -> None:
    amara = staff_id(app, "Amara")
    with pytest.raises(PolicyError):
        app.kiosk.approvals.verify(amara, "0000")
    app.kiosk.approvals.verify(amara, MANAGER_PIN)
    app.ctx.config = replace(
        app.ctx.config, retention=replace(app.ctx.config.retention, refused_attempts_days=10)
    )
    clock.advance(9 * DAY_S)
    assert RetentionService(app.ctx).purge()[0].refused_events_removed == 0
    clock.advance(2 * DAY_S)
    counts, done = RetentionService(app.ctx).purge()
    assert counts.refused_events_removed == 1 and kinds(app, EventKind.APPROVAL_REFUSED) == 0
    assert done is not None and "1 refused-badge or wrong-PIN" in done.message


def test_an_event_with_no_synchronised_event_after_it_is_kept(app: App, clock: ManualClock) -> None:
    app.admin.revoke_badge("5A3F9C21")
    boot_without_network_time(clock)
    app.kiosk.tap("5A3F9C21")
    clock.advance(400 * DAY_S)  # still unsynchronised: nothing says how old the refusal is
    assert RetentionService(app.ctx).purge()[0].refused_events_removed == 0
    assert kinds(app, EventKind.BADGE_REFUSED) == 1


@pytest.mark.parametrize(
    ("synced", "same_boot", "later", "expected"),
    [
        (True, None, None, EPOCH),
        (False, Anchor(MORNING, 61_000_000_000), None, MORNING.replace(minute=44)),
        (False, None, MORNING, MORNING),
        (False, None, None, None),
    ],
)
def test_right_time(
    synced: bool, same_boot: Anchor | None, later: datetime | None, expected: datetime | None
) -> None:
    assert right_time(EPOCH, synced, 1_000_000_000, same_boot, later) == expected


def test_export_files_are_deleted_after_their_period_unless_changed(
    app: App, clock: ManualClock, tmp_path: Path
) -> None:
    app.kiosk.visitors.sign_in(VisitorType.VISITOR, "Csv Person", "", "", acknowledged=True,
                               lone_working=False)  # fmt: skip
    exports = ExportService(app.ctx)
    kept, gone = tmp_path / "edited.csv", tmp_path / "export.csv"
    for path in (kept, gone):
        exports.export(ExportRequest(MORNING.date(), MORNING.date(), ExportScope.ALL, path))
    with kept.open("a") as handle:  # the manager edited it: no longer the kiosk's export
        handle.write("note\n")
    os.utime(kept, ns=(0, 0))
    clock.advance(6 * DAY_S)
    assert RetentionService(app.ctx).purge()[0].export_files_removed == 0
    clock.advance(2 * DAY_S)
    counts, _ = RetentionService(app.ctx).purge()
    assert counts.export_files_removed == 1 and not gone.exists() and kept.exists()


def test_purged_details_are_in_no_file(app: App, clock: ManualClock) -> None:
    visitors = app.kiosk.visitors
    visitors.sign_in(VisitorType.PARENT, "Perpetua Purgeable", "Acme Widgets", "Ben",
                     acknowledged=True, lone_working=False)  # fmt: skip
    visitors.sign_out(visitors.find("Perp")[0].visitor_id)
    data = app.config.data_dir
    assert files_holding(data, "Perpetua Purgeable")
    clock.advance(31 * DAY_S)
    assert RetentionService(app.ctx).purge()[0].visitors_erased == 1
    assert files_holding(data, "Perpetua Purgeable") == []
    assert files_holding(data, "Acme Widgets") == []


def test_an_export_of_today_includes_what_was_stamped_1970_this_morning(
    app: App, clock: ManualClock, tmp_path: Path
) -> None:
    boot_without_network_time(clock)
    app.kiosk.visitors.sign_in(
        VisitorType.VISITOR, "Early Bird", "", "", acknowledged=True, lone_working=False
    )
    clock.advance(300)
    network_time_arrives(clock)  # five minutes later by the monotonic clock, at 07:45
    app.kiosk.visitors.sign_out(app.kiosk.visitors.find("Early")[0].visitor_id)
    exports = ExportService(app.ctx)

    def exported(day: datetime) -> list[dict[str, str]]:
        out = tmp_path / f"{day:%Y%m%d}.csv"
        request = ExportRequest(day.date(), day.date(), ExportScope.VISITORS, out)
        exports.export(request)
        rows = _rows(out)
        assert exports.count(request) == len(rows)
        return rows

    today = exported(MORNING)
    assert [(r["kind"], r["clock_synced"]) for r in today] == [
        ("visitor.in", "no"), ("visitor.out", "yes")]  # fmt: skip
    assert today[0]["time_utc"].startswith("1970-01-01")  # shown as stamped, flagged
    assert [r["kind"] for r in exported(EPOCH)] == ["visitor.in"]  # also where it was stamped


def _rows(path: Path) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
