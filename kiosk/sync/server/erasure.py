"""A staff member erased at a kiosk, erased here too: everywhere the service holds their name.

The kiosk's `admin.erase` event arrives with the subject already renamed "(erased #N)", so the
subject row follows by itself (ingest's upsert). What does not follow is the name the service
learnt earlier: in `recorded_by` of events recorded on someone's behalf, which the kiosk rewrote
in its own copy after sending them, and in the setting's person the subject was linked to. Both
are replaced here, in the push's transaction, before the subject's old name is overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.names import fold
from kiosk.domain.types import EventKind
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.models import RecordEvent, Subject
from kiosk.sync.server.queries import kiosks_of
from kiosk.sync.server.registry import setting_of
from kiosk.sync.server.schema import EventIn
from kiosk.sync.server.tenancy import Person

ERASED_PREFIX = "(erased #"


def erase_staff_copies(session: Session, kiosk_id: str, events: Iterable[EventIn]) -> int:
    """For each staff erasure in the batch, the old name out of every copy; how many names."""
    done = 0
    for event in events:
        subject = event.subject
        if event.kind != EventKind.ADMIN_ERASE.value or subject is None or subject.type != "staff":
            continue
        known = session.get(Subject, (kiosk_id, "staff", subject.id))
        if known is None or not known.name or known.name.startswith(ERASED_PREFIX):
            continue
        replacement = subject.name or f"{ERASED_PREFIX}{subject.id})"
        _forget_recorder(session, kiosk_id, known.name, replacement)
        if known.person_id is not None:
            _erase_person(session, known.person_id)
        done += 1
    return done


def _forget_recorder(session: Session, kiosk_id: str, name: str, replacement: str) -> None:
    setting = setting_of(session, kiosk_id)
    kiosks = kiosks_of(setting) if setting is not None else select(RecordEvent.kiosk_id).where(
        RecordEvent.kiosk_id == kiosk_id)  # fmt: skip
    by = RecordEvent.payload["recorded_by"].as_string()
    wanted = fold(name)
    rows = session.scalars(
        select(RecordEvent).where(RecordEvent.kiosk_id.in_(kiosks), by.is_not(None))
    )
    for row in rows:
        if fold(str(row.payload.get("recorded_by", ""))) == wanted:
            row.payload = {**row.payload, "recorded_by": replacement}


def _erase_person(session: Session, person_id: int) -> None:
    person = session.get(Person, person_id)
    if person is None:
        return
    person.name = f"{ERASED_PREFIX}{person.id})"
    person.pin_hash = None
    person.left_at = person.left_at or now_text()
