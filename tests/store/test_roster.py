"""A setting snapshot checked whole before any of it is used, then applied in one transaction:
each kind of bad document is refused with a reason that names the field (never a person) and
the kiosk's database is left exactly as it was. Real SQLite files; no service needed."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, SignalsSection, SyncSection
from kiosk.security import hash_pin
from kiosk.store.models import Badge, Event, Staff
from kiosk.store.roster import applied, apply_roster
from kiosk.store.roster_check import FORMAT, MAX_BYTES, RosterRefused, parse_roster
from kiosk.sync.contract import MAX_SNAPSHOT_BYTES, SNAPSHOT_FORMAT
from tests.conftest import MORNING

PIN_HASH = hash_pin("1357")


def snapshot(version: int = 3) -> dict[str, Any]:
    return {
        "format": 1, "setting_id": 7, "version": version,
        "sections": {
            "staff": [
                {"id": 11, "name": "Ann Okafor", "role": "manager", "usual_locker": "2",
                 "pin_hash": PIN_HASH, "active": True},
                {"id": 12, "name": "Ben Carter", "role": "staff", "usual_locker": None,
                 "pin_hash": None, "active": True},
            ],
            "badges": [{"uid": "A1A1A1A1", "staff_id": 11}, {"uid": "B2B2B2B2", "staff_id": 12}],
            "notices": {"visitor_notice": {"version": "2026-12", "text": "No phones.\nThanks."}},
            "policy": {"kiosk.closing_time": "17:30", "lockers.ids": ["1", "2", "3"],
                       "notice.quiet_space": "", "some.future_key": 1},
            "links": {},
            "a_future_section": [1, 2, 3],
        },
    }  # fmt: skip


def body(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def changed(edit: Callable[[dict[str, Any]], None]) -> bytes:
    doc = copy.deepcopy(snapshot(version=4))
    edit(doc)
    return body(doc)


def staff0(doc: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = doc["sections"]["staff"][0]
    return first


BAD = {
    "not JSON": (b"{not json", "not JSON"),
    "too big": (b" " * (MAX_BYTES + 1), "over the"),
    "not an object": (b"[]", "snapshot: must be an object"),
    "unknown format": (changed(lambda d: d.update(format=2)), "format 2"),
    "no sections": (changed(lambda d: d.pop("sections")), "sections"),
    "staff not a list": (changed(lambda d: d["sections"].update(staff={})), "staff: must be"),
    "empty name": (changed(lambda d: staff0(d).update(name="")), "staff[0].name"),
    "long name": (changed(lambda d: staff0(d).update(name="A" * 81)), "staff[0].name"),
    "NUL in name": (changed(lambda d: staff0(d).update(name="A\x00B")), "staff[0].name"),
    "id not a number": (changed(lambda d: staff0(d).update(id="11")), "staff[0].id"),
    "id a flag": (changed(lambda d: staff0(d).update(id=True)), "staff[0].id"),
    "id too large": (changed(lambda d: staff0(d).update(id=2**40)), "staff[0].id"),
    "unknown role": (changed(lambda d: staff0(d).update(role="owner")), "staff[0].role"),
    "bad PIN hash": (changed(lambda d: staff0(d).update(pin_hash="md5$x")), "staff[0].pin_hash"),
    "same id twice": (changed(lambda d: d["sections"]["staff"][1].update(id=11)), "appears twice"),
    "badge not hex": (changed(lambda d: d["sections"]["badges"][0].update(uid="XYZ")), "badges[0]"),
    "badge of nobody": (changed(lambda d: d["sections"]["badges"][0].update(staff_id=99)),
                        "badges[0].staff_id"),
    "closing time": (changed(lambda d: d["sections"]["policy"].update(
        {"kiosk.closing_time": "25:00"})), "kiosk.closing_time"),
    "locker list": (changed(lambda d: d["sections"]["policy"].update({"lockers.ids": []})),
                    "lockers.ids"),
    "usual locker gone": (changed(lambda d: staff0(d).update(usual_locker="9")),
                          "staff[0].usual_locker"),
    "notice too long": (changed(lambda d: d["sections"]["notices"]["visitor_notice"].update(
        text="x" * 2001)), "notice.text"),
    "link to nobody": (changed(lambda d: d["sections"].update(links={"3": 99})), "links.3"),
    "another setting": (changed(lambda d: d.update(setting_id=8)), "setting 8"),
}  # fmt: skip


@pytest.fixture
def kiosk_app(tmp_path: Path) -> App:
    config = Config(kiosk=KioskSection(id="front-door", data_dir=str(tmp_path / "k")),
                    sync=SyncSection(url="http://127.0.0.1:9", token_file="t"))  # fmt: skip
    app, _ = initialise(config, ManualClock(MORNING))
    return app


def apply(app: App, raw: bytes, etag: str = '"e1"') -> Event | None:
    roster = parse_roster(raw)
    with app.store.transaction() as session:
        return apply_roster(session, app.ctx.clock, app.config, roster, etag)


def database(app: App) -> tuple[Any, ...]:
    with app.store.reading() as session:
        row = applied(session)
        staff = [(s.id, s.name, s.active, s.pin_hash) for s in session.scalars(select(Staff))]
        badges = [(b.uid, b.staff_id, b.revoked_at) for b in session.scalars(select(Badge))]
        kinds = [e.kind for e in session.scalars(select(Event))]
        return (row.version if row else None, staff, badges, kinds)


def test_the_kiosk_checks_the_figures_the_contract_states() -> None:
    assert (FORMAT, MAX_BYTES) == (SNAPSHOT_FORMAT, MAX_SNAPSHOT_BYTES)


def test_a_good_snapshot_is_applied_whole_and_recorded(kiosk_app: App) -> None:
    event = apply(kiosk_app, body(snapshot()))
    assert event is not None and event.payload["version"] == 3
    assert event.payload["staff"] == 2 and event.payload["badges"] == 2
    version, staff, badges, _ = database(kiosk_app)
    assert version == 3
    assert [(s[0], s[1], s[2]) for s in staff] == [
        (11, "Ann Okafor", True),
        (12, "Ben Carter", True),
    ]
    assert [(b[0], b[1]) for b in badges] == [("A1A1A1A1", 11), ("B2B2B2B2", 12)]
    assert kiosk_app.refresh_setting()
    assert kiosk_app.config.kiosk.closing_time == "17:30"
    assert kiosk_app.config.notice.text == "No phones.\nThanks."
    # The console has no quiet space yet: the file's stays.
    assert kiosk_app.config.notice.quiet_space == Config().notice.quiet_space
    # The same version again changes nothing and records nothing.
    assert apply(kiosk_app, body(snapshot())) is None


@pytest.mark.parametrize("raw, why", list(BAD.values()), ids=list(BAD))
def test_a_bad_snapshot_is_refused_and_the_last_good_one_kept(
    kiosk_app: App, raw: bytes, why: str
) -> None:
    apply(kiosk_app, body(snapshot()))
    before = database(kiosk_app)
    with pytest.raises(RosterRefused) as refused:
        apply(kiosk_app, raw, '"e2"')
    assert why in str(refused.value)
    for name in ("Ann", "Okafor", "Ben", "Carter"):
        assert name not in str(refused.value)
    assert database(kiosk_app) == before


def test_a_snapshot_that_does_not_fit_the_kiosks_wiring_is_refused(tmp_path: Path) -> None:
    config = Config(kiosk=KioskSection(id="front-door", data_dir=str(tmp_path / "k")),
                    signals=SignalsSection(relay_pins={"12": 5}))  # fmt: skip
    app, _ = initialise(config, ManualClock(MORNING))
    with pytest.raises(RosterRefused, match="relay_pins' names locker '12'"):
        apply(app, body(snapshot()))
    assert database(app)[0] is None
    app.close()


def test_a_revoked_or_removed_badge_stops_and_a_leaver_is_kept_inactive(kiosk_app: App) -> None:
    apply(kiosk_app, body(snapshot()))
    later = snapshot(version=4)
    later["sections"]["badges"] = [{"uid": "A1A1A1A1", "staff_id": 11}]
    later["sections"]["staff"][1]["active"] = False
    apply(kiosk_app, body(later), '"e2"')
    _, staff, badges, kinds = database(kiosk_app)
    assert (12, "Ben Carter", False, None) in staff
    assert [b[0] for b in badges if b[2] is None] == ["A1A1A1A1"]
    assert kinds.count("roster.applied") == 2
    kiosk_app.ctx.clock.advance(60)  # type: ignore[attr-defined]
    assert kiosk_app.kiosk.tap("B2B2B2B2").kind == "revoked"
