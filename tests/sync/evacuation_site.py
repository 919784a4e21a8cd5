"""Two doors of Little Acorns (setting A of tests/sync/console.py) for the roll call tests:
real kiosk databases pushing through the real pusher, a second manager account, and the board
read as a phone reads it."""

from __future__ import annotations

import html
import re
from pathlib import Path

from sqlalchemy.orm import Session

from kiosk.app import App
from kiosk.domain.types import VisitorType
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.server.managers import MANAGER, add_account
from kiosk.sync.server.registry import first_organisation, register_kiosk
from tests.conftest import staff_id
from tests.sync.console import PASSWORD, Client, Org
from tests.sync.kiosks import make_kiosk

ROW = r'<li class="(\w+)" id="[^"]+">\s*<span class="who"><strong>([^<]+)</strong>'


def second_door_and_manager(org: Org) -> None:
    """a-back, the setting's other door, and amy, a second manager of the setting."""
    with Session(org.records.engine) as s, s.begin():
        register_kiosk(s, org.a, "a-back")
        add_account(s, first_organisation(s), "amy", PASSWORD, role=MANAGER, setting_ids=[org.a])


def push_all(app: App, org: Org) -> None:
    kiosk_id = app.config.kiosk.id
    token = org.records.token(kiosk_id)
    settings = PushSettings(org.records.url, kiosk_id, token, backoff=Backoff(0.01, 0.05))
    pusher = Pusher(app.store, settings)
    try:
        assert pusher.push().finished
    finally:
        pusher.close()


def front_door(root: Path, org: Org, token: str = "") -> App:
    """a-door: Ben on shift and a lone-working contractor whose name is formula text."""
    app = make_kiosk(root, "a-door", token=token)
    app.kiosk.start_shift(staff_id(app, "Ben Carter"), [], no_device=True)
    app.kiosk.visitors.sign_in(VisitorType.CONTRACTOR, "=cmd|' /C calc'!A0", "Sparks Ltd", "",
                               acknowledged=True, lone_working=True)  # fmt: skip
    push_all(app, org)
    return app


def back_door(root: Path, org: Org) -> App:
    """a-back: Chloé on shift and a parent, pushed; then the door goes offline."""
    app = make_kiosk(root, "a-back")
    app.kiosk.start_shift(staff_id(app, "Chloé Dubois"), [], no_device=True)
    app.kiosk.visitors.sign_in(VisitorType.PARENT, "Pat Parent", "", "Room 1",
                               acknowledged=True, lone_working=False)  # fmt: skip
    push_all(app, org)
    return app


def board_rows(client: Client, org: Org) -> list[tuple[str, str]]:
    """(name, status) per person on the board, top to bottom."""
    page = html.unescape(client.get(org.url(org.a, "/evacuation")).text)
    found = re.findall(ROW, page)
    return [(name, status) for status, name in found]


def person_of(client: Client, org: Org, name: str) -> tuple[str, str]:
    """(evacuation id, person) of `name`'s Safe button on the board."""
    page = html.unescape(client.get(org.url(org.a, "/evacuation")).text)
    block = page[page.index(f"<strong>{name}</strong>") :]
    evacuation = re.search(r'name="evacuation" value="([^"]+)"', block)
    who = re.search(r'name="person" value="([^"]+)"', block)
    assert evacuation and who, f"no Safe button for {name}"
    return evacuation.group(1), who.group(1)
