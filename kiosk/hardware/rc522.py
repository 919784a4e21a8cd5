"""The RC522 badge reader: polls an MFRC522 over SPI and reports one event per card presentation.

This module owns the reader thread's life with the chip: loading the `mfrc522` package lazily (it
cannot be imported off a Pi), opening it with BCM pin numbering (the numbering gpiozero uses), the
poll loop that sleeps between polls and turns each poll into one finding (a UID, nothing, two
cards, or something unreadable), and closing the chip without the package's global
`GPIO.cleanup()`, which would release pins the rest of the kiosk holds. The card conversation lives
in `rc522_link`; deciding what a run of findings means (one presentation, two cards, gone) in
`presence`.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.hardware.presence import TWO, Presence, Seen
from kiosk.hardware.rc522_link import CardError, ChipFault, CollisionError, Rc522Link
from kiosk.hardware.reader import ReaderBase

log = logging.getLogger(__name__)

# While a card is held (or something answered the last poll), a poll whose wake-up gets no answer
# tries again this often before it says "nothing": a lost WUPA or ATQA costs one try, and an
# answer lost after the card woke costs two (the card, left READY, falls back silently on the
# next WUPA and answers the one after).
WAKE_TRIES = 4


def load_mfrc522() -> tuple[Any, Any]:
    """The `mfrc522.MFRC522` class and the `RPi.GPIO` module, imported only when needed."""
    try:
        import RPi.GPIO as gpio
        from mfrc522 import MFRC522
    except (ImportError, RuntimeError) as exc:
        raise ChipFault(
            f"cannot load the mfrc522 package ({exc}); is this a Raspberry Pi?"
        ) from exc
    return MFRC522, gpio


class Rc522Reader(ReaderBase):
    """An MFRC522 on SPI bus `spi_bus`, chip select `spi_device`, reset on BCM pin `rst_pin`."""

    def __init__(
        self,
        spi_bus: int = 0,
        spi_device: int = 0,
        rst_pin: int = 25,
        poll_interval_s: float = 0.1,
        gain_db: int = 33,
    ) -> None:
        super().__init__("RC522 badge reader")
        self.spi_bus, self.spi_device, self.rst_pin = spi_bus, spi_device, rst_pin
        self.poll_interval_s, self.gain_db = poll_interval_s, gain_db
        self._chip: Any = None
        self._gpio: Any = None
        self._link: Rc522Link | None = None
        self._presence = Presence()
        self.version: int | None = None
        # Polls that found a card, and those of them whose exchange failed: hw-check's measure
        # of a marginal read.
        self.polls_with_card = self.polls_unreadable = 0
        self.polls = 0  # every poll, for whoever waits on the reader's progress

    def _serve(self) -> None:
        link = self._open()
        version = link.check()
        self.version = version
        self._healthy(f"badge reader ready (MFRC522 version 0x{version:02X})")
        while not self.stopping.is_set():
            link.check()
            self._poll(link)
            self.stopping.wait(self.poll_interval_s)

    def _open(self) -> Rc522Link:
        mfrc522_class, gpio = load_mfrc522()
        mode = gpio.getmode()
        if mode is not None and mode != gpio.BCM:
            raise ChipFault("RPi.GPIO is in BOARD numbering; the kiosk uses BCM pin numbers")
        device = f"/dev/spidev{self.spi_bus}.{self.spi_device}"
        try:
            self._chip = mfrc522_class(
                bus=self.spi_bus, device=self.spi_device, pin_mode=gpio.BCM, pin_rst=self.rst_pin
            )
        except FileNotFoundError as exc:
            raise ChipFault(f"{device} does not exist: is SPI enabled?") from exc
        except PermissionError as exc:
            raise ChipFault(f"no permission to open {device}: add the user to 'spi'") from exc
        self._gpio = gpio
        _drop_duplicate_handlers()
        self._link = Rc522Link(self._chip, self.gain_db)
        self._link.initialise()
        return self._link

    def _poll(self, link: Rc522Link) -> None:
        seen = self._look(link)
        if seen is not Seen.NOTHING:
            self.polls_with_card += 1
            self.polls_unreadable += seen is Seen.UNREADABLE
        news = self._presence.see(seen)
        self.polls += 1
        if news == TWO:
            self._emit_two_cards()
        elif news is not None:
            self._emit(news.hex().upper())

    def _look(self, link: Rc522Link) -> bytes | Seen:
        """What is in the field now."""
        tries = WAKE_TRIES if self._presence.expecting else 1
        try:
            if not any(link.wake() for _ in range(tries)):
                return Seen.NOTHING
            uid = link.read_uid()
            return Seen.TWO_CARDS if link.another_card() else uid
        except CollisionError:
            return Seen.TWO_CARDS
        except CardError as exc:
            # Something is in the field but could not be read: not a tap, and not "gone" either.
            log.debug("unreadable card: %s", exc)
            return Seen.UNREADABLE

    def _release(self) -> None:
        chip, self._chip, self._link = self._chip, None, None
        self._presence.forget()
        if chip is None:
            return
        try:
            chip.spi.close()
            # Only our reset pin: the package's Close_MFRC522() would clean up every pin.
            self._gpio.cleanup(self.rst_pin)
        except Exception:  # closing a chip that has failed may fail too; nothing to save
            log.debug("closing the MFRC522 failed", exc_info=True)


def _drop_duplicate_handlers() -> None:
    # The package adds a StreamHandler to its logger on every construction; reopening after a
    # fault would otherwise print each of its messages once per reconnection.
    package_log = logging.getLogger("mfrc522Logger")
    del package_log.handlers[1:]
