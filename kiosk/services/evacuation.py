"""The evacuation roll call at the kiosk: start it with any staff badge (no PIN: in a fire nobody
types), read the list of everyone on site with who is accounted for, tick people off, end it.

Everything is the kiosk's own log and its own view of who is on site (`load_site_state`), so the
roll call works with no network and no records service; the events go up with the next push.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain import evacuation as rules
from kiosk.domain.evacuation import Evacuation, Mode, PersonKey, RollLine, Status
from kiosk.domain.people import normalise_uid
from kiosk.domain.types import EventKind, PolicyError
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.services.lookup import badge_and_staff, staff_names
from kiosk.store.events import latest_evacuation_facts, load_site_state
from kiosk.store.models import Event, Visitor

NOT_STAFF = "Only a member of staff's badge can start the roll call."
NO_BADGE = "(no badge: the reader was not working)"
VISITOR_LABELS = {"visitor": "visitor", "parent": "parent", "contractor": "contractor"}


@dataclass(frozen=True)
class ListLine:
    """One person as the roll call screen shows them: a name and what kind of person, no more."""

    key: PersonKey
    name: str
    label: str  # "staff", "visitor", "parent", "contractor"
    lone_working: bool
    status: Status
    marked_at: datetime | None = None

    @property
    def accounted(self) -> bool:
        return self.status is not Status.MISSING


@dataclass(frozen=True)
class RollCallView:
    evacuation_id: str
    mode: Mode
    started_at: datetime
    started_by: str
    open: bool
    lines: list[ListLine] = field(default_factory=list)

    @property
    def accounted(self) -> int:
        return sum(1 for line in self.lines if line.accounted)


class EvacuationService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def start(self, raw_uid: str, mode: Mode) -> Recorded:
        """Start a roll call with a staff badge; PolicyError for any other card."""
        try:
            uid = normalise_uid(raw_uid)
        except PolicyError as exc:
            raise PolicyError(NOT_STAFF) from exc
        with self.ctx.recording() as session:
            badge, staff = badge_and_staff(session, uid)
            if badge is None or staff is None or badge.revoked or not staff.active:
                raise PolicyError(NOT_STAFF)
            event = self._record_start(session, mode, staff.staff_id)
        return recorded(event, "Roll call started.")

    def start_without_badge(self, mode: Mode) -> Recorded:
        """Only when the badge reader is not working (the screen offers it then): a fire does
        not wait for a repair. The record says no badge started it."""
        with self.ctx.recording() as session:
            event = self._record_start(session, mode, None)
        return recorded(event, "Roll call started.")

    def _record_start(self, session: Session, mode: Mode, staff_id: int | None) -> Event:
        payload = rules.start_payload(
            str(uuid.uuid4()), mode, load_site_state(session), self.ctx.kiosk_id, _latest(session)
        )
        if staff_id is None:
            payload["no_badge"] = True
        _add_visit_uuids(session, payload["roll"])
        return self.ctx.append(
            session, EventKind.EVACUATION_STARTED, staff_id=staff_id, payload=payload
        )

    def current(self) -> RollCallView | None:
        """The latest roll call (running or ended) as the screen shows it, or None."""
        with self.ctx.reading() as session:
            evacuation = _latest(session)
            if evacuation is None:
                return None
            lines = rules.roll_lines(evacuation, load_site_state(session))
            return _view(session, evacuation, lines)

    def running(self) -> bool:
        with self.ctx.reading() as session:
            evacuation = _latest(session)
        return evacuation is not None and evacuation.open

    def mark(self, key: PersonKey) -> Recorded | None:
        """Tick one person as accounted for; None if they already were (a second touch)."""
        with self.ctx.recording() as session:
            evacuation = _latest(session)
            payload = rules.mark_payload(evacuation, key, self.ctx.kiosk_id)
            assert evacuation is not None
            if key in evacuation.marks:
                return None
            subject = {"staff_id": key[1]} if key[0] == "staff" else {"visitor_id": key[1]}
            event = self.ctx.append(
                session, EventKind.EVACUATION_MARKED, payload=payload, **subject
            )
        return recorded(event, "Accounted for.")

    def end(self) -> Recorded:
        """End the running roll call (explicitly: nothing ends it by itself)."""
        with self.ctx.recording() as session:
            evacuation = _latest(session)
            if evacuation is None or not evacuation.open:
                raise PolicyError("There is no roll call running.")
            payload = {"evacuation_id": evacuation.evacuation_id, "kiosk": self.ctx.kiosk_id}
            event = self.ctx.append(
                session, EventKind.EVACUATION_ENDED, staff_id=evacuation.started_by,
                payload=payload,
            )  # fmt: skip
        return recorded(event, "Roll call ended.")


def _latest(session: Session) -> Evacuation | None:
    return rules.fold_latest(latest_evacuation_facts(session))


def _view(session: Session, evacuation: Evacuation, lines: list[RollLine]) -> RollCallView:
    names = staff_names(session)
    visitor_ids = [line.entry.key[1] for line in lines if line.entry.key[0] == "visitor"]
    rows = session.execute(select(Visitor.id, Visitor.name).where(Visitor.id.in_(visitor_ids)))
    guests = {vid: name or "(name erased)" for vid, name in rows}
    shown = [_list_line(line, names, guests) for line in lines]
    starter = names.get(evacuation.started_by or 0, NO_BADGE)
    return RollCallView(evacuation.evacuation_id, evacuation.mode, evacuation.started_at,
                        starter, evacuation.open, shown)  # fmt: skip


def _list_line(line: RollLine, staff: dict[int, str], guests: dict[int, str]) -> ListLine:
    kind, ident = line.entry.key
    if kind == "staff":
        name, label = staff.get(ident, f"staff #{ident}"), "staff"
    else:
        name = guests.get(ident, f"visitor #{ident}")
        label = VISITOR_LABELS.get(line.entry.visitor_type or "", "visitor")
    at = line.mark.at if line.mark else None
    return ListLine(line.entry.key, name, label, line.entry.lone_working, line.status, at)


def _add_visit_uuids(session: Session, roll: list[dict[str, Any]]) -> None:
    """Each visitor's visit uuid beside this kiosk's number for them: a visitor who came in by
    another door has a number here that the records service does not know, and the uuid is how
    it tells them apart from everyone else on its own list (and lists each person once)."""
    ids = [int(e["id"]) for e in roll if e["type"] == "visitor"]
    if not ids:
        return
    found = dict(session.execute(select(Visitor.id, Visitor.uuid).where(Visitor.id.in_(ids))).all())
    for entry in roll:
        if entry["type"] == "visitor" and found.get(int(entry["id"])):
            entry["uuid"] = found[int(entry["id"])]
