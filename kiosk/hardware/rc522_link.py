"""The ISO 14443-A conversation with a card, spoken through the MFRC522's registers.

The `mfrc522` package gives us register access (`Write_MFRC522`, `Read_MFRC522`, its `spi`) but its
own transceive ignores the chip's timer interrupt, so an empty field costs ~2,000 SPI transfers, and
its anticollision stops at cascade level 1. This module owns what we use instead: a transceive
bounded by the timer interrupt (sleeping, not spinning, while it waits), wake-up (WUPA, which also
wakes a halted card so a held card stays visible), anticollision and select through every cascade
level, the look for a second card once one is selected, and the check that the chip is still set
up to read cards at all. It speaks to one chip object and holds no thread of its own.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

from kiosk.hardware.reader import HardwareError

log = logging.getLogger(__name__)

# Registers (MFRC522 datasheet, section 9).
COMMAND_REG = 0x01
COMM_IRQ_REG = 0x04
ERROR_REG = 0x06
STATUS2_REG = 0x08
TX_MODE_REG = 0x12
RX_MODE_REG = 0x13
TX_CONTROL_REG = 0x14
TX_ASK_REG = 0x15
RF_CFG_REG = 0x26
GS_N_REG = 0x27
CW_GS_P_REG = 0x28
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
COLL_ERR = 0x08
FRAME_ERRORS = 0x01 | 0x02 | COLL_ERR | 0x10

# TAuto on, prescaler 0xD3E: the timer ticks at 2 kHz, starts when a frame has been sent and
# stops at the answer's fifth bit (datasheet 9.3.3.10), so it only has to outlast the time a card
# takes to start answering (~0.1 ms). Reload 4 (2.5 ms) leaves ample margin and keeps each silent
# exchange short: a held card costs one (the WUPA after the select) on the way to its callback.
T_MODE = 0x8D
T_PRESCALER = 0x3E
T_RELOAD = 4
# A chip that raises no interrupt at all this long after sending is not working.
IRQ_DEADLINE_S = 0.05
# Pauses between interrupt reads: a card's whole answer is in within ~1.5 ms of the longest frame
# we send, the empty field's timer runs out at ~2.5 ms; after that, 2 ms steps until the deadline.
IRQ_WAITS_S = (0.0, 0.001, 0.001, 0.001)
IRQ_LATE_WAIT_S = 0.002

PICC_WUPA = 0x52
SEL_CODES = (0x93, 0x95, 0x97)
CASCADE_TAG = 0x88
SAK_CASCADE = 0x04

ABSENT_VERSIONS = (0x00, 0xFF)  # what a floating or shorted MISO line reads

# RFCfgReg RxGain codes (datasheet table 98) by receiver gain in dB; the chip resets to 33 dB.
GAIN_CODES = {18: 0b010, 23: 0b011, 33: 0b100, 38: 0b101, 43: 0b110, 48: 0b111}
RF_CFG_LOW_BITS = 0x08  # the register's reserved bits, at their reset value


def _setup(gain_db: int) -> dict[int, tuple[int, int]]:
    """Register -> (mask, value) for every bit a card read depends on, as `initialise` leaves it.

    Any one of these changed behind our back (a brown-out, ESD on a long ribbon cable, another
    program on the bus) leaves the chip answering SPI while no card can be read: antenna drivers
    off, 100% ASK off, soft power-down or receiver off, another bit rate or CRC, our timer gone."""
    return {
        COMMAND_REG: (0x30, 0x00),  # RcvOff, PowerDown
        STATUS2_REG: (0x08, 0x00),  # MFCrypto1On: frames would go out enciphered
        TX_MODE_REG: (0xF0, 0x00),  # TxCRCEn off, 106 kBd
        RX_MODE_REG: (0xF0, 0x00),  # RxCRCEn off, 106 kBd
        TX_CONTROL_REG: (0x03, 0x03),  # Tx1RFEn, Tx2RFEn: the antenna drivers
        TX_ASK_REG: (0x40, 0x40),  # Force100ASK: what ISO 14443-A cards need
        RF_CFG_REG: (0x70, GAIN_CODES[gain_db] << 4),
        GS_N_REG: (0xF0, 0x80),  # CWGsN: the drivers' n-channel conductance (reset value)
        CW_GS_P_REG: (0x3F, 0x20),  # CWGsP: their p-channel conductance; 0 is no carrier
        T_MODE_REG: (0xFF, T_MODE),
        T_PRESCALER_REG: (0xFF, T_PRESCALER),
        T_RELOAD_H_REG: (0xFF, 0),
        T_RELOAD_L_REG: (0xFF, T_RELOAD),
    }


class ChipFault(HardwareError):
    """The MFRC522 itself is missing or misbehaving (wiring, power, SPI)."""


class CardError(Exception):
    """A card answered but the exchange failed: collision, bad CRC, card pulled mid-read."""


class CollisionError(CardError):
    """More than one card answered at once (the chip's CollErr)."""


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

    def __init__(self, chip: Any, gain_db: int = 33) -> None:
        if gain_db not in GAIN_CODES:
            raise ValueError(f"antenna gain must be one of {sorted(GAIN_CODES)} dB")
        self._chip = chip
        self._setup = _setup(gain_db)
        self.reinitialised = 0  # times `check` found the chip changed and set it up again

    def _write(self, reg: int, value: int) -> None:
        self._chip.Write_MFRC522(reg, value)

    def _read(self, reg: int) -> int:
        return int(self._chip.Read_MFRC522(reg))

    def _read_many(self, regs: list[int]) -> list[int]:
        # One SPI transfer for several reads: each byte clocks out the previous address's value.
        request = [((reg << 1) & 0x7E) | 0x80 for reg in regs] + [0]
        return [int(v) for v in self._chip.spi.xfer2(request)[1:]]

    def initialise(self) -> None:
        """Reset the chip, turn the antenna on, set the receiver gain and our short timer."""
        self._chip.MFRC522_Init()
        self._write(COMMAND_REG, CMD_IDLE)  # the receiver is off after a reset (RcvOff)
        self._write(RF_CFG_REG, self._setup[RF_CFG_REG][1] | RF_CFG_LOW_BITS)
        for reg in (T_MODE_REG, T_PRESCALER_REG, T_RELOAD_H_REG, T_RELOAD_L_REG):
            self._write(reg, self._setup[reg][1])

    def check(self) -> int:
        """The version register; raises ChipFault when no chip answers, or when one that lost the
        setup a card read needs (see `_setup`) cannot be set up again."""
        version, wrong = self._changed()
        _check_version(version)
        if not wrong:
            return version
        log.warning("MFRC522 settings changed (%s); re-initialising", wrong)
        self.initialise()
        self.reinitialised += 1
        version, wrong = self._changed()
        _check_version(version)
        if wrong:
            raise ChipFault(f"MFRC522 does not keep its settings ({wrong})")
        return version

    def _changed(self) -> tuple[int, str]:
        """The version, and the registers that differ from the setup (empty: none)."""
        regs = list(self._setup)
        version, *values = self._read_many([VERSION_REG, *regs])
        wrong = [
            f"register 0x{reg:02X} reads 0x{value:02X}"
            for reg, value in zip(regs, values, strict=True)
            if value & self._setup[reg][0] != self._setup[reg][1]
        ]
        return version, ", ".join(wrong)

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
        if error & COLL_ERR:
            raise CollisionError(f"cards answered together (ErrorReg 0x{error:02X})")
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

    def another_card(self) -> bool:
        """After a select: True if any other card is in the field.

        A WUPA now wakes every other card, idle or halted, while the selected one stays silent
        (ISO 14443-3: an ACTIVE card falls back to IDLE or HALT on it), so this also does a
        halt's work: the next poll's WUPA wakes the held card again. A second card at the edge
        of the field can lose its anticollision answer and hide; this is its second chance."""
        try:
            return self.transceive(bytes([PICC_WUPA]), tx_last_bits=7) is not None
        except CardError:
            return True  # a garbled answer is still an answer
