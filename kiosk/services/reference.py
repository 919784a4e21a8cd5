"""The setting's policy reference data on the kiosk: applied whole from the records service's
`policy_reference` section (or a file, or `kiosk equipment …` on a stand-alone kiosk).

Everything is checked before anything is written, then written in one transaction: a kiosk
never runs on half a register. The equipment register is replaced by the one given (pieces it no
longer lists are retired, never deleted, so old events still name them); the agreements by the
ones given. A part the data does not mention is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.domain.agreements import Agreement, check_agreements
from kiosk.domain.equipment import EquipmentInfo, check_register
from kiosk.domain.notices import DayNotice, check_day_notices
from kiosk.domain.people import normalise_uid
from kiosk.domain.types import EventKind, PolicyError
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.store.models import Badge, Equipment, EventNotice, Observation, StaffAgreement

SECTION_KEYS = {"equipment", "agreements", "agreement_renewal_days", "event_notices",
                "observations"}  # fmt: skip


def _text(entry: dict[str, Any], key: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise PolicyError(f"entry {entry.get('id') or entry.get('kind')!r}: '{key}' must be text.")
    return value


def parse_equipment(raw: Any) -> list[EquipmentInfo]:
    """The register from its JSON (a list of objects), checked as a whole."""
    if not isinstance(raw, list):
        raise PolicyError("'equipment' must be a list.")
    items = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
            raise PolicyError("Each equipment entry needs a whole-number 'id'.")
        tag = entry.get("tag_uid")
        items.append(EquipmentInfo(
            entry["id"], _text(entry, "kind"), _text(entry, "label").strip(),
            _text(entry, "asset_tag", ""), normalise_uid(tag) if tag else None,
        ))  # fmt: skip
    if len({i.equipment_id for i in items}) != len(items):
        raise PolicyError("Two equipment entries have the same id.")
    check_register(items)
    return items


def reference_writer(data: dict[str, Any]) -> Callable[[Session], list[str]]:
    """Check the whole section now (PolicyError if any of it is wrong); the function returned
    writes it in the caller's transaction and names the parts written. The setting's snapshot
    writes it in the same transaction as the roster (kiosk.sync.roster), so a kiosk never runs on
    a new roster with an old register."""
    unknown = set(data) - SECTION_KEYS - {"version"}
    if unknown:
        raise PolicyError(f"Unknown part of the policy reference: {sorted(unknown)[0]!r}.")
    items = parse_equipment(data["equipment"]) if "equipment" in data else None
    agreements = parse_agreements(data) if "agreements" in data else None
    days = parse_day_notices(data["event_notices"]) if "event_notices" in data else None
    watching = parse_observations(data["observations"]) if "observations" in data else None

    def write(session: Session) -> list[str]:
        if items is not None:
            _write_equipment(session, items)
        if agreements is not None:
            _write_agreements(session, *agreements)
        if days is not None:
            session.execute(delete(EventNotice))
            session.add_all(EventNotice(on_date=n.on_date.isoformat(), title=n.title,
                                        version=n.version, text=n.text) for n in days)  # fmt: skip
        if watching is not None:
            session.execute(delete(Observation))
            session.add_all(watching)
        return sorted(set(data) & SECTION_KEYS)

    return write


def apply_policy_reference(ctx: ServiceContext, data: dict[str, Any]) -> Recorded:
    """Check the whole section, then write it in one transaction (and record that it was)."""
    write = reference_writer(data)
    with ctx.recording() as session:
        parts = write(session)
        payload = {"version": str(data.get("version", "")), "parts": parts}
        event = ctx.append(session, EventKind.ADMIN_REFERENCE, payload=payload)
    return recorded(event, "The setting's policy reference is applied.")


def _write_equipment(session: Session, items: list[EquipmentInfo]) -> None:
    badges = set(session.scalars(select(Badge.uid).where(Badge.revoked_at.is_(None))))
    clash = next((i for i in items if i.tag_uid in badges), None)
    if clash is not None:
        raise PolicyError(f"The tag of {clash.label} is a staff member's badge.")
    for row in session.scalars(select(Equipment)):
        row.tag_uid, row.active = None, False  # what is listed comes back just below
    session.flush()  # so a tag that moved to another piece is free again
    for item in items:
        row = Equipment(id=item.equipment_id, kind=item.kind, label=item.label,
                        asset_tag=item.asset_tag, tag_uid=item.tag_uid)  # fmt: skip
        row.active = True
        session.merge(row)


def parse_agreements(data: dict[str, Any]) -> tuple[list[Agreement], int]:
    raw, days = data["agreements"], data.get("agreement_renewal_days", 365)
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise PolicyError("'agreements' must be a list of objects.")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
        raise PolicyError("'agreement_renewal_days' must be a whole number of days, 1 to 3650.")
    items = [Agreement(_text(e, "kind"), _text(e, "version"), _text(e, "text")) for e in raw]
    check_agreements(items)
    return items, days


def _write_agreements(session: Session, items: list[Agreement], days: int) -> None:
    session.execute(delete(StaffAgreement))
    session.add_all(StaffAgreement(kind=a.kind, version=a.version, text=a.text, renewal_days=days)
                    for a in items)  # fmt: skip


def parse_day_notices(raw: Any) -> list[DayNotice]:
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise PolicyError("'event_notices' must be a list of objects.")
    items = []
    for entry in raw:
        try:
            day = date.fromisoformat(_text(entry, "date"))
        except ValueError:
            raise PolicyError(f"{entry.get('date')!r} is not a date (YYYY-MM-DD).") from None
        items.append(DayNotice(day, _text(entry, "title"), _text(entry, "version"),
                               _text(entry, "text")))  # fmt: skip
    check_day_notices(items)
    return items


def parse_observations(raw: Any) -> list[Observation]:
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise PolicyError("'observations' must be a list of objects.")
    return [_observation(entry) for entry in raw]


def _observation(entry: dict[str, Any]) -> Observation:
    if not isinstance(entry.get("id"), int):
        raise PolicyError("Each observation needs a whole-number 'id'.")
    try:
        day = date.fromisoformat(_text(entry, "date")).isoformat()
    except ValueError:
        raise PolicyError(f"{entry.get('date')!r} is not a date (YYYY-MM-DD).") from None
    return Observation(
        id=entry["id"], on_date=day, at_time=_text(entry, "time")[:5],
        professional=_text(entry, "professional")[:80],
        organisation=_text(entry, "organisation")[:120], present=_text(entry, "present")[:200],
    )  # fmt: skip
