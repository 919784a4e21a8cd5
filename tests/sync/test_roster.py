"""The setting's roster fetched down by its kiosks (issue 11): real `kiosk sync` processes over
loopback HTTP to the records service on SQLite and PostgreSQL, the console's changes made through
its own functions, and each door's view compared."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from kiosk.app import App
from kiosk.cli.sync import read_token
from kiosk.clock import ManualClock
from kiosk.domain.taps import TapKind
from kiosk.domain.types import EventKind, StaffId
from kiosk.store.models import Event
from kiosk.sync.backoff import Backoff
from kiosk.sync.contract import MAX_SNAPSHOT_BYTES, SETTING_PATH
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.roster import Pulled, RosterPuller
from tests.conftest import MORNING
from tests.sync.doors import door, kiosk, open_door, setting_with_doors, sync_once
from tests.sync.faultproxy import Act, FaultProxy
from tests.sync.server import Running

ANN_BADGE, BEN_BADGE, CHLOE_BADGE = "A1A1A1A1", "B2B2B2B2", "C3C3C3C3"


def view(app: App) -> list[tuple[int, str, str, bool, list[str], bool]]:
    """What a door knows of its staff: number, name, role, active, live badges, has a PIN."""
    rows = app.admin.list_staff(include_inactive=True)
    return [(r.staff_id, r.name, r.role, r.active, r.badges, r.has_pin) for r in rows]


def applied_versions(app: App) -> list[int]:
    with app.store.reading() as session:
        rows = session.scalars(
            select(Event).where(Event.kind == EventKind.ROSTER_APPLIED.value).order_by(Event.seq)
        )
        return [int(e.payload["version"]) for e in rows]


def settle(doors: list[Path]) -> int:
    """Sync every door until each is told its copy is current; the version they all run on.
    (A door's first snapshot changes the setting once more, when its service hears of it.)"""
    for _round in range(4):
        figures = [sync_once(d) for d in doors]
        if all(f["setting"] == "unchanged" for f in figures):
            versions = {f["setting_version"] for f in figures}
            assert len(versions) == 1, figures
            return int(versions.pop())
    raise AssertionError(f"the doors did not settle: {figures}")


def tap(app: App, clock: ManualClock, uid: str) -> TapKind:
    clock.advance(60)  # past the debounce: each tap is a new presentation
    return app.kiosk.tap(uid).kind


def test_console_changes_reach_both_doors_and_a_revoked_badge_stops_at_both(
    records: Running, tmp_path: Path
) -> None:
    console = setting_with_doors(records, "front-door", "garden-door")
    ann = console.add("Ann Okafor", "manager", ANN_BADGE)
    console.set_pin(ann, "246813")
    ben = console.add("Ben Carter", "staff", BEN_BADGE)
    doors = [
        door(tmp_path, k, records.url, records.token(k)) for k in ("front-door", "garden-door")
    ]
    first = [sync_once(d) for d in doors]
    assert [f["setting"] for f in first] == ["applied", "applied"]
    clock = ManualClock(MORNING)
    apps = [open_door(d, clock) for d in doors]
    for app in apps:
        # The same person has the same number at every door: the setting's person id.
        assert [(r[0], r[1]) for r in view(app)] == [(ann, "Ann Okafor"), (ben, "Ben Carter")]
        assert tap(app, clock, BEN_BADGE) == TapKind.START_SHIFT
        # The console's PIN hash is one this kiosk checks.
        assert app.kiosk.approvals.verify(StaffId(ann), "246813").approver.staff_id == ann
    before = settle(doors)
    assert view(apps[0]) == view(apps[1])

    console.revoke(ben, BEN_BADGE)
    chloe = console.add("Chloé Dubois", "staff", CHLOE_BADGE)
    console.closing_time("17:45")
    # One sync each (what a door does every sync.interval_s) and the change is there.
    second = [sync_once(d) for d in doors]
    assert [f["setting"] for f in second] == ["applied", "applied"]
    for app, figures in zip(apps, second, strict=True):
        assert figures["setting_version"] > before
        assert tap(app, clock, BEN_BADGE) == TapKind.REVOKED
        assert tap(app, clock, CHLOE_BADGE) == TapKind.START_SHIFT
        assert app.refresh_setting() and app.config.kiosk.closing_time == "17:45"
        assert (chloe, "Chloé Dubois") in [(r[0], r[1]) for r in view(app)]
        assert applied_versions(app)[-1] == figures["setting_version"]
    assert view(apps[0]) == view(apps[1])

    # Nothing changed since: each door is told so (304) and applies nothing.
    after = settle(doors)
    assert [sync_once(d)["setting"] for d in doors] == ["unchanged", "unchanged"]
    for app in apps:
        assert applied_versions(app)[-1] == after
    for app in apps:
        app.close()


def test_a_managed_kiosk_refuses_local_roster_edits_and_says_where(
    records: Running, tmp_path: Path
) -> None:
    console = setting_with_doors(records, "front-door")
    console.add("Ann Okafor", "manager", ANN_BADGE)
    config = door(tmp_path, "front-door", records.url, records.token("front-door"))
    assert kiosk(config, "staff", "add", "Dan Local").returncode == 0  # not managed yet
    assert "this kiosk's own" in kiosk(config, "status").stdout
    version = sync_once(config)["setting_version"]
    status = json.loads(kiosk(config, "status", "--json").stdout)
    assert status["sync"]["setting_version"] == version
    for args in (["staff", "add", "Eve Local"], ["staff", "badge", "Ann", "D4D4D4D4"],
                 ["staff", "revoke", ANN_BADGE], ["staff", "leave", "Ann"]):  # fmt: skip
        done = kiosk(config, *args)
        assert done.returncode == 1, args
        assert "make this change on the console" in done.stderr
        assert f"{records.url}/manager" in done.stderr
    listed = kiosk(config, "staff", "list", "--all")
    assert "Eve Local" not in listed.stdout and "Ann Okafor" in listed.stdout


def test_a_door_cut_off_runs_on_its_last_snapshot_and_catches_up_on_reconnecting(
    records: Running, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    console = setting_with_doors(records, "front-door", "garden-door")
    ben = console.add("Ben Carter", "staff", BEN_BADGE)
    front = door(tmp_path, "front-door", records.url, records.token("front-door"))
    proxy = FaultProxy(records.port).start()
    garden = door(tmp_path, "garden-door", proxy.url, records.token("garden-door"))
    clock = ManualClock(MORNING)
    sync_once(front)
    app = open_door(garden, clock)
    puller = garden_puller(app, clock)
    version = puller.pull().version
    assert version is not None

    proxy.script.extend([Act("reset")] * 2)  # the garden door's network is cut
    console.revoke(ben, BEN_BADGE)
    assert sync_once(front)["setting"] == "applied"
    front_app = open_door(front, clock)
    assert tap(front_app, clock, BEN_BADGE) == TapKind.REVOKED
    cut = puller.pull()
    assert (cut.outcome, cut.version) == (Pulled.UNREACHABLE, version)
    app.close()  # and restarted while cut off: it runs on the last snapshot it had
    app = open_door(garden, clock)
    assert app.ctx.setting_version == version
    assert tap(app, clock, BEN_BADGE) == TapKind.START_SHIFT
    assert puller.pull().outcome == Pulled.UNREACHABLE

    caught_up = garden_puller(app, clock).pull()  # the network is back
    assert caught_up.outcome == Pulled.APPLIED and caught_up.version > version
    assert tap(app, clock, BEN_BADGE) == TapKind.REVOKED
    assert view(app) == view(front_app)

    # A service gone wrong: a document that is not a snapshot, then one far too big. Refused,
    # said in the log without a name, and the door keeps the last good one.
    caplog.set_level(logging.WARNING)
    for bad, why in ((b'{"format": 1, "sections": []}', "sections"),
                     (b"[" * (MAX_SNAPSHOT_BYTES + 1), "limit")):  # fmt: skip
        console.add(f"Dee {len(bad)}", "staff")  # a change, so the door asks for a new one
        proxy.script.append(Act("status", 200, (("ETag", '"s1-v999-f1"'),), body=bad))
        refused = garden_puller(app, clock).pull()
        assert refused.outcome == Pulled.REFUSED and why in refused.reason
        assert refused.version == caught_up.version
        assert tap(app, clock, BEN_BADGE) == TapKind.REVOKED
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "setting snapshot refused" in logged and "Ben" not in logged and "Dee" not in logged
    proxy.stop()
    front_app.close()
    app.close()


def garden_puller(app: App, clock: ManualClock) -> RosterPuller:
    """The door's fetch as `kiosk sync` makes it, in this process (so the proxy's script and
    the log are the test's): its own config, token and database."""
    config = app.file_config or app.config
    settings = PushSettings(url=config.sync.url, kiosk_id=config.kiosk.id,
                            token=read_token(config.sync.token_file),
                            backoff=Backoff(0.01, 0.05))  # fmt: skip
    return RosterPuller(Pusher(app.store, settings), config, clock)


def test_a_kiosk_gets_only_its_own_setting_and_a_304_when_its_copy_is_current(
    records: Running,
) -> None:
    console = setting_with_doors(records, "front-door")
    console.add("Ann Okafor", "manager", ANN_BADGE)
    setting_with_doors(records, "other-nursery")
    url = records.url + SETTING_PATH.format(kiosk_id="front-door")
    mine = {"Authorization": f"Bearer {records.token('front-door')}"}
    assert requests.get(url, timeout=10).status_code == 401
    theirs = {"Authorization": f"Bearer {records.token('other-nursery')}"}
    assert requests.get(url, headers=theirs, timeout=10).status_code == 403
    full = requests.get(url, headers=mine, timeout=10)
    assert full.status_code == 200 and full.json()["sections"]["staff"][0]["name"] == "Ann Okafor"
    etag = full.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    same = requests.get(url, headers={**mine, "If-None-Match": etag}, timeout=10)
    assert (same.status_code, same.content, same.headers["ETag"]) == (304, b"", etag)
    console.add("Ben Carter", "staff")
    changed = requests.get(url, headers={**mine, "If-None-Match": etag}, timeout=10)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert [p["name"] for p in changed.json()["sections"]["staff"]] == ["Ann Okafor", "Ben Carter"]
