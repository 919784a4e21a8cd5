"""The kiosk's side of the feed: the setting's other doors' events, fetched from the records
service and stored for the fold (kiosk.store.peers), so who is on site agrees at every door.

`kiosk sync` runs `FeedPuller.run` in a thread beside the pusher. Each request waits at the
service (long-poll) until another door pushes something or `wait_s` passes, so news arrives
within a round trip and an idle setting costs one request per `wait_s`. A page is checked whole
(kiosk.sync.feedcheck) and stored in one transaction; a bad, oversized or cut-off answer stores
nothing and is retried with the pusher's backoff. Names are never logged.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from urllib.parse import quote

import requests

from kiosk.errors import StoreError
from kiosk.store import peers
from kiosk.store.db import Store
from kiosk.sync.backoff import retry_after_s
from kiosk.sync.contract import FEED_MAX_BYTES, FEED_PATH
from kiosk.sync.feedcheck import FeedRefused, check_page
from kiosk.sync.pusher import PushSettings, check_url

log = logging.getLogger(__name__)
WAIT_S = 20.0  # how long the service holds a request with nothing new (under FEED_MAX_WAIT_S)


class FeedUnavailable(Exception):
    """The feed could not be read this time (network, a busy service); try again later."""

    def __init__(self, reason: str, wait_s: float | None = None) -> None:
        super().__init__(reason)
        self.wait_s = wait_s


class FeedPuller:
    def __init__(self, store: Store, settings: PushSettings) -> None:
        check_url(settings.url, settings.allow_plain_http)
        self.store = store
        self.settings = settings
        self.stopped = threading.Event()
        # Held while a page is stored: `kiosk sync` takes it on SIGTERM, so it never exits in
        # the middle of a store, and need not wait for a long-poll to come back (up to 20 s).
        self.storing = threading.Lock()
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {settings.token}"
        self.verify: str | bool = settings.ca_file or True
        kiosk = quote(settings.kiosk_id, safe="")
        self.url = settings.url.rstrip("/") + FEED_PATH.format(kiosk_id=kiosk)

    def close(self) -> None:
        self.http.close()

    def _read(self, after: int, wait_s: float) -> object:
        params = {"after": str(after), "wait": str(wait_s)}
        timeouts = (self.settings.connect_timeout_s, self.settings.read_timeout_s + wait_s)
        try:
            with self.http.get(self.url, params=params, verify=self.verify, timeout=timeouts,
                               stream=True) as response:  # fmt: skip
                if response.status_code != 200:
                    wait = retry_after_s(response.headers.get("Retry-After"))
                    raise FeedUnavailable(f"HTTP {response.status_code}", wait)
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > FEED_MAX_BYTES:
                        raise FeedRefused(f"the answer is over {FEED_MAX_BYTES} bytes")
        except requests.RequestException as exc:
            raise FeedUnavailable(f"network: {type(exc).__name__}") from None
        try:
            return json.loads(body)
        except ValueError:
            raise FeedRefused("the answer is not JSON") from None

    def pull(self, wait_s: float = 0.0) -> int:
        """One request: store the page it brings; how many events were new."""
        with self.store.reading() as session:
            after = peers.cursor(session)
        events, _next = check_page(self._read(after, wait_s), after, self.settings.kiosk_id)
        if not events:
            return 0
        with self.storing:
            if self.stopped.is_set():  # stopped while the request was out: stored next time
                return 0
            with self.store.transaction() as session:
                return peers.store_page(session, events, datetime.now(UTC))

    def pull_all(self) -> int:
        """Pages until one comes back with nothing new, without waiting (`kiosk sync --once`)."""
        total = 0
        while new := self.pull():
            total += new
        return total

    def run(self, wait_s: float = WAIT_S) -> None:
        """Pull until stopped; failures wait (the pusher's backoff) and try again."""
        failures = 0
        while not self.stopped.is_set():
            try:
                self.pull(wait_s)
                failures = 0
            except (FeedUnavailable, FeedRefused, StoreError) as exc:
                failures += 1
                wait = getattr(exc, "wait_s", None)
                log.warning("feed: %s", exc)
                self.stopped.wait(wait or self.settings.backoff.delay_s(failures + 1))
