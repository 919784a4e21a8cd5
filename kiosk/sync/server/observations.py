"""Virtual observations on the console: a professional who cannot attend asks to observe by video.
The manager records the request (who, organisation, when, that they declared a secure location,
who of the setting will be present, that parent or carer permission is confirmed, that they
accepted it must not be recorded) and approves or refuses it. Nothing about the child beyond the
notes the setting chooses to write. Today's and coming approved ones go to the kiosks (the
manager's screen). A professional's details are kept like a visitor's (retention)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.types import PolicyError
from kiosk.sync.server import audit
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.registry import bump_roster
from kiosk.sync.server.tenancy import Setting, VirtualObservation

HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
CONFIRMATIONS = ("secure_location", "parent_permission", "not_recorded")


def observations_of(session: Session, setting_id: int) -> list[VirtualObservation]:
    query = select(VirtualObservation).where(VirtualObservation.setting_id == setting_id)
    return list(session.scalars(query.order_by(VirtualObservation.on_date.desc(),
                                               VirtualObservation.at_time)))  # fmt: skip


def approved_from(session: Session, setting_id: int, day: date) -> list[VirtualObservation]:
    query = select(VirtualObservation).where(
        VirtualObservation.setting_id == setting_id, VirtualObservation.status == "approved",
        VirtualObservation.on_date >= day.isoformat(),
    )  # fmt: skip
    return list(session.scalars(query.order_by(VirtualObservation.on_date,
                                               VirtualObservation.at_time)))  # fmt: skip


def _text(value: str, what: str, longest: int, *, required: bool = True) -> str:
    value = " ".join(value.split())
    if (required and not value) or len(value) > longest:
        raise PolicyError(f"{what}: 1 to {longest} characters.")
    return value


def record_request(
    session: Session, setting: Setting, actor: audit.Actor, fields: dict[str, str]
) -> None:
    try:
        day = date.fromisoformat(fields.get("on_date", "").strip())
    except ValueError:
        raise PolicyError("The date is a date, e.g. 2026-12-09.") from None
    at = fields.get("at_time", "").strip()
    if not HHMM.fullmatch(at):
        raise PolicyError("The time is HH:MM, e.g. 10:30.")
    notes = fields.get("notes", "").replace("\r\n", "\n").strip()
    if len(notes) > 500:
        raise PolicyError(
            "Notes: at most 500 characters (nothing about the child you do not need)."
        )
    row = VirtualObservation(
        setting_id=setting.id, on_date=day.isoformat(), at_time=at, notes=notes,
        professional=_text(fields.get("professional", ""), "Who", 80),
        organisation=_text(fields.get("organisation", ""), "Organisation", 120),
        present=_text(fields.get("present", ""), "Who will be present", 200),
        created_at=now_text(), created_by=actor.name, status="requested",
        **{key: fields.get(key) == "yes" for key in CONFIRMATIONS},
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, actor, "observation_request", setting.id, observation=row.id)


def decide(
    session: Session, setting: Setting, actor: audit.Actor, observation_id: int, approve: bool
) -> bool:
    """Approve (only with all three confirmations) or refuse; False when not this setting's."""
    row = session.get(VirtualObservation, observation_id)
    if row is None or row.setting_id != setting.id:
        return False
    missing = [key for key in CONFIRMATIONS if not getattr(row, key)]
    if approve and missing:
        words = {"secure_location": "the secure location declaration",
                 "parent_permission": "the parent or carer permission",
                 "not_recorded": "the condition that it is not recorded"}  # fmt: skip
        raise PolicyError(f"Cannot approve without {words[missing[0]]}.")
    row.status, row.decided_by = ("approved" if approve else "refused"), actor.name
    bump_roster(session, setting.id)
    audit.record(session, actor, "observation_" + row.status, setting.id, observation=row.id)
    return True
