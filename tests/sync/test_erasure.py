"""A right-to-erasure request traced end to end: the kiosk erases a visitor and a leaver, the
next push carries it to the records service, and the service holds their names nowhere — while
every event (and so every count) is still there, on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from kiosk.app import App
from kiosk.services.operations import OperationsService
from kiosk.sync.backoff import Backoff
from kiosk.sync.pusher import Pusher, PushSettings
from kiosk.sync.server.models import RecordEvent, Subject
from kiosk.sync.server.tenancy import Person
from tests.conftest import staff_id
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
    push(app, records)

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


def test_a_leavers_name_goes_from_events_recorded_on_their_behalf_and_their_person(
    records: Running, tmp_path: Path
) -> None:
    """Chloé recorded Ben's shift end at the terminal (`--by`); once she is erased, neither the
    kiosk nor the service holds her name in that event, nor in the setting's people."""
    app = morning(records, tmp_path)
    ben = staff_id(app, "Ben Carter")
    app.kiosk.end_shift(ben, on_behalf="Chloé Dubois")
    push(app, records)
    assert "Chloé Dubois" in recorders(records) and "Chloé Dubois" in people(records)

    OperationsService(app.ctx).erase_staff("Chloé Dubois")
    push(app, records)

    assert "Chloé Dubois" not in recorders(records)
    assert "(erased #3)" in recorders(records)
    assert "Chloé Dubois" not in people(records) and "Ben Carter" in people(records)
    assert "Chloé Dubois" not in names_held(records)
    app.close()


def push(app: App, records: Running) -> None:
    settings = PushSettings(
        url=records.url, kiosk_id=app.config.kiosk.id,
        token=records.token(app.config.kiosk.id), backoff=Backoff(0.01, 0.05),
    )  # fmt: skip
    pusher = Pusher(app.store, settings)
    assert pusher.push().finished
    pusher.close()


def recorders(records: Running) -> set[str]:
    with records.engine.connect() as conn:
        payloads = conn.scalars(select(RecordEvent.payload))
        return {str(p.get("recorded_by")) for p in payloads if p and p.get("recorded_by")}


def people(records: Running) -> set[str]:
    with records.engine.connect() as conn:
        return set(conn.scalars(select(Person.name)))
