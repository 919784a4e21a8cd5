"""A morning at a kiosk, recorded through the real services and pushed to the records service:
what the manager's page and its export are tested on."""

from __future__ import annotations

from pathlib import Path

from kiosk.app import App
from kiosk.domain.types import VisitorType
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from tests.conftest import staff_id
from tests.sync.kiosks import make_kiosk
from tests.sync.server import Running

FORMULA_NAME = '=HYPERLINK("http://x.invalid","Ann")'


def morning(records: Running, root: Path, kiosk_id: str = "entrance-1") -> App:
    """Ben on shift with his phone in locker 2, Chloé on shift, a visitor whose name is formula
    text; then Chloé ends her shift. Everything pushed."""
    app = make_kiosk(root, kiosk_id)
    service = app.kiosk
    service.start_shift(staff_id(app, "Ben Carter"), ["phone"], locker="2")
    service.start_shift(staff_id(app, "Chloé Dubois"), ["smartwatch"], locker="3")
    service.visitors.sign_in(
        VisitorType.CONTRACTOR,
        FORMULA_NAME,
        "Sparks Ltd",
        "Office",
        acknowledged=True,
        lone_working=True,
    )
    service.end_shift(staff_id(app, "Chloé Dubois"))
    settings = PushSettings(
        url=records.url,
        kiosk_id=kiosk_id,
        token=records.token(kiosk_id),
        backoff=Backoff(0.01, 0.05),
    )
    pusher = Pusher(app.store, settings)
    assert pusher.push().finished
    pusher.close()
    return app
