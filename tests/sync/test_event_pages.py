"""An events page is read kiosk by kiosk and merged (each through the (kiosk_id, dated_at)
index): it must list exactly the rows, in exactly the order, that one query over all the
setting's kiosks gives, page after page, with every filter, also when some events were stamped
by an unset clock and are dated otherwise. SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk.sync.server import db, queries
from kiosk.sync.server.ingest import body_digest, store_batch
from kiosk.sync.server.models import RecordEvent
from kiosk.sync.server.schema import EventIn
from kiosk.sync.server.tenancy import Kiosk, Organisation, Setting

TZ = ZoneInfo("Europe/London")
START = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
UNSET = datetime(1970, 1, 1, 0, 3, tzinfo=UTC)
_settings = itertools.count(1)
FILTERS = [
    queries.Filters(),
    queries.Filters(kind="device"),
    queries.Filters(person="Ben"),
    queries.Filters(start=START.date() + timedelta(days=1), end=START.date() + timedelta(days=1)),
]


def _setting(engine: Engine, kiosks: list[str]) -> int:
    with Session(engine) as session, session.begin():
        org = Organisation(name="Group", created_at="now")
        session.add(org)
        session.flush()
        setting = Setting(organisation_id=org.id, name="Nursery", created_at="now")
        session.add(setting)
        session.flush()
        session.add_all(Kiosk(id=k, setting_id=setting.id, created_at="now") for k in kiosks)
        return setting.id


def _event(seq: int, minute: int, kind: str, staff: int) -> EventIn:
    """Every fifth moment's event stamped 1970 by an unset clock: dated by the next event of
    its boot with a set clock (a few minutes before it), or by its receipt if none follows."""
    name = "Ben Carter" if staff == 1 else "Amara Okafor"
    unset = minute % 5 == 0
    at = UNSET if unset else START + timedelta(minutes=11 * minute)
    return EventIn.model_validate({
        "id": str(uuid.uuid4()), "seq": seq, "kind": kind,
        "occurred_at": at.isoformat(), "clock_synced": not unset,
        "boot_id": "b", "mono_ns": seq * 60 * 10**9, "payload": {"device": "phone"},
        "subject": {"type": "staff", "id": staff, "name": name},
    })  # fmt: skip


def _one_query(engine: Engine, setting_id: int, f: queries.Filters) -> list[str]:
    """Every matching event newest first, by one query over the setting's kiosks."""
    query = queries.event_query(setting_id, f, TZ).order_by(
        RecordEvent.dated_at.desc(), RecordEvent.id.desc()
    )
    with Session(engine) as session:
        return [e.id for e in session.scalars(query)]


KINDS = ["shift.start", "device.out", "device.in", "badge.unknown"]


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
# At least 120 events (a second page) at 151 moments over two days: ties within and across kiosks.
@given(minutes=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 150),
                                  st.sampled_from(KINDS), st.integers(1, 2)),
                        min_size=120, max_size=260))  # fmt: skip
def test_pages_are_the_one_query_cut_in_hundreds(
    records_engine: Engine, minutes: list[tuple[int, int, str, int]]
) -> None:
    db.upgrade(records_engine)
    n = next(_settings)
    kiosks = [f"p{n}-{k}" for k in range(3)]  # kiosk 3 of the draws belongs to another setting
    setting_id = _setting(records_engine, kiosks)
    other = _setting(records_engine, [f"p{n}-x"])
    for k, group in itertools.groupby(sorted(minutes), key=lambda m: m[0]):
        kiosk = kiosks[k] if k < 3 else f"p{n}-x"
        batch = [_event(seq, m, kind, staff) for seq, (_, m, kind, staff) in enumerate(group, 1)]
        store_batch(records_engine, kiosk, uuid.uuid4().hex, body_digest(b"x"), batch)
    assert other != setting_id
    for f in [*FILTERS, queries.Filters(kiosk=kiosks[1]), queries.Filters(kiosk=f"p{n}-x")]:
        expected = _one_query(records_engine, setting_id, f)
        shown: list[str] = []
        for page in itertools.count(1):
            rows, _names, more = queries.event_page(records_engine, setting_id, f, TZ, page)
            shown += [e.id for e in rows]
            assert more == (len(expected) > page * queries.PAGE_ROWS)
            if not more:
                break
        assert shown == expected, f
