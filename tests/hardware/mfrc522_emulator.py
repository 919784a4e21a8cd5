"""An emulated MFRC522 and ISO 14443-A cards, behind fake `spidev` and `RPi.GPIO` modules.

The real `mfrc522` package runs against this: it talks to `SpiDev.xfer2`, which lands in
`EmulatedMfrc522.xfer2` and is decoded as the chip's SPI protocol (address byte, read bit, bursts).
The chip emulates the registers both the package and our reader use (command, interrupts, FIFO,
bit framing, errors, collision position, CRC coprocessor, timer, version) and the cards in its field
follow the ISO 14443-3 state machine (IDLE, READY, ACTIVE, HALT; REQA/WUPA, anticollision and select
at each cascade level, HLTA). The timer runs in real time from the registers, so a reader that
ignores the timer interrupt pays for it as a real one would. Whether a frame reaches the cards at
all also follows the registers (antenna drivers, 100% ASK, power-down, receiver, bit rate), so a
chip whose setup was lost answers SPI but reads no card, as a real one does. Tests put cards in the
field (two at once collide, bit by bit), lose frames at the edge of the field, change registers
behind the driver's back, and unplug the chip. Written from the datasheet, apart from our code:
the CRC here is computed bit by bit, not by `kiosk.hardware.rc522_link.crc_a`.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field

COMMAND, COMM_IRQ, DIV_IRQ, ERROR, FIFO_DATA, FIFO_LEVEL = 0x01, 0x04, 0x05, 0x06, 0x09, 0x0A
CONTROL, BIT_FRAMING, COLL = 0x0C, 0x0D, 0x0E
TX_MODE, RX_MODE, TX_CONTROL, TX_ASK = 0x12, 0x13, 0x14, 0x15
STATUS2, CRC_RESULT_M, CRC_RESULT_L, RF_CFG, GS_N, CW_GS_P = 0x08, 0x21, 0x22, 0x26, 0x27, 0x28
T_MODE, T_PRESCALER, T_RELOAD_H, T_RELOAD_L, VERSION = 0x2A, 0x2B, 0x2C, 0x2D, 0x37
IDLE_CMD, CALC_CRC, TRANSCEIVE, SOFT_RESET = 0x00, 0x03, 0x0C, 0x0F
TX_IRQ, RX_IRQ, ERR_IRQ, TIMER_IRQ = 0x40, 0x20, 0x02, 0x01
PARITY_ERR, CRC_ERR, COLL_ERR = 0x02, 0x04, 0x08

POWER_ON = {COMMAND: 0x20, 0x02: 0x80, COMM_IRQ: 0x14, CONTROL: 0x10, COLL: 0xA0, 0x11: 0x3F}
POWER_ON |= {TX_CONTROL: 0x80, RF_CFG: 0x48, GS_N: 0x88, CW_GS_P: 0x20}
POWER_ON |= {0x18: 0x84, 0x19: 0x4D, 0x29: 0x20}  # RxThreshold, Demod, ModGsP: not modelled


def crc_a(data: bytes) -> bytes:
    """CRC_A, bit by bit (reflected CRC-16/CCITT, preset 0x6363), low byte first."""
    crc = 0x6363
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return bytes((crc & 0xFF, crc >> 8))


def bcc(part: bytes) -> int:
    return part[0] ^ part[1] ^ part[2] ^ part[3]


@dataclass(eq=False)
class Card:
    """A PICC. `uid` of 4, 7 or 10 bytes; `sak` its final SAK (0x08 MIFARE Classic, 0x00 NTAG)."""

    uid: bytes
    sak: int = 0x08
    state: str = "IDLE"
    level: int = 0
    from_halt: bool = False
    frames_seen: int = 0

    @property
    def levels(self) -> list[bytes]:
        u = self.uid
        if len(u) == 4:
            return [u]
        if len(u) == 7:
            return [b"\x88" + u[:3], u[3:]]
        return [b"\x88" + u[:3], b"\x88" + u[3:6], u[6:]]

    def power_off(self) -> None:
        self.state, self.level, self.from_halt = "IDLE", 0, False

    def garbled(self) -> None:
        """A frame that reached the card damaged (parity or CRC wrong): ISO 14443-3 treats it as
        any other unexpected frame, so READY and ACTIVE fall back; IDLE and HALT ignore it."""
        self._unexpected()

    def receive(self, frame: bytes, bits: int) -> bytes | None:
        self.frames_seen += 1
        if bits == 7 and len(frame) == 1:
            return self._short_frame(frame[0])
        if self.state == "READY":
            return self._ready(frame)
        if self.state == "ACTIVE" and frame == b"\x50\x00" + crc_a(b"\x50\x00"):
            self.state = "HALT"
            return None
        self._unexpected()
        return None

    def _short_frame(self, command: int) -> bytes | None:
        wakes = self.state == "IDLE" or (self.state == "HALT" and command == 0x52)
        if command in (0x26, 0x52) and wakes:
            self.from_halt = self.state == "HALT"
            self.state, self.level = "READY", 0
            return bytes([{4: 0x04, 7: 0x44, 10: 0x84}[len(self.uid)], 0x00])
        self._unexpected()
        return None

    def _unexpected(self) -> None:
        # ISO 14443-3: READY or ACTIVE go back to where they came from on any other frame.
        if self.state in ("READY", "ACTIVE"):
            self.state = "HALT" if self.from_halt else "IDLE"

    def _ready(self, frame: bytes) -> bytes | None:
        part = self.levels[self.level]
        sel = 0x93 + 2 * self.level
        if frame == bytes([sel, 0x20]):
            return part + bytes([bcc(part)])
        body = bytes([sel, 0x70]) + part + bytes([bcc(part)])
        if frame == body + crc_a(body):
            self.level += 1
            last = self.level == len(self.levels)
            self.state = "ACTIVE" if last else "READY"
            sak = bytes([self.sak if last else 0x04])
            return sak + crc_a(sak)
        self._unexpected()
        return None


@dataclass
class EmulatedMfrc522:
    """The chip. Tests move cards in and out of `field` and break the chip on purpose."""

    version: int = 0x92
    field: list[Card] = field(default_factory=list)
    plugged: bool = True
    miso_unplugged: int = 0x00  # what SPI reads with no chip: 0x00 (pulled low) or 0xFF
    spi_error: OSError | None = None
    transfers: int = 0
    frames: int = 0
    stop_with: BaseException | None = None  # raise this from xfer2 (ends the package's loops)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: deque[str] = deque()
        self.pull_after: dict[int, int] = {}  # id(card) -> frames it answers before it is pulled
        self.stuck: dict[int, int] = {}  # register -> the value a damaged chip keeps there
        self.loss = 0.0  # chance that each frame, either way, is lost at the edge of the field
        self.rng = random.Random(0)
        self._power_on()

    def _power_on(self) -> None:
        self.regs = [0] * 64
        for reg, value in POWER_ON.items():
            self.regs[reg] = value
        self.regs[VERSION] = self.version
        self.fifo: deque[int] = deque()
        self.irq, self.div_irq = 0x14, 0
        self.timer_due: float | None = None

    # -- what tests do to the world --
    def place(self, *cards: Card) -> None:
        with self.lock:
            for card in cards:
                card.power_off()
                self.field.append(card)

    def remove(self, *cards: Card) -> None:
        with self.lock:
            for card in cards:
                if card in self.field:
                    self.field.remove(card)
                    card.power_off()

    def clear(self) -> None:
        self.remove(*list(self.field))

    def pull_mid_read(self, card: Card, after_frames: int) -> None:
        """The card leaves the field once it has answered `after_frames` more frames."""
        with self.lock:
            self.pull_after[id(card)] = card.frames_seen + after_frames

    def inject(self, *faults: str) -> None:
        """Corrupt the next answers, one fault each: 'crc', 'parity' or 'collision'."""
        with self.lock:
            self.faults.extend(faults)

    def lose_frames(self, rate: float, seed: int = 0) -> None:
        """Cards at the edge of the field: each frame to a card and each answer from it is lost
        with chance `rate`, independently (a lanyard swinging, a card read through a case)."""
        with self.lock:
            self.loss, self.rng = rate, random.Random(seed)

    def glitch(self, reg: int, value: int) -> None:
        """A register changes behind the driver's back (ESD on the ribbon cable, a brown-out of
        the analogue part, another program on the bus): the chip still answers SPI."""
        with self.lock:
            self.regs[reg] = value

    def unplug(self, miso: int = 0x00) -> None:
        with self.lock:
            self.plugged, self.miso_unplugged = False, miso

    def plug(self) -> None:
        with self.lock:
            self.plugged = True
            self._power_on()  # a chip that lost power comes back with its reset values

    # -- SPI --
    def xfer2(self, data: list[int]) -> list[int]:
        with self.lock:
            self.transfers += 1
            if self.stop_with is not None:
                raise self.stop_with
            if self.spi_error is not None:
                raise self.spi_error
            if not self.plugged:
                return [self.miso_unplugged] * len(data)
            addr = (data[0] >> 1) & 0x3F
            if data[0] & 0x80:
                out = [0]
                for following in data[1:]:
                    out.append(self._read(addr))
                    addr = (following >> 1) & 0x3F
                return out
            for value in data[1:]:
                self._write(addr, value)
            return [0] * len(data)

    def _read(self, reg: int) -> int:
        if reg in self.stuck:
            return self.stuck[reg]
        if reg == FIFO_DATA:
            return self.fifo.popleft() if self.fifo else 0
        if reg == FIFO_LEVEL:
            return len(self.fifo)
        if reg == COMM_IRQ:
            if self.timer_due is not None and time.monotonic() >= self.timer_due:
                self.irq |= TIMER_IRQ
                self.timer_due = None
            return self.irq & 0x7F
        if reg == DIV_IRQ:
            return self.div_irq & 0x7F
        return self.regs[reg]

    def _write(self, reg: int, value: int) -> None:
        if reg in self.stuck:
            return
        if reg == FIFO_DATA:
            self.fifo.append(value)
        elif reg == FIFO_LEVEL:
            if value & 0x80:
                self.fifo.clear()
        elif reg == COMM_IRQ:
            self.irq = self.irq | (value & 0x7F) if value & 0x80 else self.irq & ~value & 0x7F
        elif reg == DIV_IRQ:
            mask = value & 0x7F
            self.div_irq = self.div_irq | mask if value & 0x80 else self.div_irq & ~mask
        elif reg == COMMAND:
            self._command(value)
        elif reg == BIT_FRAMING:
            self.regs[reg] = value
            if value & 0x80 and self.regs[COMMAND] & 0x0F == TRANSCEIVE:
                self._transmit()
        elif reg != VERSION:
            self.regs[reg] = value

    def _command(self, value: int) -> None:
        command = value & 0x0F
        if command == SOFT_RESET:
            self._power_on()
            return
        self.regs[COMMAND] = value
        if command == IDLE_CMD:
            self.timer_due = None
        elif command == CALC_CRC:
            result = crc_a(bytes(self.fifo))
            self.fifo.clear()
            self.regs[CRC_RESULT_L], self.regs[CRC_RESULT_M] = result[0], result[1]
            self.div_irq |= 0x04

    def _timer_period_s(self) -> float | None:
        if not self.regs[T_MODE] & 0x80:
            return None  # TAuto off: the timer never starts by itself
        prescaler = ((self.regs[T_MODE] & 0x0F) << 8) | self.regs[T_PRESCALER]
        ticks = ((self.regs[T_RELOAD_H] << 8) | self.regs[T_RELOAD_L]) + 1
        return ticks * (2 * prescaler + 1) / 13.56e6

    def _transmit(self) -> None:
        frame, bits = bytes(self.fifo), self.regs[BIT_FRAMING] & 0x07
        self.fifo.clear()
        self.frames += 1
        self.regs[ERROR] = 0
        self.irq |= TX_IRQ
        heard = [self._exchange(card, frame, bits) for card in self._listening()]
        answers = [answer for answer in heard if answer is not None]
        if not answers:
            period = self._timer_period_s()
            self.timer_due = None if period is None else time.monotonic() + period
            return
        self._receive(self._combine(answers))

    def _exchange(self, card: Card, frame: bytes, bits: int) -> bytes | None:
        """One card's side of a frame, with the edge of the field's losses each way."""
        if self._lost():
            card.garbled()
            return None
        answer = card.receive(frame, bits)
        return None if answer is None or self._lost() else answer

    def _lost(self) -> bool:
        return self.loss > 0 and self.rng.random() < self.loss

    def _radio_works(self) -> bool:
        """Whether a frame can reach a card and its answer come back, from the registers."""
        regs = [self.stuck.get(reg, value) for reg, value in enumerate(self.regs)]
        return (
            regs[TX_CONTROL] & 0x03 != 0  # antenna drivers on: a field to power the cards
            and regs[GS_N] & 0xF0 != 0
            and regs[CW_GS_P] & 0x3F != 0  # ... and conducting
            and regs[STATUS2] & 0x08 == 0  # MFCrypto1On: plain frames come out enciphered
            and regs[TX_ASK] & 0x40 != 0  # Force100ASK: type A cards decode nothing else
            and regs[COMMAND] & 0x30 == 0  # neither soft power-down nor the receiver off
            and regs[TX_MODE] & 0xF0 == 0  # 106 kBd, no CRC appended to short frames
            and regs[RX_MODE] & 0xF0 == 0  # 106 kBd, no CRC expected on the ATQA
        )

    def _listening(self) -> list[Card]:
        if not self._radio_works():
            return []  # no card is powered, or none is heard
        for card in list(self.field):
            due = self.pull_after.get(id(card))
            if due is not None and card.frames_seen >= due:
                del self.pull_after[id(card)]
                self.remove(card)
        return list(self.field)

    def _combine(self, answers: list[bytes]) -> bytes:
        merged = bytes(_or_all(i, answers) for i in range(max(len(a) for a in answers)))
        first = _first_difference(answers)
        if first is not None:
            self.regs[ERROR] |= COLL_ERR
            self.regs[COLL] = (self.regs[COLL] & 0xE0) | ((first + 1) & 0x1F)
            self.irq |= ERR_IRQ
        return merged

    def _receive(self, data: bytes) -> None:
        if self.faults:
            fault = self.faults.popleft()
            if fault == "crc":
                data = data[:-1] + bytes([data[-1] ^ 0x5A])
            else:
                self.regs[ERROR] |= PARITY_ERR if fault == "parity" else COLL_ERR
                self.irq |= ERR_IRQ
        self.fifo.extend(data)
        self.regs[CONTROL] &= ~0x07  # whole bytes received
        self.irq |= RX_IRQ


def _or_all(index: int, answers: list[bytes]) -> int:
    value = 0
    for answer in answers:
        value |= answer[index] if index < len(answer) else 0
    return value


def _first_difference(answers: list[bytes]) -> int | None:
    """The first bit (0-based, LSB first as sent on air) where the answers disagree."""
    for bit in range(8 * max(len(a) for a in answers)):
        values = {(a[bit // 8] >> (bit % 8)) & 1 if bit // 8 < len(a) else None for a in answers}
        if len(values) > 1:
            return bit
    return None
