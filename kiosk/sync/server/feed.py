"""The feed: the events of a kiosk's setting's other kiosks, after a receipt number, for the doors
to fold who is on site (issue 11).

Only the events that change who is on site go out (and only those about the kind of person
their kind is about: a visit about a member of staff, which a kiosk of another version could
send, is passed over, as the fold would refuse it), with the least a door needs about the person:
a member of staff's id (the setting's person id, which is the door's staff id too); a visitor's
visit uuid, their type, and the name they gave (so the other door can find them to sign out; null
once erased). Never another setting's events, never the asking kiosk's own.

A request that finds nothing waits (long-poll, at most MAX_WAIT_S) until a push to the service
rings the bell, then reads again: no polling of the database while nothing happens. The bell is
taken before the read, so a push that commits between the read and the wait still wakes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from kiosk.domain.doors import visit_uuid
from kiosk.sync.contract import FEED_MAX_EVENTS, FEED_MAX_WAIT_S
from kiosk.sync.server.registry import setting_of

# Only the kinds a door folds (kiosk.sync.server.doors.STATE_KINDS; a test checks they agree).
_PAGE = text(
    """
SELECT e.receipt, e.kiosk_id, e.id, e.seq, e.kind, e.occurred_at, e.payload, e.subject_type,
       e.subject_id, s.uuid, s.name, s.visitor_type, s.erased
FROM events AS e
LEFT JOIN subjects AS s ON s.kiosk_id = e.kiosk_id AND s.type = e.subject_type
    AND s.id = e.subject_id
WHERE e.setting_id = :setting AND e.receipt > :after AND e.kiosk_id <> :kiosk
    AND ((e.kind IN ('device.in', 'device.out', 'shift.end', 'shift.start')
          AND e.subject_type = 'staff')
      OR (e.kind IN ('visitor.in', 'visitor.out') AND e.subject_type = 'visitor'))
ORDER BY e.receipt LIMIT :limit
"""
)


class Bell:
    """Rung after every push that stored something; a waiting feed wakes and reads again."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        return self._event

    def ring(self) -> None:
        rung, self._event = self._event, asyncio.Event()
        rung.set()


def _subject(row: Any) -> dict[str, Any]:
    if row.subject_type == "staff":
        return {"type": "staff", "id": int(row.subject_id)}
    name = None if row.erased else row.name
    visit = row.uuid or visit_uuid(row.kiosk_id, int(row.subject_id))
    return {"type": "visitor", "uuid": visit, "visitor_type": row.visitor_type or "visitor",
            "name": name}  # fmt: skip


def _event(row: Any) -> dict[str, Any]:
    payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
    return {"receipt": int(row.receipt), "kiosk_id": row.kiosk_id, "id": row.id,
            "seq": int(row.seq), "kind": row.kind, "occurred_at": row.occurred_at,
            "payload": payload or {}, "subject": _subject(row)}  # fmt: skip


def read_page(engine: Engine, kiosk_id: str, after: int) -> dict[str, Any]:
    """The next page of the feed for this kiosk: {"events": [...], "next": receipt}."""
    with Session(engine) as session:
        setting = setting_of(session, kiosk_id)
        if setting is None:
            return {"events": [], "next": after}
        query = {"setting": setting, "after": after, "kiosk": kiosk_id, "limit": FEED_MAX_EVENTS}
        events = [_event(row) for row in session.execute(_PAGE, query)]
    return {"events": events, "next": events[-1]["receipt"] if events else after}


async def wait_for_page(
    engine: Engine, bell: Bell, kiosk_id: str, after: int, wait_s: float
) -> dict[str, Any]:
    """A page with events, or an empty one once `wait_s` passed with nothing new."""
    from fastapi.concurrency import run_in_threadpool

    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(max(wait_s, 0.0), FEED_MAX_WAIT_S)
    while True:
        rung = bell.current()
        page = await run_in_threadpool(read_page, engine, kiosk_id, after)
        left = deadline - loop.time()
        if page["events"] or left <= 0:
            return page
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(rung.wait(), timeout=left)
