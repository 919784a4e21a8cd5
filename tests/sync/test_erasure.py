"""A right-to-erasure request traced end to end: the kiosk erases a visitor and a leaver, the
next push carries it to the records service, and the service holds their names nowhere — while
every event (and so every count) is still there, on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from kiosk.services.operations import OperationsService
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.server.models import RecordEvent, Subject
from tests.sync.server import Running
from tests.sync.site import FORMULA_NAME, morning


def names_held(records: Running) -> set[str]:
    with records.engine.connect() as conn:
        rows = conn.execute(select(Subject.name, Subject.organisation, Subject.visiting))
        return {value for row in rows for value in row if value}


def test_erasure_reaches_the_records_service(records: Running, tmp_path: Path) -> None:
    app = morning(records, tmp_path)  # Ben, Chloé and a contractor, all pushed
    assert {"Ben Carter", "Chloé Dubois", FORMULA_NAME, "Sparks Ltd"} <= names_held(records)
    with records.engine.connect() as conn:
        events_before = conn.scalar(select(func.count()).select_from(RecordEvent))

    operations = OperationsService(app.ctx)
    operations.erase_visitor(FORMULA_NAME)
    operations.erase_staff("Chloé Dubois")  # she has left: her shift ended this morning
    settings = PushSettings(
        url=records.url, kiosk_id=app.config.kiosk.id,
        token=records.token(app.config.kiosk.id), backoff=Backoff(0.01, 0.05),
    )  # fmt: skip
    pusher = Pusher(app.store, settings)
    assert pusher.push().finished
    pusher.close()

    held = names_held(records)
    assert FORMULA_NAME not in held and "Sparks Ltd" not in held and "Office" not in held
    assert "Chloé Dubois" not in held
    assert "Ben Carter" in held  # nobody else's record is touched
    with records.engine.connect() as conn:
        events_after = conn.scalar(select(func.count()).select_from(RecordEvent))
        erased = conn.scalar(select(func.count()).where(Subject.erased.is_(True)))
    assert events_after == events_before + 2  # the two admin.erase events; nothing removed
    assert erased == 1  # the visitor is marked erased for good: later pushes cannot bring it back
    app.close()
