"""A kiosk that had staff of its own becomes managed: its staff take the setting's person ids,
once, on the kiosk and on the service alike, and no history is lost (who did what, who approved
it, who is on site read the same before and after). Real HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, and_, select
from sqlalchemy.orm import Session

from kiosk.app import App, open_app
from kiosk.clock import ManualClock
from kiosk.domain.taps import TapKind
from kiosk.domain.types import Reason, Role
from kiosk.store.models import Event, Staff
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.roster import Pulled, RosterPuller
from kiosk.sync.server import sitestate
from kiosk.sync.server.models import RecordEvent, Subject
from kiosk.sync.server.tenancy import Badge as ConsoleBadge
from kiosk.sync.server.tenancy import Kiosk, Person
from tests.conftest import BEN_UID, MANAGER_PIN, MORNING, staff_id
from tests.sync.doors import setting_with_doors
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running


def who_did_what(engine: Engine, kiosk_id: str) -> list[tuple[int, str, str | None, object]]:
    """The service's record of the kiosk: (seq, kind, whose name, approver's name)."""
    with Session(engine) as s:
        names = {(x.id): x.name for x in s.scalars(select(Subject).where(
            Subject.kiosk_id == kiosk_id, Subject.type == "staff"))}  # fmt: skip
        rows = s.execute(
            select(RecordEvent, Subject.name)
            .outerjoin(Subject, and_(Subject.kiosk_id == RecordEvent.kiosk_id,
                                     Subject.type == RecordEvent.subject_type,
                                     Subject.id == RecordEvent.subject_id))
            .where(RecordEvent.kiosk_id == kiosk_id, RecordEvent.kind != "roster.applied")
            .order_by(RecordEvent.seq)
        )  # fmt: skip
        return [(e.seq, e.kind, name, names.get((e.payload or {}).get("approver_id", -1)))
                for e, name in rows]  # fmt: skip


def on_site(engine: Engine, kiosk_id: str) -> list[tuple[str, list[str]]]:
    state = sitestate.current(engine, [kiosk_id])[kiosk_id]
    with Session(engine) as s:
        names = {x.id: x.name for x in s.scalars(select(Subject).where(
            Subject.kiosk_id == kiosk_id, Subject.type == "staff"))}  # fmt: skip
    return sorted((str(names[sid]), sorted(p.out)) for sid, p in state.staff.items())


def person_ids(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {p.name: p.id for p in s.scalars(select(Person))}


def puller_for(app: App, records: Running, clock: ManualClock) -> tuple[Pusher, RosterPuller]:
    kiosk_id = app.config.kiosk.id
    settings = PushSettings(url=records.url, kiosk_id=kiosk_id, token=records.token(kiosk_id),
                            backoff=Backoff(0.01, 0.05))  # fmt: skip
    pusher = Pusher(app.store, settings)
    return pusher, RosterPuller(pusher, app.config, clock)


def test_a_kiosks_own_staff_take_the_setting_ids_and_keep_their_history(
    records: Running, tmp_path: Path
) -> None:
    console = setting_with_doors(records, "hall")
    # The console had people before the kiosk ever pushed: ids 1 and 2 are theirs, not the
    # kiosk's Amara and Ben.
    console.add("Yan Early", "staff")
    console.add("Zed Early", "staff")
    app = make_kiosk(tmp_path, "hall", records.url, records.token("hall"))
    clock = ManualClock(MORNING)
    app.ctx.clock = clock
    ben, amara = staff_id(app, "Ben Carter"), staff_id(app, "Amara Okafor")
    app.kiosk.start_shift(ben, ["phone", "smartwatch"], locker="2")
    approval = app.kiosk.approvals.verify(amara, MANAGER_PIN)
    app.kiosk.device_out(ben, "phone", Reason.EMERGENCY, approval)
    pusher, puller = puller_for(app, records, clock)
    assert pusher.push().finished
    before = who_did_what(records.engine, "hall")
    site_before = on_site(records.engine, "hall")
    assert ("Ben Carter", ["phone"]) in site_before

    app.admin.add_staff("Kim Local", Role.STAFF)  # not pushed yet: the first snapshot waits
    assert puller.pull().outcome == Pulled.WAITING
    assert pusher.push().finished
    assert puller.pull().outcome == Pulled.APPLIED
    assert pusher.push().finished  # roster.applied, carrying the renumbering, reaches the service

    people = person_ids(records.engine)
    with app.store.reading() as s:
        mine = {x.name: x.id for x in s.scalars(select(Staff))}
        device_out = s.scalars(select(Event).where(Event.kind == "device.out")).one()
        ben_events = s.scalars(select(Event.kind).where(Event.staff_id == people["Ben Carter"]))
        assert {"admin.staff_add", "shift.start", "device.out"} <= set(ben_events)
    assert {n: mine[n] for n in people} == people  # each local row is now its person's id
    assert device_out.payload["approver_id"] == people["Amara Okafor"]
    with Session(records.engine) as s:
        assert s.get(Kiosk, "hall").managed_from_seq is not None  # type: ignore[union-attr]
    # The service renumbered its copy the same way: the record reads as before.
    assert who_did_what(records.engine, "hall")[: len(before)] == before
    assert on_site(records.engine, "hall") == site_before
    # The badges the kiosk enrolled itself are the setting's now, so the next snapshot keeps them.
    with Session(records.engine) as s:
        live = s.scalars(select(ConsoleBadge).where(ConsoleBadge.revoked_at.is_(None)))
        assert (BEN_UID, people["Ben Carter"]) in {(b.uid, b.person_id) for b in live}
    assert puller.pull().outcome == Pulled.APPLIED
    # Ben is still on shift, under his new number, and his badge still his.
    managed = open_app(app.file_config or app.config, clock)  # the kiosk restarted: managed
    assert managed.ctx.setting_version is not None
    clock.advance(60)
    assert managed.kiosk.tap(BEN_UID).kind == TapKind.ON_SHIFT
    managed.close()
    pusher.close()
    app.close()
