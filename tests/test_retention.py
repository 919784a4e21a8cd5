"""Retention: visitors' details erased after the configured days, counts kept, purge recorded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, update

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, SyncSection
from kiosk.domain.types import EventKind, VisitorType
from kiosk.retention import RetentionService
from kiosk.store import peers
from kiosk.store.models import Event, PeerEvent, SyncState, Visitor
from kiosk.store.peers import PeerIn
from tests.conftest import MORNING, staff_id


def test_visitor_details_are_erased_after_the_retention_period(
    app: App, clock: ManualClock
) -> None:
    visitors = app.kiosk.visitors
    old = visitors.sign_in(
        VisitorType.VISITOR, "Old Visitor", "Org", "Ben", acknowledged=True, lone_working=False
    )
    visitors.sign_out(visitors.find("old")[0].visitor_id)
    clock.advance(31 * 86400)
    visitors.sign_in(
        VisitorType.VISITOR, "New Visitor", "", "", acknowledged=True, lone_working=False
    )
    retention = RetentionService(app.ctx)

    dry, nothing = retention.purge(dry_run=True)
    assert (dry.visitors_erased, nothing) == (1, None)
    with app.ctx.reading() as session:
        assert session.get(Visitor, old.subject_id).name == "Old Visitor"  # type: ignore[union-attr]

    counts, done = retention.purge()
    assert counts.visitors_erased == 1 and done is not None
    with app.ctx.reading() as session:
        erased = session.get(Visitor, old.subject_id)
        assert erased is not None and erased.name is None and erased.organisation is None
        assert erased.erased_at is not None
        visits = session.scalar(
            select(func.count()).where(Event.kind == EventKind.VISITOR_IN.value)
        )
        assert visits == 2  # the count of visits is kept
        purge = session.scalars(
            select(Event).where(Event.kind == EventKind.ADMIN_PURGE.value)
        ).one()
        assert purge.payload["visitors_erased"] == 1
    assert [v.name for v in app.kiosk.roll_call.now().visitors] == ["New Visitor"]


def test_old_staff_events_go_but_an_open_shift_is_kept(app: App, clock: ManualClock) -> None:
    ben, chloe = staff_id(app, "Ben"), staff_id(app, "Chloé")
    app.kiosk.start_shift(chloe, ["phone"], locker="3")  # never ended: must survive any purge
    app.kiosk.start_shift(ben, [], no_device=True)
    app.kiosk.end_shift(ben)
    clock.advance(401 * 86400)
    app.kiosk.tap("ABCDEF01")  # a recent unknown badge stays
    counts, _ = RetentionService(app.ctx).purge()
    assert counts.staff_events_removed == 0  # everything after Chloé's open start is kept
    app.kiosk.end_shift(chloe)
    clock.advance(401 * 86400)
    counts, _ = RetentionService(app.ctx).purge()
    assert counts.staff_events_removed == 4
    assert counts.unknown_badge_events_removed == 1
    assert app.kiosk.roll_call.now().staff == []


def test_with_sync_on_only_what_the_records_service_has_is_removed(tmp_path: Path) -> None:
    config = Config(
        kiosk=KioskSection(data_dir=str(tmp_path / "data")),
        sync=SyncSection(url="https://records.example.invalid"),
    )
    clock = ManualClock(MORNING)
    app, _ = initialise(config, clock, demo=True)
    ben = staff_id(app, "Ben")
    app.kiosk.start_shift(ben, [], no_device=True)
    app.kiosk.end_shift(ben)
    clock.advance(401 * 86400)
    counts, _ = RetentionService(app.ctx).purge()
    assert counts.staff_events_removed == 0  # old, but never delivered: kept
    with app.ctx.recording() as session:
        session.execute(update(Event).values(sync_state=SyncState.SENT.value))
    counts, _ = RetentionService(app.ctx).purge()
    assert counts.staff_events_removed == 2
    app.close()


def test_other_doors_events_go_like_staff_events_but_not_an_open_shift(
    app: App, clock: ManualClock
) -> None:
    ben, priya = staff_id(app, "Ben"), staff_id(app, "Priya")
    receipts = iter(range(1, 100))

    def garden(kind: str, who: int) -> None:
        n = next(receipts)
        event = PeerIn(id=f"00000000-0000-4000-8000-{n:012d}", kiosk_id="garden", seq=n,
                       receipt=n, kind=kind, occurred_at=clock.now(), staff_id=who,
                       payload={"devices": [], "locker": None})  # fmt: skip
        with app.ctx.recording() as session:
            peers.store_page(session, [event], clock.now())
        clock.advance(60)

    garden("shift.start", ben)
    garden("shift.end", ben)
    garden("shift.start", priya)  # still on shift, begun at the other door: kept
    clock.advance(401 * 86400)
    counts, done = RetentionService(app.ctx).purge()
    assert counts.peer_events_removed == 2
    assert done is not None and "2 of other doors" in done.message
    assert [s.name for s in app.kiosk.roll_call.now().staff] == ["Priya Shah"]
    garden("shift.end", priya)
    clock.advance(401 * 86400)
    counts, _ = RetentionService(app.ctx).purge()
    assert counts.peer_events_removed == 1  # the newest stays: where the feed goes on from
    with app.ctx.reading() as session:
        assert list(session.scalars(select(PeerEvent.receipt))) == [4]
        assert peers.cursor(session) == 4
