"""Visitors the setting's kiosks still have signed in after closing, for the console: so the
manager sees, before tomorrow's roll call, who the list would wrongly count as inside."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, tuple_
from sqlalchemy.orm import Session

from kiosk.domain.endofday import still_in_after_closing
from kiosk.sync.server import queries, sitestate
from kiosk.sync.server.models import Subject
from kiosk.sync.server.tenancy import Setting


def late_visitors(engine: Engine, setting: Setting, now: datetime) -> list[list[str]]:
    """[name, type, kiosk, since] per visitor signed in before a closing time now past."""
    tz, closing = ZoneInfo(setting.timezone), time.fromisoformat(setting.closing_time)
    kiosks = queries.kiosks(engine, setting.id)
    kept = sitestate.current(engine, kiosks)
    late = []
    for kiosk in kiosks:
        state = kept.get(kiosk) or queries.site_state(engine, kiosk)
        late += [(kiosk, v) for v in still_in_after_closing(state, now, closing, tz)]
    if not late:
        return []
    keys = sorted({(kiosk, "visitor", int(v.visitor_id)) for kiosk, v in late})
    query = select(Subject).where(tuple_(Subject.kiosk_id, Subject.type, Subject.id).in_(keys))
    with Session(engine) as session:
        names = {(s.kiosk_id, s.id): s.name for s in session.scalars(query)}
    return [[names.get((kiosk, v.visitor_id)) or "(name erased)", v.visitor_type, kiosk,
             f"{v.arrived_at.astimezone(tz):%a %d %b %H:%M}"] for kiosk, v in late]  # fmt: skip
