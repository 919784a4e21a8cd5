"""The ISO 14443-A conversation with a card, spoken through the MFRC522's registers.

The `mfrc522` package gives us register access (`Write_MFRC522`, `Read_MFRC522`, its `spi`) but its
own transceive ignores the chip's timer interrupt, so an empty field costs ~2,000 SPI transfers, and
its anticollision stops at cascade level 1. This module owns what we use instead: a transceive
bounded by the timer interrupt (sleeping, not spinning, while it waits), wake-up (WUPA, which also
wakes a halted card so a held card stays visible), anticollision and select through every cascade
level, and halt. It speaks to one chip object and holds no thread of its own.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from typing import Any

from kiosk.hardware.reader import HardwareError

# Registers (MFRC522 datasheet, section 9).
COMMAND_REG = 0x01
COMM_IRQ_REG = 0x04
ERROR_REG = 0x06
FIFO_DATA_REG = 0x09
FIFO_LEVEL_REG = 0x0A
CONTROL_REG = 0x0C
BIT_FRAMING_REG = 0x0D
T_MODE_REG = 0x2A
T_PRESCALER_REG = 0x2B
T_RELOAD_H_REG = 0x2C
T_RELOAD_L_REG = 0x2D
VERSION_REG = 0x37

CMD_IDLE = 0x00
CMD_TRANSCEIVE = 0x0C
START_SEND = 0x80
FLUSH_FIFO = 0x80

IRQ_TIMER, IRQ_ERR, IRQ_IDLE, IRQ_RX = 0x01, 0x02, 0x10, 0x20
IRQ_ALL = 0x7F
# ProtocolErr, ParityErr, CollErr, BufferOvfl: the frame we got cannot be trusted.
FRAME_ERRORS = 0x01 | 0x02 | 0x08 | 0x10

# TAuto on, prescaler 0xD3E: the timer ticks at 2 kHz and starts when a frame has been sent.
# Reload 10 (5.5 ms) is many times a card's answer time (<1 ms) and keeps an empty poll short.
T_MODE = 0x8D
T_PRESCALER = 0x3E
T_RELOAD = 10
# A chip that raises no interrupt at all this long after sending is not working.
IRQ_DEADLINE_S = 0.05
# Pauses between interrupt reads: a card answers within ~1.5 ms of the longest frame we send, the
# empty field's timer runs out at ~5.5 ms; after that, 2 ms steps until the deadline.
IRQ_WAITS_S = (0.0, 0.001, 0.001, 0.004)
IRQ_LATE_WAIT_S = 0.002

PICC_WUPA = 0x52
PICC_HLTA = 0x50
SEL_CODES = (0x93, 0x95, 0x97)
CASCADE_TAG = 0x88
SAK_CASCADE = 0x04

ABSENT_VERSIONS = (0x00, 0xFF)  # what a floating or shorted MISO line reads


class ChipFault(HardwareError):
    """The MFRC522 itself is missing or misbehaving (wiring, power, SPI)."""


class CardError(Exception):
    """A card answered but the exchange failed: collision, bad CRC, card pulled mid-read."""


def crc_a(data: bytes) -> bytes:
    """ISO 14443-A CRC (CRC_A), low byte first, as the card sends it."""
    crc = 0x6363
    for byte in data:
        mixed = (byte ^ crc) & 0xFF
        mixed = (mixed ^ (mixed << 4)) & 0xFF
        crc = (crc >> 8) ^ (mixed << 8) ^ (mixed << 3) ^ (mixed >> 4)
    return bytes((crc & 0xFF, crc >> 8))


def _check_version(version: int) -> None:
    if version in ABSENT_VERSIONS:
        raise ChipFault(f"MFRC522 version register reads 0x{version:02X} (no chip on SPI)")


class Rc522Link:
    """One MFRC522 (an `mfrc522.MFRC522` object) and the card conversation over it."""

    def __init__(self, chip: Any) -> None:
        self._chip = chip

    def _write(self, reg: int, value: int) -> None:
        self._chip.Write_MFRC522(reg, value)

    def _read(self, reg: int) -> int:
        return int(self._chip.Read_MFRC522(reg))

    def _read_many(self, regs: list[int]) -> list[int]:
        # One SPI transfer for several reads: each byte clocks out the previous address's value.
        request = [((reg << 1) & 0x7E) | 0x80 for reg in regs] + [0]
        return [int(v) for v in self._chip.spi.xfer2(request)[1:]]

    def initialise(self) -> None:
        """Reset the chip, turn the antenna on and set our short timer."""
        self._chip.MFRC522_Init()
        self._write(T_MODE_REG, T_MODE)
        self._write(T_PRESCALER_REG, T_PRESCALER)
        self._write(T_RELOAD_H_REG, 0)
        self._write(T_RELOAD_L_REG, T_RELOAD)

    def check(self) -> int:
        """The version register; raises ChipFault when no chip answers. Re-initialises a chip
        that has been reset behind our back (power blip, reader plugged back in)."""
        version, t_mode, t_reload = self._read_many([VERSION_REG, T_MODE_REG, T_RELOAD_L_REG])
        _check_version(version)
        if (t_mode, t_reload) != (T_MODE, T_RELOAD):
            self.initialise()
        return version

    def transceive(self, frame: bytes, tx_last_bits: int = 0) -> bytes | None:
        """Send a frame; the card's answer, or None if none came before the timer ran out."""
        self._write(COMMAND_REG, CMD_IDLE)
        self._write(COMM_IRQ_REG, IRQ_ALL)  # Set1 = 0: clear every interrupt bit
        self._write(FIFO_LEVEL_REG, FLUSH_FIFO)
        self._chip.spi.xfer2([(FIFO_DATA_REG << 1) & 0x7E, *frame])
        self._write(BIT_FRAMING_REG, tx_last_bits)
        self._write(COMMAND_REG, CMD_TRANSCEIVE)
        self._write(BIT_FRAMING_REG, START_SEND | tx_last_bits)
        irq = self._wait_irq()
        if not irq & (IRQ_RX | IRQ_ERR):
            return None
        error, level = self._read_many([ERROR_REG, FIFO_LEVEL_REG])
        if error & FRAME_ERRORS:
            raise CardError(f"card frame error (ErrorReg 0x{error:02X})")
        if level == 0:
            return b""
        return bytes(self._read_many([FIFO_DATA_REG] * level))

    def _wait_irq(self) -> int:
        deadline = time.monotonic() + IRQ_DEADLINE_S
        waits = itertools.chain(IRQ_WAITS_S, itertools.repeat(IRQ_LATE_WAIT_S))
        for wait_s in waits:
            time.sleep(wait_s)  # sleeping, not spinning, while the radio does its work
            irq = self._read(COMM_IRQ_REG)
            if irq & (IRQ_RX | IRQ_IDLE | IRQ_ERR | IRQ_TIMER):
                return irq
            if time.monotonic() > deadline:
                break
        _check_version(self._read(VERSION_REG))  # gone? say so rather than "no interrupt"
        raise ChipFault("MFRC522 raised no interrupt after sending (chip not working)")

    def wake(self) -> bool:
        """WUPA: True if a card (idle or halted) answered."""
        answer = self.transceive(bytes([PICC_WUPA]), tx_last_bits=7)
        if answer is None:
            return False
        if len(answer) != 2:
            raise CardError(f"bad ATQA {answer.hex()}")
        return True

    def read_uid(self) -> bytes:
        """Anticollision and select through the cascade levels; the card's full UID."""
        uid = b""
        for sel in SEL_CODES:
            part = self._anticollision(sel)
            if not self._select(sel, part) & SAK_CASCADE:
                return uid + part[:4]
            if part[0] != CASCADE_TAG:
                raise CardError("SAK says the UID goes on but there is no cascade tag")
            uid += part[1:4]
        raise CardError("UID longer than three cascade levels")

    def _anticollision(self, sel: int) -> bytes:
        answer = self.transceive(bytes([sel, 0x20]))
        if answer is None:
            raise CardError("card left during anticollision")
        if len(answer) != 5 or answer[0] ^ answer[1] ^ answer[2] ^ answer[3] != answer[4]:
            raise CardError(f"bad UID part {answer.hex()} (BCC)")
        return answer

    def _select(self, sel: int, part: bytes) -> int:
        frame = bytes([sel, 0x70]) + part
        answer = self.transceive(frame + crc_a(frame))
        if answer is None:
            raise CardError("card left during select")
        if len(answer) != 3 or crc_a(answer[:1]) != answer[1:]:
            raise CardError(f"bad SAK {answer.hex()} (CRC)")
        return answer[0]

    def halt(self) -> None:
        """HLTA: the card stays quiet until the next WUPA. It answers nothing when it obeys."""
        frame = bytes([PICC_HLTA, 0x00])
        # A garbled answer to HLTA changes nothing: the next WUPA wakes the card either way.
        with contextlib.suppress(CardError):
            self.transceive(frame + crc_a(frame))
