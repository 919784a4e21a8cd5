"""The setting's roll calls, folded from its kiosks' events at ingest and marked on the board.

A kiosk's `evacuation.started` makes (or joins) the setting's roll call, with the roll as it
stood: the starting kiosk's own list plus the last known state of the setting's other kiosks, so
a door that is offline still has its people on the list. `evacuation.marked` from a kiosk, a
tick on the board, and a `shift.end`/`visitor.out` during the roll call each add one mark per
person; the unique (roll call, person) key makes every mark idempotent, so replays, retries and
two phones marking at once never count anyone twice and never lose a mark.

A person is "kiosk_id:staff:3" or "kiosk_id:visitor:9": ids are each kiosk's own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from kiosk.domain.doors import visit_uuid
from kiosk.domain.state import SiteState
from kiosk.sync.server import doors
from kiosk.sync.server.clock import now_text, stored_text
from kiosk.sync.server.db import insert_for
from kiosk.sync.server.models import EvacuationMark, EvacuationRow, Subject
from kiosk.sync.server.schema import EventIn
from kiosk.sync.server.tenancy import Kiosk, Setting

STARTED, MARKED, ENDED = "evacuation.started", "evacuation.marked", "evacuation.ended"
LEAVING = {"shift.end": "staff", "visitor.out": "visitor"}


def person(kiosk_id: str, kind: str, ident: int) -> str:
    return f"{kiosk_id}:{kind}:{ident}"


def _when(event: EventIn) -> str:
    return stored_text(event.occurred_at)


def roll_of_state(kiosk_id: str, state: SiteState) -> list[dict[str, Any]]:
    """Everyone a kiosk's state has on site, as roll entries."""
    staff = [{"kiosk": kiosk_id, "type": "staff", "id": int(p.staff_id), "visitor_type": None,
              "lone_working": False} for p in state.staff.values()]  # fmt: skip
    visitors = [{"kiosk": kiosk_id, "type": "visitor", "id": int(v.visitor_id),
                 "visitor_type": v.visitor_type, "lone_working": v.lone_working}
                for v in state.visitors.values()]  # fmt: skip
    return staff + visitors


def _setting_of(session: Session, kiosk_id: str) -> int | None:
    return session.scalar(select(Kiosk.setting_id).where(Kiosk.id == kiosk_id))


def identity(session: Session, entry: dict[str, Any]) -> str:
    """Who a roll entry is across the setting's doors, as the merged on-site view keys them
    (`doors.who_of`): a member of staff by the setting's person id, a visitor by their visit's
    uuid (which the kiosk sends, or the door that signed them in told the service)."""
    if entry.get("who"):
        return str(entry["who"])
    if entry["type"] == "staff":
        return f"s:{int(entry['id'])}"
    kiosk, ident = str(entry["kiosk"]), int(entry["id"])
    found = entry.get("uuid") or session.scalar(
        select(Subject.uuid).where(
            Subject.kiosk_id == kiosk, Subject.type == "visitor", Subject.id == ident
        )
    )
    return f"v:{found or visit_uuid(kiosk, ident)}"


def with_identity(session: Session, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**entry, "who": identity(session, entry)} for entry in entries]


def setting_roll(session: Session, setting_id: int) -> list[dict[str, Any]]:
    """Everyone the service has on site in the setting now, across its doors (a shift begun at
    one door and ended at another is not on it), each under the door they came in by."""
    states = doors.on_site(session, setting_id)
    entries = [entry for k in sorted(states) for entry in roll_of_state(k, states[k])]
    return with_identity(session, entries)


def open_roll_call(session: Session, setting_id: int) -> EvacuationRow | None:
    query = (
        select(EvacuationRow)
        .where(EvacuationRow.setting_id == setting_id, EvacuationRow.joined_to.is_(None),
               EvacuationRow.ended_at.is_(None))
        .order_by(EvacuationRow.started_at.desc())
        .limit(1)
    )  # fmt: skip
    return session.scalars(query).first()


def _main_id(session: Session, evacuation_id: str) -> str | None:
    row = session.get(EvacuationRow, evacuation_id)
    if row is None:
        return None
    return row.joined_to or row.id


def _start(session: Session, setting_id: int, kiosk_id: str, event: EventIn) -> None:
    p = event.payload
    evacuation_id = str(p.get("evacuation_id", ""))
    if not evacuation_id or session.get(EvacuationRow, evacuation_id) is not None:
        return  # replayed, or not a roll call the kiosk named
    listed = p.get("roll")
    entries = listed if isinstance(listed, list) else []
    own = with_identity(
        session, [{**entry, "kiosk": kiosk_id} for entry in entries if isinstance(entry, dict)]
    )
    # The starting door's list, then anyone else the service has on site (an offline door's
    # people as last pushed); each person once, whichever door knows them.
    # A person both know is listed under the door they came in by, where their name is.
    known = {entry["who"]: entry for entry in setting_roll(session, setting_id)}
    mine = {entry["who"] for entry in own}
    own = [known.get(entry["who"], entry) for entry in own]
    others = [entry for who, entry in known.items() if who not in mine]
    # Two doors starting at once push at once: the setting's row, locked, makes them take turns,
    # so the second sees the first and joins it (SQLite's writers take turns anyway).
    session.execute(select(Setting.id).where(Setting.id == setting_id).with_for_update())
    running = open_roll_call(session, setting_id)
    row = EvacuationRow(
        id=evacuation_id, setting_id=setting_id, kiosk_id=kiosk_id, mode=str(p.get("mode")),
        started_at=_when(event), started_by=event.subject.id if event.subject else None,
        roll=own + others,
        joined_to=running.id if running is not None else None, received_at=now_text(),
    )  # fmt: skip
    session.add(row)
    if running is not None:  # the joining door knows its own people best: add any missing
        on_roll = {_person_of(e) for e in running.roll}
        running.roll = running.roll + [e for e in own if _person_of(e) not in on_roll]
    session.flush()


def _person_of(entry: dict[str, Any]) -> str:
    who = entry.get("who")  # rolls folded before doors shared a view have none
    return str(who) if who else person(str(entry["kiosk"]), str(entry["type"]), int(entry["id"]))


def add_mark(session: Session, evacuation_id: str, who: str, how: str, at: str,
             **by: Any) -> bool:  # fmt: skip
    """One person accounted for; False if they already were (the first mark stands)."""
    row = {"evacuation_id": evacuation_id, "person": who, "how": how, "at": at, **by}
    insert = insert_for(session)(EvacuationMark.__table__).values(row).on_conflict_do_nothing()
    return session.execute(insert.returning(EvacuationMark.id)).first() is not None


def _marked(session: Session, kiosk_id: str, event: EventIn) -> None:
    main = _main_id(session, str(event.payload.get("evacuation_id", "")))
    if main is None or event.subject is None:
        return
    by = event.payload.get("marked_by")
    add_mark(session, main, str(doors.who_of(kiosk_id, event.subject)), "kiosk",
             _when(event), by_kiosk=kiosk_id,
             by_staff=by if isinstance(by, int) and not isinstance(by, bool) else None)  # fmt: skip


def end(session: Session, evacuation_id: str, at: str, by: str) -> None:
    """End a roll call (and any that joined it); an ended one keeps its first end."""
    session.execute(
        update(EvacuationRow)
        .where((EvacuationRow.id == evacuation_id) | (EvacuationRow.joined_to == evacuation_id))
        .where(EvacuationRow.ended_at.is_(None))
        .values(ended_at=at, ended_by=by)
    )


def _left(session: Session, setting_id: int, kiosk_id: str, event: EventIn) -> None:
    """Signing out during a roll call: out of the building, so accounted for."""
    if event.subject is None:
        return
    at = _when(event)
    query = select(EvacuationRow.id).where(
        EvacuationRow.setting_id == setting_id, EvacuationRow.joined_to.is_(None),
        EvacuationRow.started_at <= at,
        EvacuationRow.ended_at.is_(None) | (EvacuationRow.ended_at >= at),
    )  # fmt: skip
    who = str(doors.who_of(kiosk_id, event.subject))
    for evacuation_id in session.scalars(query):
        add_mark(session, evacuation_id, who, "signed_out", at, by_kiosk=kiosk_id)


def fold_batch(session: Session, kiosk_id: str, events: list[EventIn]) -> None:
    """Advance the setting's roll calls by a pushed batch (in the push's transaction)."""
    relevant = [e for e in events if e.kind in (STARTED, MARKED, ENDED) or e.kind in LEAVING]
    if not relevant:
        return
    setting_id = _setting_of(session, kiosk_id)
    if setting_id is None:
        return
    for event in sorted(relevant, key=lambda e: e.seq):
        if event.kind == STARTED:
            _start(session, setting_id, kiosk_id, event)
        elif event.kind == MARKED:
            _marked(session, kiosk_id, event)
        elif event.kind == ENDED:
            main = _main_id(session, str(event.payload.get("evacuation_id", "")))
            if main is not None:
                end(session, main, _when(event), f"kiosk {kiosk_id}")
        else:
            _left(session, setting_id, kiosk_id, event)


def mark_on_board(engine: Engine, evacuation_id: str, who: str, account: str) -> bool:
    """A tick on the board by a console account; False if that person was already marked."""
    with Session(engine) as session, session.begin():
        return add_mark(session, evacuation_id, who, "board", now_text(), by_account=account)


def prune(session: Session, received_before: str, kiosks: Any = None) -> int:
    """Remove roll calls (and their marks) received before the cutoff, as old events are: of
    one setting's kiosks (a subquery of kiosk ids), or everywhere."""
    query = select(EvacuationRow.id).where(EvacuationRow.received_at < received_before)
    if kiosks is not None:
        query = query.where(EvacuationRow.kiosk_id.in_(kiosks))
    old = list(session.scalars(query))
    if not old:
        return 0
    session.execute(delete(EvacuationMark).where(EvacuationMark.evacuation_id.in_(old)))
    session.execute(delete(EvacuationRow).where(EvacuationRow.id.in_(old)))
    return len(old)
