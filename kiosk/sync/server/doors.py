"""One setting, several doors, on the records service: the feed's receipt numbers, and who is on
site across the setting's kiosks with the conflicts two doors cut off from each other made.

Every push first locks its setting's row and numbers its events from `settings.feed_receipt`, so
the numbers of one setting grow in commit order (a feed reading "after N" can never miss one
committed later with a smaller number). Each event is also labelled with who it is about at
every door: `s:<staff id>` (a kiosk's staff id is the setting's person id once kiosks fetch the
roster) or `v:<visit uuid>` (for a visit pushed without one, the uuid both sides derive from
the kiosk and its visitor number: kiosk.domain.doors.visit_uuid).

For each person a push touched, the merged fold (kiosk.domain.doors) of their events at every
door since their latest start before the push's earliest event (so a start is checked against
the one before it) is kept in `presences` (a
row while they are on site), and the conflicts it met in `door_conflicts`, replacing those it
found before in that stretch: an event arriving late is merged where it belongs, so the result
does not depend on which door reconnected first. The On-site page reads those rows only: it
costs what is on site now.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from kiosk.domain.doors import Conflict, DoorEvent, fold_doors, visit_uuid
from kiosk.domain.state import STAFF_KINDS, VISITOR_KINDS, SiteState
from kiosk.domain.types import StaffId, VisitorId
from kiosk.sync.server import sitestate
from kiosk.sync.server.clock import stored_text
from kiosk.sync.server.db import insert_for
from kiosk.sync.server.models import DoorConflict, Presence, RecordEvent
from kiosk.sync.server.schema import SubjectIn
from kiosk.sync.server.tenancy import Setting

STATE_KINDS = sorted(STAFF_KINDS | VISITOR_KINDS)
START_KINDS = ("shift.start", "visitor.in")
ONE = 1  # a single person is refolded at a time, under one id whatever their ids at each door


def who_of(kiosk_id: str, subject: SubjectIn | None) -> str | None:
    if subject is None:
        return None
    if subject.type == "staff":
        return f"s:{subject.id}"
    return f"v:{subject.uuid or visit_uuid(kiosk_id, subject.id)}"


def lock_setting(session: Session, setting_id: int) -> int:
    """Lock the setting's row until the transaction ends; the last receipt number given out."""
    query = select(Setting.feed_receipt).where(Setting.id == setting_id).with_for_update()
    return int(session.scalar(query) or 0)


def set_receipt(session: Session, setting_id: int, last: int) -> None:
    session.execute(update(Setting).where(Setting.id == setting_id).values(feed_receipt=last))


def _door_event(e: RecordEvent) -> DoorEvent:
    fact = sitestate.fact(e)
    if fact.staff_id is not None:
        fact = replace(fact, staff_id=StaffId(ONE))
    if fact.visitor_id is not None:
        fact = replace(fact, visitor_id=VisitorId(ONE))
    return DoorEvent(e.id, e.kiosk_id, e.seq, fact)


def _events_since(session: Session, setting_id: int, who: str, earliest: str) -> list[RecordEvent]:
    mine = (RecordEvent.setting_id == setting_id) & (RecordEvent.who == who)
    since = session.scalar(
        select(func.max(RecordEvent.occurred_at)).where(
            mine, RecordEvent.kind.in_(START_KINDS), RecordEvent.occurred_at < earliest
        )
    )
    query = select(RecordEvent).where(
        mine, RecordEvent.occurred_at >= (since or earliest), RecordEvent.kind.in_(STATE_KINDS)
    )
    return list(session.scalars(query))


def _presence(setting_id: int, who: str, state: SiteState, opened: RecordEvent) -> Presence:
    """The one person on site in `state`, under the id the door they came in by knows them by."""
    local = int(opened.subject_id or 0)
    kept = SiteState()
    for p in state.staff.values():
        kept.staff[StaffId(local)] = replace(p, staff_id=StaffId(local))
    for v in state.visitors.values():
        kept.visitors[VisitorId(local)] = replace(v, visitor_id=VisitorId(local))
    return Presence(setting_id=setting_id, who=who, origin_kiosk=opened.kiosk_id,
                    state=sitestate.encode(kept), since=opened.occurred_at)  # fmt: skip


def _conflict_row(
    setting_id: int, who: str, c: Conflict, rows: dict[str, RecordEvent]
) -> dict[str, Any]:
    at = stored_text(c.occurred_at)
    return {"event_id": c.event_id, "setting_id": setting_id, "who": who,
            "kiosk_id": c.kiosk_id, "subject_id": rows[c.event_id].subject_id, "kind": c.kind,
            "why": c.why[:200], "occurred_at": at}  # fmt: skip


def refold_one(session: Session, setting_id: int, who: str, earliest: str) -> None:
    """Refold one person's stretch that an event at `earliest` (or later) changed: from their
    latest start before it (the state then is empty but for that start)."""
    rows = _events_since(session, setting_id, who, earliest)
    by_id = {e.id: e for e in rows}
    try:
        state, conflicts = fold_doors(_door_event(e) for e in rows)
    except Exception:  # whatever the rules raise (as sitestate): keep what was kept before
        return
    session.execute(delete(Presence).where(Presence.setting_id == setting_id, Presence.who == who))
    if state.staff or state.visitors:
        starts = [e for e in rows if e.kind in START_KINDS]
        opened = max(starts, key=lambda e: (e.occurred_at, e.kiosk_id, e.seq), default=rows[0])
        session.add(_presence(setting_id, who, state, opened))
    first = min((e.occurred_at for e in rows), default=earliest)
    session.execute(delete(DoorConflict).where(DoorConflict.setting_id == setting_id,
                                               DoorConflict.who == who,
                                               DoorConflict.occurred_at > first))  # fmt: skip
    found = [_conflict_row(setting_id, who, c, by_id) for c in conflicts]
    if found:
        insert = insert_for(session)(DoorConflict.__table__)
        session.execute(insert.on_conflict_do_nothing(), found)
    session.flush()


def refold(session: Session, setting_id: int, touched: dict[str, str]) -> None:
    """After a push: refold each person it touched (who -> their earliest new event's time)."""
    for who in sorted(touched):
        refold_one(session, setting_id, who, touched[who])


def rebuild(session: Session) -> None:
    """Refold everyone whose latest event at some door left them on site (the upgrade)."""
    query = text(
        "SELECT DISTINCT setting_id, who FROM events WHERE setting_id IS NOT NULL "
        "AND who IS NOT NULL AND kind IN ('shift.start', 'visitor.in')"
    )
    for setting_id, who in session.execute(query).all():
        refold_one(session, int(setting_id), str(who), "9999")


def on_site(session: Session, setting_id: int) -> dict[str, SiteState]:
    """Who is on site in the setting now, by the door where their shift or visit began."""
    query = select(Presence).where(Presence.setting_id == setting_id)
    by_kiosk: dict[str, SiteState] = {}
    for row in sorted(session.scalars(query), key=lambda p: (p.since, p.who)):
        one = sitestate.decode(row.state)
        state = by_kiosk.setdefault(row.origin_kiosk, SiteState())
        state.staff.update(one.staff)
        state.visitors.update(one.visitors)
    return by_kiosk


def conflicts(session: Session, setting_id: int, limit: int = 100) -> list[DoorConflict]:
    """The setting's conflicts between doors, newest first."""
    query = (
        select(DoorConflict)
        .where(DoorConflict.setting_id == setting_id)
        .order_by(DoorConflict.occurred_at.desc(), DoorConflict.event_id)
        .limit(limit)
    )
    return list(session.scalars(query))
