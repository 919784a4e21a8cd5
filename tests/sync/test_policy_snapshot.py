"""The setting's policy reference (issue 13: its cameras and tablets, staff agreements, event-day
notices, approved observations) travels in the setting's snapshot (issue 11), on SQLite and
PostgreSQL: what the console registers reaches every door with the roster, in the roster's own
transaction, and a section a door cannot use is refused whole, the last good setting kept."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from kiosk.clock import ManualClock
from kiosk.store.models import Equipment
from kiosk.sync.server import snapshot
from kiosk.sync.server.policy_admin import add_equipment
from kiosk.sync.server.tenancy import Setting
from tests.conftest import MORNING
from tests.sync.doors import CONSOLE, door, kiosk, open_door, setting_with_doors, sync_once
from tests.sync.server import Running


def register(records: Running, setting_id: int, label: str, tag: str = "") -> None:
    with Session(records.engine) as s, s.begin():
        setting = s.get(Setting, setting_id)
        assert setting is not None
        add_equipment(s, setting, CONSOLE, kind="camera", label=label, tag=tag)


def registers(doors: list[Path]) -> list[list[tuple[str, str | None]]]:
    found = []
    for config in doors:
        app = open_door(config, ManualClock(MORNING))
        with app.store.reading() as session:
            rows = session.query(Equipment).order_by(Equipment.label).all()
            found.append([(r.label, r.tag_uid) for r in rows if r.active])
        app.close()
    return found


def test_the_register_reaches_every_door_with_the_roster(records: Running, tmp_path: Path) -> None:
    console = setting_with_doors(records, "front-door", "garden-door")
    console.add("Ann Okafor", "manager", "04A1B2C3D4E5F6")
    register(records, console.setting_id, "Room 1 camera", tag="A1B2C3D4")
    doors = [
        door(tmp_path, k, records.url, records.token(k)) for k in ("front-door", "garden-door")
    ]
    assert [sync_once(d)["setting"] for d in doors] == ["applied", "applied"]
    assert registers(doors) == [[("Room 1 camera", "A1B2C3D4")]] * 2

    register(records, console.setting_id, "Tablet (virtual course)")
    assert [sync_once(d)["setting"] for d in doors] == ["applied", "applied"]
    assert registers(doors) == [[("Room 1 camera", "A1B2C3D4"),
                                 ("Tablet (virtual course)", None)]] * 2  # fmt: skip


def test_a_section_a_door_cannot_use_is_refused_whole(
    records: Running, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    console = setting_with_doors(records, "front-door")
    register(records, console.setting_id, "Room 1 camera")
    config = door(tmp_path, "front-door", records.url, records.token("front-door"))
    assert sync_once(config)["setting"] == "applied"
    version = sync_once(config)["setting_version"]

    # A service gone wrong: two pieces with one id. Nothing of this version is applied.
    def broken(session, setting, kiosk_id):  # type: ignore[no-untyped-def]
        item = {"id": 1, "kind": "camera", "label": "X", "asset_tag": "", "tag_uid": None}
        return {"equipment": [item, {**item, "label": "Y"}]}

    monkeypatch.setitem(snapshot.SECTIONS, "policy_reference", broken)
    console.add("Ben Carter", "staff", "5A3F9C21")  # a roster change, so a new version
    answer = sync_once_allowing_refusal(config)
    assert answer["setting"] == "refused"
    assert "policy_reference" in answer["setting_reason"]
    assert answer["setting_version"] == version  # the last good one is kept
    assert registers([config]) == [[("Room 1 camera", None)]]


def sync_once_allowing_refusal(config: Path) -> dict[str, object]:
    done = kiosk(config, "sync", "--once", "--json")
    assert done.returncode == 1, done.stderr
    figures: dict[str, object] = json.loads(done.stdout)
    return figures
