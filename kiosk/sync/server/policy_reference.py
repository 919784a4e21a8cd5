"""The setting's policy reference data as plain JSON, for the kiosks of the setting to apply
whole (`kiosk.services.reference.apply_policy_reference`): the register of its own cameras and
tablets, the staff agreements' current versions and texts with the renewal period, and the
event-day visitor notices and approved virtual observations of today and later. One
section of the setting's snapshot; `version` is the setting's roster version, which grows with
every change, so a kiosk can skip an unchanged copy."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kiosk.sync.server.agreements_view import current_agreements
from kiosk.sync.server.day_notices import day_notices_of, today_in
from kiosk.sync.server.observations import approved_from
from kiosk.sync.server.policy_admin import equipment_of
from kiosk.sync.server.tenancy import Setting


def policy_reference(session: Session, setting_id: int) -> dict[str, Any]:
    setting = session.get(Setting, setting_id)
    if setting is None:
        raise LookupError(f"no setting {setting_id}")
    equipment = [{"id": row.id, "kind": row.kind, "label": row.label,
                  "asset_tag": row.asset_tag, "tag_uid": row.tag_uid}
                 for row in equipment_of(session, setting_id)]  # fmt: skip
    agreements = [{"kind": kind, "version": text.version, "text": text.body}
                  for kind, text in current_agreements(session, setting_id)]  # fmt: skip
    days = [{"date": n.on_date, "title": n.title, "version": n.version, "text": n.body}
            for n in day_notices_of(session, setting_id, from_day=today_in(setting))]  # fmt: skip
    # Approved virtual observations from today: who, when, who is present (the manager's screen).
    watching = [{"id": o.id, "date": o.on_date, "time": o.at_time, "professional": o.professional,
                 "organisation": o.organisation, "present": o.present}
                for o in approved_from(session, setting_id, today_in(setting))]  # fmt: skip
    return {"version": str(setting.roster_version), "equipment": equipment,
            "agreements": agreements, "event_notices": days, "observations": watching,
            "agreement_renewal_days": setting.agreement_renewal_days}  # fmt: skip
