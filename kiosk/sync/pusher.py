"""The kiosk's pusher: sends pending events to the records service until none are left.

Each batch goes out with an Idempotency-Key derived from its body, so a batch resent after a lost
response or a restart is recognised by the server; events are marked sent only after a 2xx. A 413
splits the batch in two; other refusals (400/401/403/404/422) move the batch to `dead` and the
push goes on with the events behind it; network errors, 408, 429 and 5xx are retried with backoff
(honouring Retry-After). All state is in the kiosk's database, so a kill at any point loses nothing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import requests
import urllib3

from kiosk.domain.types import PolicyError
from kiosk.store.db import Store
from kiosk.sync import outbox
from kiosk.sync.backoff import Backoff, Streak, retry_after_s
from kiosk.sync.contract import EVENTS_PATH, IDEMPOTENCY_HEADER, STATUS_PATH

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
Answer = tuple[int, str, set[str]]  # HTTP status, the server's sentence, ids it named invalid


class Transient(Exception):
    """This try failed for a reason that may pass; wait (at least `wait_s` if given) and retry.
    `unreachable`: no connection to the service was made at all (refused, unknown host, connect
    timeout, untrusted certificate), as opposed to one lost on the way (reset, read timeout)."""

    def __init__(self, reason: str, wait_s: float | None = None, *,
                 unreachable: bool = False) -> None:  # fmt: skip
        super().__init__(reason)
        self.wait_s = wait_s
        self.unreachable = unreachable


@dataclass(frozen=True)
class PushSettings:
    url: str
    kiosk_id: str
    token: str = field(repr=False)  # a settings object in a log line or traceback shows no secret
    ca_file: str = ""
    allow_plain_http: bool = False
    batch_size: int = 500
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    backoff: Backoff = field(default_factory=Backoff)


@dataclass
class PushResult:
    sent: int = 0
    dead: int = 0
    retries: int = 0
    finished: bool = False
    last_error: str = ""


def check_url(url: str, allow_plain_http: bool) -> None:
    """https anywhere; plain http only to this machine, unless the config explicitly allows it."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme != "http" or not parts.hostname:
        raise PolicyError(f"sync.url {url!r} must be an https:// URL")
    if allow_plain_http or _loopback(parts.hostname):
        return
    raise PolicyError(
        f"sync.url {url!r} is plain http to another machine: use https, or set "
        "sync.allow_plain_http = true if the network is private and trusted"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def batch_key(body: bytes) -> str:
    """Same batch, same key, across retries and restarts; any change in the body, a new key."""
    return "b-" + hashlib.sha256(body).hexdigest()[:40]


class Pusher:
    """One kiosk's outbox → one records service, over one `requests.Session`."""

    def __init__(self, store: Store, settings: PushSettings) -> None:
        check_url(settings.url, settings.allow_plain_http)
        self.store = store
        self.settings = settings
        self.stopped = threading.Event()  # set by SIGTERM: ends a wait at once
        self.http = requests.Session()
        # Passed with every request, not only set on the session: requests lets an environment
        # REQUESTS_CA_BUNDLE override a session's `verify`, which would drop the private CA.
        self.verify: str | bool = settings.ca_file or True
        self.http.headers["Authorization"] = f"Bearer {settings.token}"
        base = settings.url.rstrip("/")
        kiosk = quote(settings.kiosk_id, safe="")
        self.events_url = base + EVENTS_PATH.format(kiosk_id=kiosk)
        # For messages: scheme, host and port only (never a user:password a URL may carry).
        parts = urlsplit(base)
        self.address = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        self.status_url = base + STATUS_PATH.format(kiosk_id=kiosk)

    def close(self) -> None:
        self.http.close()

    def push(self, *, max_failures: int | None = None, max_unreachable: int | None = None,
             on_progress: Callable[[int], None] | None = None,
             report: bool = True) -> PushResult:  # fmt: skip
        """Push until nothing is pending; transient failures wait and retry. Gives up after
        `max_failures` failures in a row, or `max_unreachable` tries in a row that could not
        reach the service at all, if given (see `Streak` for "in a row"). Ends with a status
        report to the service (if `report`), unless it was just found unreachable."""
        result = PushResult()
        streak = Streak()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-post") as network:
            while not self.stopped.is_set():
                try:
                    if not self._stream(network, result, on_progress):
                        result.finished = True
                        break
                except Transient as exc:
                    streak.failed(result.sent + result.dead, unreachable=exc.unreachable)
                    result.retries += 1
                    result.last_error = str(exc)
                    if streak.exhausted(max_failures, max_unreachable):
                        break
                    self._wait(streak.failures, exc)
        if report and (not streak.unreachable or result.finished):
            self.report_status()
        return result

    def _stream(self, network: Executor, result: PushResult,
                on_progress: Callable[[int], None] | None) -> bool:  # fmt: skip
        """Send batches back to back; False when nothing was pending. While a batch is on the
        wire the next one is read, and once it is accepted the next goes out before this one is
        marked sent, so the kiosk's database work overlaps the service's. Only a plain success
        takes this path; any other answer is settled on its own and the caller reads afresh."""
        batch = outbox.pending_batch(self.store, self.settings.batch_size)
        if not batch:
            return False
        in_flight = network.submit(self._post, batch)
        try:
            while True:
                ahead = outbox.pending_batch(
                    self.store, self.settings.batch_size, after_seq=batch[-1].seq
                )
                answer = in_flight.result()
                if not (ahead and 200 <= answer[0] < 300 and not self.stopped.is_set()):
                    self._settle(batch, answer, result)
                    _progress(on_progress, result)
                    return True
                in_flight = network.submit(self._post, ahead)
                outbox.mark_sent(self.store, [e.id for e in batch])
                result.sent += len(batch)
                _progress(on_progress, result)
                batch = ahead
        except Transient as exc:
            # Nothing else is in flight: the next batch goes out only after this one succeeded.
            outbox.note_failure(self.store, [e.id for e in batch], str(exc))
            raise

    def _wait(self, failures: int, exc: Transient) -> None:
        delay = self.settings.backoff.delay_s(failures)
        if exc.wait_s is not None:
            delay = min(max(exc.wait_s, 0.0), self.settings.backoff.retry_after_cap_s)
        log.info("sync: %s; retrying in %.1f s", exc, delay)
        self.stopped.wait(delay)

    def _deliver(self, batch: list[outbox.Outgoing], result: PushResult) -> None:
        """Send one batch to a final state (sent or dead), splitting on 413; else Transient."""
        self._settle(batch, self._post(batch), result)

    def _settle(self, batch: list[outbox.Outgoing], answer: Answer, result: PushResult) -> None:
        status, detail, invalid = answer
        if 200 <= status < 300:
            outbox.mark_sent(self.store, [e.id for e in batch])
            result.sent += len(batch)
        elif status == 413 and len(batch) > 1:
            half = len(batch) // 2
            self._deliver(batch[:half], result)
            self._deliver(batch[half:], result)
        elif status == 422 and 0 < len(invalid) < len(batch):
            # Only the events the server named are bad: they go dead, the rest go again.
            self._bury([e for e in batch if e.id in invalid], status, detail, result)
            self._deliver([e for e in batch if e.id not in invalid], result)
        else:
            self._bury(batch, status, detail, result)

    def _bury(self, batch: list[outbox.Outgoing], status: int, detail: str,
              result: PushResult) -> None:  # fmt: skip
        log.warning("sync: %d events refused (HTTP %d): %s", len(batch), status, detail)
        outbox.mark_dead(self.store, [e.id for e in batch], f"HTTP {status}: {detail}")
        result.dead += len(batch)

    def _post(self, batch: list[outbox.Outgoing]) -> Answer:
        body = outbox.batch_body(batch)
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: batch_key(body)}
        try:
            response = self.http.post(self.events_url, data=body, headers=headers,
                                      verify=self.verify, timeout=self.timeouts())  # fmt: skip
        except requests.exceptions.SSLError:
            # Retried like any network fault (the fix is on the server or in the config), but
            # said plainly, since `kiosk status` and the journal show it to whoever fixes it.
            raise Transient(
                "TLS: the records service's certificate is not trusted (check sync.ca_file)",
                unreachable=True,
            ) from None
        except requests.RequestException as exc:
            why = _not_connected(exc)
            if why:
                where = f"cannot reach the records service at {self.address} ({why})"
                raise Transient(where, unreachable=True) from None
            raise Transient(f"network: {type(exc).__name__}") from None
        with response:
            if response.status_code in RETRY_STATUSES:
                wait = retry_after_s(response.headers.get("Retry-After"))
                raise Transient(f"HTTP {response.status_code}", wait)
            return (response.status_code, *_detail(response))

    def timeouts(self) -> tuple[float, float]:
        return (self.settings.connect_timeout_s, self.settings.read_timeout_s)

    def report_status(self) -> bool:
        """Tell the service our queue and dead letters (best effort: the next run tries again)."""
        try:
            response = self.http.put(self.status_url, json=outbox.report(self.store),
                                     verify=self.verify, timeout=self.timeouts())  # fmt: skip
            response.close()
        except requests.RequestException:
            return False
        return 200 <= response.status_code < 300


def _not_connected(exc: requests.RequestException) -> str | None:
    """Why no connection to the service was made at all; None if one was (and then lost)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connecting timed out"
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, urllib3.exceptions.NameResolutionError):
        return "host name not found"
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return str(getattr(reason.__cause__, "strerror", None) or "no connection")
    return None


def _progress(on_progress: Callable[[int], None] | None, result: PushResult) -> None:
    if on_progress:
        on_progress(result.sent + result.dead)


def _detail(response: requests.Response) -> tuple[str, set[str]]:
    """The server's sentence, and the ids of the events it named as invalid (422)."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200], set()
    if not isinstance(data, dict):
        return str(data)[:200], set()
    named = data.get("invalid_events") or []
    ids = {str(i["id"]) for i in named if isinstance(i, dict) and i.get("id")}
    return str(data.get("detail", ""))[:500], ids
