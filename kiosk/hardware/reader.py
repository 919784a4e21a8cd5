"""The badge-reader interface every reader implements, and the thread and health they share.

A reader turns a badge held to it into one call of `on_badge(uid)` per presentation, from its own
thread, reports whether it is working through `on_health(state, message)`, and calls
`on_two_cards()` once when more than one card is held to it at a time (a badge in a wallet with a
bank card), so the person can be told instead of met with silence. UIDs are normalised
here (uppercase hex, no separators) so that a badge reads the same from the RC522, a keyboard-wedge
reader and `kiosk tap`. `ReaderBase` owns the thread, the callbacks and the retry-with-backoff loop
that keeps a reader coming back after it fails, so each concrete reader only says how to serve.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from typing import Protocol

from kiosk.domain.people import normalise_uid as domain_normalise_uid
from kiosk.domain.types import PolicyError

log = logging.getLogger(__name__)

BadgeCallback = Callable[[str], None]
HealthCallback = Callable[["ReaderHealth", str], None]
TwoCardsCallback = Callable[[], None]

# 4-, 7- and 10-byte ISO 14443-A UIDs; anything else is a typo or a noisy read.
UID_HEX_LENGTHS = (8, 14, 20)


class ReaderHealth(enum.Enum):
    STARTING = "starting"
    OK = "ok"
    NOT_RESPONDING = "not responding"
    STOPPED = "stopped"


class HardwareError(Exception):
    """A part of the kiosk's hardware that cannot be used, with a message for a person."""


class BadgeReader(Protocol):
    """What the kiosk needs from any badge reader. Callbacks come from the reader's thread."""

    @property
    def health(self) -> ReaderHealth: ...

    def start(
        self,
        on_badge: BadgeCallback,
        on_health: HealthCallback | None = None,
        on_two_cards: TwoCardsCallback | None = None,
    ) -> None: ...

    def stop(self) -> None: ...


def normalise_uid(text: str) -> str:
    """The domain's spelling of a UID, and only lengths a card can have; ValueError otherwise."""
    try:
        cleaned = str(domain_normalise_uid(text))
    except PolicyError:
        raise ValueError(f"{text!r} is not a badge UID (hex digits, e.g. 04A1B2C3D4E5F6)") from None
    if len(cleaned) not in UID_HEX_LENGTHS:
        raise ValueError(
            f"{text!r} is not a badge UID: expected 4, 7 or 10 bytes (8, 14 or 20 hex digits)"
        )
    return cleaned


class ReaderBase:
    """Runs `_serve` in a daemon thread, retrying with capped exponential backoff when it fails.

    `_serve` returns when `stopping` is set and raises when the hardware fails; it calls
    `_healthy(message)` once the hardware answers, which also resets the backoff.
    """

    # A reader plugged back in is found again within about a second: a retry costs a few SPI
    # transfers or a directory listing, so there is nothing to save by waiting longer.
    retry_initial_s = 0.25
    retry_max_s = 1.0

    def __init__(self, name: str) -> None:
        self._name = name
        self._health = ReaderHealth.STOPPED
        self._health_lock = threading.Lock()
        self._on_badge: BadgeCallback = _ignore_badge
        self._on_health: HealthCallback | None = None
        self._on_two_cards: TwoCardsCallback | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._retry_s = self.retry_initial_s

    @property
    def health(self) -> ReaderHealth:
        return self._health

    @property
    def stopping(self) -> threading.Event:
        return self._stopping

    def start(
        self,
        on_badge: BadgeCallback,
        on_health: HealthCallback | None = None,
        on_two_cards: TwoCardsCallback | None = None,
    ) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is already running")
        self._on_badge, self._on_health, self._on_two_cards = on_badge, on_health, on_two_cards
        self._stopping.clear()
        self._set_health(ReaderHealth.STARTING, f"{self._name} starting")
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._interrupt()
        thread.join(timeout=5.0)
        if thread.is_alive():
            log.warning("%s did not stop within 5 s", self._name)
        self._set_health(ReaderHealth.STOPPED, f"{self._name} stopped")

    def _run(self) -> None:
        while not self._stopping.is_set():
            failure: Exception | None = None
            try:
                self._serve()
            except Exception as exc:  # the kiosk must outlive any reader failure
                failure = exc
            self._release()
            if failure is not None:
                self._failed(failure)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, HardwareError | OSError):
            log.error("%s failed unexpectedly", self._name, exc_info=exc)
        self._set_health(ReaderHealth.NOT_RESPONDING, f"badge reader not responding: {exc}")
        self._stopping.wait(self._retry_s)
        self._retry_s = min(self._retry_s * 2, self.retry_max_s)

    def _healthy(self, message: str) -> None:
        self._retry_s = self.retry_initial_s
        self._set_health(ReaderHealth.OK, message)

    def _emit(self, uid: str) -> None:
        try:
            self._on_badge(uid)
        except Exception:  # a bug downstream must not stop the reader
            log.exception("on_badge failed (badge number withheld from the log)")

    def _emit_two_cards(self) -> None:
        log.info("%s: more than one card in the field", self._name)
        if self._on_two_cards is None:
            return
        try:
            self._on_two_cards()
        except Exception:
            log.exception("on_two_cards failed")

    def _set_health(self, state: ReaderHealth, message: str) -> None:
        # Only transitions are reported: a reader that keeps failing says so once, not per retry.
        with self._health_lock:
            if state is self._health:
                return
            self._health = state
        log.info("%s: %s", self._name, message)
        if self._on_health is not None:
            try:
                self._on_health(state, message)
            except Exception:
                log.exception("on_health failed")

    def _serve(self) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        """Close whatever `_serve` opened; called after every serve, failed or not."""

    def _interrupt(self) -> None:
        """Wake `_serve` if it blocks on something other than `stopping`."""


def _ignore_badge(uid: str) -> None:
    del uid
