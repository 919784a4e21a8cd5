"""Who is on site at each kiosk, kept current at ingest so that the On-site page costs what is on
site now, not what happened since the first day (issue 10: 90 s at 1.94 million events when the
page folded every event of every kiosk).

One `kiosk_states` row per kiosk holds `fold` of its events up to `upto_seq`, as JSON. Each push
locks its kiosk's row first (pushes of one kiosk take turns; others are not held up), inserts its
events, and folds only the events after `upto_seq`, read back from the table through the
(kiosk_id, seq) index: exactly what the old page folded, stored values and all. An event that
arrives after a later one (seq at or below `upto_seq`) makes the push refold that kiosk's whole
history instead, so the answer is always `fold` of every stored event in seq order; retention
does the same for the kiosks it removed events from. A kiosk whose events the rules refuse is kept
with a null state, and the page folds it itself as before (same answer, same error).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, load_only

from kiosk.domain.state import (
    DeviceOut,
    EventFact,
    OpenException,
    SiteState,
    StaffPresence,
    VisitorPresence,
    fold,
)
from kiosk.domain.types import Reason, StaffId, VisitorId
from kiosk.sync.server.db import insert_for
from kiosk.sync.server.models import KioskState, RecordEvent


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _device(d: DeviceOut) -> dict[str, Any]:
    return {"device": d.device, "reason": d.reason.value, "approver_id": d.approver_id,
            "since": _time(d.since), "expected_return": _time(d.expected_return)}  # fmt: skip


def encode(state: SiteState) -> dict[str, Any]:
    """The state as JSON. Lists keep the dicts' order, which is the order the page shows."""
    staff = [{"staff_id": p.staff_id, "started_at": _time(p.started_at), "locker": p.locker,
              "stored": list(p.stored), "out": [_device(d) for d in p.out.values()]}
             for p in state.staff.values()]  # fmt: skip
    visitors = [{"visitor_id": v.visitor_id, "arrived_at": _time(v.arrived_at),
                 "visitor_type": v.visitor_type, "lone_working": v.lone_working}
                for v in state.visitors.values()]  # fmt: skip
    exceptions = [{"staff_id": x.staff_id, "device": x.device, "since": _time(x.since)}
                  for x in state.exceptions.values()]  # fmt: skip
    return {"staff": staff, "visitors": visitors, "exceptions": exceptions}


def _device_out(d: dict[str, Any]) -> DeviceOut:
    approver = d["approver_id"]
    return DeviceOut(device=d["device"], reason=Reason(d["reason"]),
                     approver_id=StaffId(approver) if approver is not None else None,
                     since=datetime.fromisoformat(d["since"]),
                     expected_return=_parse(d["expected_return"]))  # fmt: skip


def decode(data: dict[str, Any]) -> SiteState:
    state = SiteState()
    for p in data["staff"]:
        sid = StaffId(p["staff_id"])
        state.staff[sid] = StaffPresence(
            staff_id=sid, started_at=datetime.fromisoformat(p["started_at"]), locker=p["locker"],
            stored=set(p["stored"]), out={d["device"]: _device_out(d) for d in p["out"]},
        )  # fmt: skip
    for v in data["visitors"]:
        vid = VisitorId(v["visitor_id"])
        state.visitors[vid] = VisitorPresence(
            visitor_id=vid, arrived_at=datetime.fromisoformat(v["arrived_at"]),
            visitor_type=v["visitor_type"], lone_working=v["lone_working"],
        )  # fmt: skip
    for x in data.get("exceptions", []):  # states kept before r0005 are refolded by it
        sid = StaffId(x["staff_id"])
        since = datetime.fromisoformat(x["since"])
        state.exceptions[(sid, x["device"])] = OpenException(sid, x["device"], since)
    return state


def fact(e: RecordEvent) -> EventFact:
    """A stored event as the rules see it (as the kiosk itself folds its own log)."""
    staff = StaffId(e.subject_id) if e.subject_type == "staff" and e.subject_id else None
    visitor = VisitorId(e.subject_id) if e.subject_type == "visitor" and e.subject_id else None
    return EventFact(kind=e.kind, occurred_at=datetime.fromisoformat(e.occurred_at),
                     staff_id=staff, visitor_id=visitor, payload=e.payload or {})  # fmt: skip


# What the fold reads, and no more: the upgrade to r0003 runs this on a table without the
# columns later revisions added.
FOLDED = load_only(RecordEvent.id, RecordEvent.kiosk_id, RecordEvent.seq, RecordEvent.kind,
                   RecordEvent.occurred_at, RecordEvent.subject_type, RecordEvent.subject_id,
                   RecordEvent.payload)  # fmt: skip


def _events_after(session: Session, kiosk_id: str, seq: int) -> list[RecordEvent]:
    query = (
        select(RecordEvent)
        .options(FOLDED)
        .where(RecordEvent.kiosk_id == kiosk_id, RecordEvent.seq > seq)
        .order_by(RecordEvent.seq)
    )
    return list(session.scalars(query.execution_options(yield_per=2000)))


def _folded(events: Iterable[RecordEvent], start: SiteState) -> dict[str, Any] | None:
    try:
        return encode(fold((fact(e) for e in events), start))
    except Exception:  # whatever the rules raise, the page folds this kiosk and raises it
        return None


def _save(row: KioskState, events: list[RecordEvent], state: dict[str, Any] | None) -> None:
    row.upto_seq = max([row.upto_seq, *(e.seq for e in events)])
    row.state = state
    row.updated_at = datetime.now(UTC).isoformat(timespec="microseconds")


def _rebuild(session: Session, row: KioskState) -> None:
    """Refold the kiosk's whole history, streamed (the upgrade does this for every kiosk)."""
    query = select(RecordEvent).options(FOLDED).where(RecordEvent.kiosk_id == row.kiosk_id)
    with session.scalars(query.order_by(RecordEvent.seq).execution_options(yield_per=2000)) as rows:
        state = _folded(rows, SiteState())
    last = select(func.max(RecordEvent.seq)).where(RecordEvent.kiosk_id == row.kiosk_id)
    row.upto_seq = session.scalar(last) or 0
    _save(row, [], state)


def lock(session: Session, kiosk_id: str) -> tuple[KioskState, bool]:
    """The kiosk's row, locked until the transaction ends (made first if missing: then True)."""
    blank = {"kiosk_id": kiosk_id, "upto_seq": 0, "state": encode(SiteState()), "updated_at": ""}
    # Asked with RETURNING, not rowcount: on PostgreSQL the rowcount of this insert is -1 (true),
    # and every push refolded its kiosk's whole history as if the row were new.
    insert = insert_for(session)(KioskState.__table__).values(blank).on_conflict_do_nothing()
    made = session.execute(insert.returning(KioskState.kiosk_id)).first() is not None
    query = select(KioskState).where(KioskState.kiosk_id == kiosk_id).with_for_update()
    return session.scalars(query).one(), made


def advance(session: Session, row: KioskState, made: bool, accepted: int) -> None:
    """After a push inserted `accepted` new events: fold those after `upto_seq` onto the state,
    or refold everything if some new event came before it (or the row was only just made)."""
    if accepted == 0 and not made:
        return
    events = _events_after(session, row.kiosk_id, row.upto_seq)
    if made or len(events) != accepted:
        _rebuild(session, row)
    elif row.state is None:
        _save(row, events, None)  # still refused: the page folds this kiosk itself
    else:
        _save(row, events, _folded(events, decode(row.state)))


def rebuild(session: Session, kiosk_ids: Iterable[str]) -> None:
    """Refold these kiosks from their stored events (after events were removed)."""
    for kiosk_id in sorted(set(kiosk_ids)):
        row, _made = lock(session, kiosk_id)
        _rebuild(session, row)


def current(engine: Engine, kiosk_ids: list[str]) -> dict[str, SiteState]:
    """The kept states of these kiosks; a kiosk without one (never pushed through ingest, or
    refused by the rules) is missing, and the caller folds its events as before."""
    query = select(KioskState).where(KioskState.kiosk_id.in_(kiosk_ids))
    with Session(engine) as session:
        rows = list(session.scalars(query))
    return {r.kiosk_id: decode(r.state) for r in rows if r.state is not None}
