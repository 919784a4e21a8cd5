"""The console's other pages that date things for a person use the time an event is dated by
(issue 14): a camera signed out, and an agreement acknowledged, at a kiosk whose clock was not
set (stamped 1970) are out since this morning and acknowledged today, not in 1970 (which would
make the agreement long overdue). SQLite and PostgreSQL, pushed over the real push API."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk.sync.server import agreements_view, equipment_view
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.tenancy import ESAFETY_AGREEMENT, Setting, SettingText
from tests.sync.console import Org, push, staff
from tests.sync.test_dated_events import GAP, SAID_SHOWN, TZ, Kiosk, local

ANN = staff(1, "Ann Acorn")


def _unset_then_anchor(org: Org, k: Kiosk, kind: str, payload: dict[str, object]) -> None:
    events = [
        k.stamped(kind, payload, at=None, boot="boot-2", mono_s=30, subject=ANN),
        k.event("ANCHOR", at=k.now, boot="boot-2", mono_s=30 + GAP.total_seconds()),
    ]
    assert push(org.records, "a-door", events).ok


def test_a_camera_signed_out_on_an_unset_clock_is_out_since_this_morning(org: Org) -> None:
    k = Kiosk()
    camera = {"equipment_id": 1, "equipment": "Camera 1", "equipment_kind": "camera",
              "purpose": "learning_journals"}  # fmt: skip
    _unset_then_anchor(org, k, "equipment.out", camera)
    with Session(org.records.engine) as s:
        setting = s.get_one(Setting, org.a)
    out, history = equipment_view.read(org.records.engine, setting)
    assert [(o.label, o.holder, o.since) for o in out] == [
        ("Camera 1", "Ann Acorn", local(k.now - GAP))
    ]
    assert history[0][0] == (
        f"{local(k.now - GAP)} (worked out: the kiosk's clock was not set; it said {SAID_SHOWN})"
    )


def test_an_agreement_acknowledged_on_an_unset_clock_is_acknowledged_today(org: Org) -> None:
    with Session(org.records.engine) as s, s.begin():
        s.add(SettingText(setting_id=org.a, kind=ESAFETY_AGREEMENT, version="2026-11",
                          body="I use only the setting's devices.", created_at=now_text(),
                          created_by="anna"))  # fmt: skip
    k = Kiosk()
    _unset_then_anchor(org, k, "agreement.ack", {"agreement": "esafety", "version": "2026-11"})
    with Session(org.records.engine) as s:
        _, rows = agreements_view.acknowledgements(s, s.get_one(Setting, org.a))
    ann = next(r for r in rows if r.name == "Ann Acorn")
    today = (k.now - GAP).astimezone(TZ).date().isoformat()
    assert (ann.cells, ann.due) == ([f"yes: v2026-11 on {today}"], False)
