"""Checking a feed answer from the records service before anything of it is stored: a page is
taken whole or not at all, so a bad or truncated answer can never leave a door half-updated.

The page's frame (receipts, ids, kiosks, times) is checked and a fault there refuses the page.
An event the fold could not use (about the wrong kind of person, a payload of another version) is
kept about nobody, so the feed moves past it, and is never folded: one odd event must not stop a
door's taps or its feed. Kinds a door does not fold, should a newer service send them, are passed
over.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from kiosk.domain.state import STAFF_KINDS, VISITOR_KINDS
from kiosk.domain.types import Reason, VisitorType
from kiosk.store.peers import PeerIn, PeerVisitor
from kiosk.sync.contract import FEED_MAX_EVENTS, KIOSK_ID_PATTERN

FOLDED_KINDS = frozenset(k.value for k in STAFF_KINDS | VISITOR_KINDS)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_KIOSK = re.compile(KIOSK_ID_PATTERN)
_VISITOR_TYPES = frozenset(t.value for t in VisitorType)
_REASONS = frozenset(r.value for r in Reason)
log = logging.getLogger(__name__)
MAX_ID = 2**62


class FeedRefused(ValueError):
    """The feed's answer is not what the contract says; nothing of it was stored."""


class Unfoldable(FeedRefused):
    """A well-formed event the fold could not use (a kiosk of another version may send one):
    stored about nobody, so it is kept and the feed moves past it, but never folded."""


def _int(value: Any, low: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_ID:
        raise FeedRefused(f"{what} is not a whole number from {low}")
    return value


def _time(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise FeedRefused("occurred_at is not a time with a zone")
    return moment


def _visitor(subject: dict[str, Any]) -> PeerVisitor:
    uuid, kind, name = subject.get("uuid"), subject.get("visitor_type"), subject.get("name")
    if not isinstance(uuid, str) or not _UUID.match(uuid):
        raise Unfoldable("a visitor's uuid is not a uuid")
    if kind not in _VISITOR_TYPES:
        raise Unfoldable("a visitor's type is not one the kiosk knows")
    if name is not None and (not isinstance(name, str) or len(name) > 80 or "\x00" in name):
        raise Unfoldable("a visitor's name is not text of at most 80 characters")
    return PeerVisitor(uuid=uuid, visitor_type=kind, name=name)


def _subject(kind: str, subject: Any) -> tuple[int | None, PeerVisitor | None]:
    if not isinstance(subject, dict):
        raise Unfoldable(f"a {kind} event names nobody")
    if kind in {k.value for k in STAFF_KINDS}:
        if subject.get("type") != "staff":
            raise Unfoldable(f"a {kind} event is not about a member of staff")
        staff = subject.get("id")
        if isinstance(staff, bool) or not isinstance(staff, int) or not 1 <= staff <= MAX_ID:
            raise Unfoldable("a staff id is not a whole number from 1")
        return staff, None
    if subject.get("type") != "visitor":
        raise Unfoldable(f"a {kind} event is not about a visitor")
    return None, _visitor(subject)


def _text_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _payload_folds(kind: str, payload: dict[str, Any]) -> bool:
    """Whether the fold (kiosk.domain.state) can read this payload without failing."""
    if kind == "shift.start":
        devices = payload.get("devices", [])
        return (isinstance(devices, list) and all(isinstance(d, str) for d in devices)
                and _text_or_none(payload.get("locker")))  # fmt: skip
    if kind in ("device.out", "device.in") and not isinstance(payload.get("device"), str):
        return False
    if kind == "device.out":
        approver, due = payload.get("approver_id"), payload.get("expected_return")
        return (payload.get("reason") in _REASONS and _text_or_none(due)
                and (approver is None or (isinstance(approver, int) and approver >= 1))
                and (due is None or _aware(due)))  # fmt: skip
    return True


def _aware(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _event(raw: Any, own_kiosk: str) -> PeerIn | None:
    if not isinstance(raw, dict):
        raise FeedRefused("an event is not an object")
    receipt = _int(raw.get("receipt"), 1, "receipt")
    kind = raw.get("kind")
    if kind not in FOLDED_KINDS:
        return None
    kiosk, event_id = raw.get("kiosk_id"), raw.get("id")
    if not isinstance(kiosk, str) or not _KIOSK.match(kiosk) or kiosk == own_kiosk:
        raise FeedRefused("an event's kiosk_id is not another kiosk's id")
    if not isinstance(event_id, str) or not _UUID.match(event_id):
        raise FeedRefused("an event's id is not a uuid")
    payload = raw.get("payload")
    if not isinstance(payload, dict):
        raise FeedRefused("an event's payload is not an object")
    event = PeerIn(id=event_id, kiosk_id=kiosk, seq=_int(raw.get("seq"), 1, "seq"),
                   receipt=receipt, kind=kind, occurred_at=_time(raw.get("occurred_at")),
                   payload=payload)  # fmt: skip
    try:
        staff_id, visitor = _subject(kind, raw.get("subject"))
        if not _payload_folds(kind, payload):
            raise Unfoldable(f"a {kind} event's payload is not one the fold can read")
    except Unfoldable as why:
        log.warning("feed: event %s kept but not folded: %s", event_id, why)
        return event  # about nobody: stored, never folded
    return replace(event, staff_id=staff_id, visitor=visitor)


def check_page(data: Any, after: int, own_kiosk: str) -> tuple[list[PeerIn], int]:
    """The events a door folds from a feed answer, and the next cursor; FeedRefused if any part
    of the answer is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise FeedRefused("the answer is not a feed page")
    raw_events = data["events"]
    if len(raw_events) > FEED_MAX_EVENTS:
        raise FeedRefused(f"the page has more than {FEED_MAX_EVENTS} events")
    following = _int(data.get("next"), 0, "next")
    last = after
    events = []
    for index, raw in enumerate(raw_events):
        try:
            event = _event(raw, own_kiosk)
        except FeedRefused as exc:
            raise FeedRefused(f"event {index}: {exc}") from None
        receipt = raw["receipt"]
        if receipt <= last:
            raise FeedRefused(f"event {index}: receipts do not grow after {last}")
        last = receipt
        if event is not None:
            events.append(event)
    if following < last:
        raise FeedRefused(f"next ({following}) is before the page's last receipt ({last})")
    return events, following
