"""The setting's people: the same person seen at two kiosks of one setting is one person; the
same name at another setting's kiosk is someone else. Real pushes, SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.sync.server.models import Subject
from kiosk.sync.server.registry import ensure_kiosk, register_kiosk
from kiosk.sync.server.tenancy import Person
from tests.sync.server import Running
from tests.sync.site import morning


def test_one_person_per_setting_whichever_door_saw_them(records: Running, tmp_path: Path) -> None:
    with Session(records.engine) as s, s.begin():
        home = ensure_kiosk(s, "entrance-1")
        register_kiosk(s, home, "garden-door")
    for kiosk in ("entrance-1", "garden-door", "other-nursery"):
        (tmp_path / kiosk).mkdir()
        morning(records, tmp_path / kiosk, kiosk).close()
    with Session(records.engine) as s:
        bens = s.scalars(select(Person).where(Person.name == "Ben Carter")).all()
        assert len(bens) == 2 and len({b.setting_id for b in bens}) == 2
        ours = next(b for b in bens if b.setting_id == home)
        linked = s.scalars(
            select(Subject.kiosk_id).where(Subject.person_id == ours.id).order_by(Subject.kiosk_id)
        ).all()
        assert linked == ["entrance-1", "garden-door"]
