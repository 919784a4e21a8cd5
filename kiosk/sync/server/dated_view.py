"""Reading events by the time the console dates them (`kiosk.sync.server.dating`): the loader
options that fetch that time with the event, an event as the rules see it at that time, and the
time as a manager reads it, saying how it is known when the kiosk's clock was not set.

The pages that date things for a person (when an agreement was acknowledged, since when a camera
is out, its history) read this; the folds of who is on site keep the stored times.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import undefer

from kiosk.domain.state import EventFact
from kiosk.sync.server import dating, sitestate
from kiosk.sync.server.csvrows import local_time
from kiosk.sync.server.models import RecordEvent

# Deferred in the model (the earlier migrations read events without these columns): loaded
# with the rows, not one query each later.
DATED = (undefer(RecordEvent.dated_at), undefer(RecordEvent.dated_by))


def dated_text(e: RecordEvent) -> str:
    """The time the event is dated by (its stored time, for a row not dated yet)."""
    return e.dated_at or e.occurred_at


def dated_fact(e: RecordEvent) -> EventFact:
    """The event as the rules see it, at the time it is dated by."""
    return replace(sitestate.fact(e), occurred_at=datetime.fromisoformat(dated_text(e)))


def shown_time(e: RecordEvent, tz: ZoneInfo) -> str:
    """The dated time in the setting's zone; when the kiosk's clock was not set, how it is known
    and what the kiosk's clock said (what the kiosk's own export shows for it)."""
    at = local_time(dated_text(e), tz)
    said = local_time(e.occurred_at, tz)[:16]
    if e.dated_by == dating.BOOT:
        return f"{at} (worked out: the kiosk's clock was not set; it said {said})"
    if e.dated_by == dating.RECEIVED:
        return f"before {at} (the kiosk's clock was not set; it said {said})"
    return at
