"""Fetching the setting's snapshot down from the records service, as part of each sync.

`GET /api/v1/kiosks/{id}/setting` with the ETag of the snapshot in use: an unchanged setting is a
`304` with no body. A new one is read (at most MAX_SNAPSHOT_BYTES), checked whole
(`kiosk.store.roster_check`) and applied in one transaction (`kiosk.store.roster`); a bad one is
refused with its reason in the log (never a name) and the kiosk keeps the last good one. Offline,
nothing changes: the kiosk runs on what it has.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

import requests
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.domain.types import PolicyError
from kiosk.services.reference import reference_writer
from kiosk.store.rekey import PendingFirst
from kiosk.store.roster import applied, apply_roster
from kiosk.store.roster_check import RosterRefused, parse_roster
from kiosk.sync.contract import MAX_SNAPSHOT_BYTES, SETTING_PATH
from kiosk.sync.pusher import Pusher

log = logging.getLogger(__name__)


class Pulled(StrEnum):
    UNCHANGED = "unchanged"  # 304: the snapshot in use is current
    APPLIED = "applied"
    REFUSED = "refused"  # the service's answer or document was not usable; the last good kept
    WAITING = "waiting"  # the first snapshot waits for earlier events to be pushed
    UNAVAILABLE = "unavailable"  # the service answered with an error (a revoked token, a 503)
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class PullResult:
    outcome: Pulled
    version: int | None = None  # the version in use afterwards
    reason: str = ""


class RosterPuller:
    """One kiosk's snapshot ← its records service, over the pusher's HTTP session and token."""

    def __init__(self, pusher: Pusher, config: Config, clock: Clock) -> None:
        self.pusher, self.config, self.clock = pusher, config, clock
        kiosk = quote(pusher.settings.kiosk_id, safe="")
        self.url = pusher.settings.url.rstrip("/") + SETTING_PATH.format(kiosk_id=kiosk)

    def pull(self) -> PullResult:
        with self.pusher.store.reading() as session:
            row = applied(session)
            etag, version = (row.etag, row.version) if row else (None, None)
        try:
            status, body, new_etag = self._get(etag)
        except requests.RequestException as exc:
            return PullResult(Pulled.UNREACHABLE, version, f"network: {type(exc).__name__}")
        if status == 304:
            return PullResult(Pulled.UNCHANGED, version)
        if status != 200:
            log.warning("sync: setting not fetched (HTTP %d); keeping what this kiosk has", status)
            return PullResult(Pulled.UNAVAILABLE, version, f"HTTP {status}")
        return self._apply(body, new_etag, version)

    def _get(self, etag: str | None) -> tuple[int, bytes | None, str]:
        headers = {"If-None-Match": etag} if etag else {}
        with self.pusher.http.get(self.url, headers=headers, stream=True,
                                  verify=self.pusher.verify,
                                  timeout=self.pusher.timeouts()) as response:  # fmt: skip
            body = _read_limited(response) if response.status_code == 200 else None
            return response.status_code, body, response.headers.get("ETag", "")

    def _apply(self, body: bytes | None, etag: str, version: int | None) -> PullResult:
        if body is None:
            return self._refused(version, f"snapshot over the {MAX_SNAPSHOT_BYTES}-byte limit")
        if not etag or len(etag) > 128:
            return self._refused(version, "snapshot without a usable ETag")
        try:
            roster = parse_roster(body)
            write_reference = _reference_writer(body)
            with self.pusher.store.transaction() as session:
                event = apply_roster(session, self.clock, self.config, roster, etag)
                if event is not None and write_reference is not None:
                    write_reference(session)  # the same transaction: never half a setting
        except RosterRefused as refused:
            return self._refused(version, str(refused))
        except PendingFirst as waiting:
            return PullResult(Pulled.WAITING, version, str(waiting))
        if event is not None:
            log.info("sync: now on the setting's snapshot version %d", roster.version)
        return PullResult(Pulled.APPLIED, roster.version)

    def _refused(self, version: int | None, reason: str) -> PullResult:
        kept = f"keeping version {version}" if version else "staying stand-alone"
        log.warning("sync: setting snapshot refused (%s); %s", reason, kept)
        return PullResult(Pulled.REFUSED, version, reason)


def _reference_writer(body: bytes) -> Callable[[Session], object] | None:
    """The snapshot's `policy_reference` section (the setting's cameras and tablets, staff
    agreements, event-day notices, today's observations), checked whole; None if it has none
    (a service before issue 13)."""
    section = json.loads(body).get("sections", {}).get("policy_reference")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise RosterRefused("policy_reference: must be an object")
    try:
        return reference_writer(section)
    except PolicyError as exc:
        raise RosterRefused(f"policy_reference: {exc}") from None


def _read_limited(response: requests.Response) -> bytes | None:
    """The body, or None once it passes the limit (read no further: a server gone wrong must not
    fill the Pi's memory)."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_SNAPSHOT_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
