"""Rc522Reader at the edges issue 15 found: frames lost at the edge of the field, two cards at once,
a chip that lost its setup while still answering SPI, and a reader pulled and plugged back in.

Everything runs the real `mfrc522` package on the emulated chip; waits are on observed progress
(the reader's polls, its reports), never on a guess at how long something takes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import ReaderSection
from kiosk.hardware import make_reader
from kiosk.hardware.rc522 import Rc522Reader
from kiosk.hardware.reader import ReaderBase, ReaderHealth
from tests.hardware.fake_pi import FakePi
from tests.hardware.mfrc522_emulator import (
    COMMAND,
    CW_GS_P,
    RF_CFG,
    RX_MODE,
    STATUS2,
    T_MODE,
    TX_ASK,
    TX_CONTROL,
    TX_MODE,
)
from tests.hardware.rc522_support import SEVEN_A, SEVEN_B, card, settle, wait_until
from tests.hardware.recorder import Recorder

Start = Callable[[ReaderBase, Recorder], ReaderBase]
HELD_POLLS = 250  # five seconds of polls at 20 ms: about 15 presentations at 10% before the fix
FOUR = "DEADBEEF"


@pytest.mark.parametrize("loss", [0.05, 0.10, 0.20])
def test_a_badge_held_at_the_edge_of_the_field_is_one_presentation(
    fake_pi: FakePi, reader: Rc522Reader, recorder: Recorder, loss: float
) -> None:
    fake_pi.chip.lose_frames(loss, seed=15)
    held = card(SEVEN_A)
    fake_pi.chip.place(held)
    recorder.wait_badges(1)
    frames_before = fake_pi.chip.frames
    settle(reader, HELD_POLLS)
    assert recorder.badges == [SEVEN_A]
    assert fake_pi.chip.frames - frames_before >= HELD_POLLS  # it kept talking to the card
    assert reader.polls_unreadable > 0  # frames really were lost
    fake_pi.chip.remove(held)
    settle(reader, 10)
    fake_pi.chip.place(held)
    assert recorder.wait_badges(2) == [SEVEN_A, SEVEN_A]  # lifted and presented again: a new tap


@pytest.mark.parametrize(("first", "second"), [(FOUR, SEVEN_A), (SEVEN_A, SEVEN_B)])
def test_two_cards_at_once_are_reported_once_and_neither_is_read(
    fake_pi: FakePi, reader: Rc522Reader, recorder: Recorder, first: str, second: str
) -> None:
    # A 4- and a 7-byte UID collide in the ATQA; two that share level 1 only at level 2.
    a, b = card(first), card(second)
    fake_pi.chip.place(a, b)
    recorder.wait(lambda: recorder.two_cards == 1)
    settle(reader, 50)
    assert recorder.two_cards == 1  # held together: one report, not one per poll
    assert recorder.badges == []
    fake_pi.chip.remove(a)
    assert recorder.wait_badges(1) == [second]  # the one left is a presentation of its own
    assert recorder.two_cards == 1


def test_two_cards_at_the_edge_of_the_field_never_pass_for_one(
    fake_pi: FakePi, reader: Rc522Reader, recorder: Recorder
) -> None:
    fake_pi.chip.lose_frames(0.10, seed=2)
    a, b = card(SEVEN_A), card(SEVEN_B)
    fake_pi.chip.place(a, b)
    recorder.wait(lambda: recorder.two_cards == 1)
    settle(reader, HELD_POLLS)
    assert (recorder.two_cards, recorder.badges) == (1, [])
    fake_pi.chip.remove(a)
    assert recorder.wait_badges(1) == [SEVEN_B]
    settle(reader, 50)
    assert (recorder.two_cards, recorder.badges) == (1, [SEVEN_B])


# (register, value) a glitch leaves behind: each one alone stops every card being read.
DEAD_SETUPS = [
    pytest.param(TX_CONTROL, 0x80, id="antenna drivers off"),
    pytest.param(TX_ASK, 0x00, id="100% ASK off"),
    pytest.param(CW_GS_P, 0x00, id="no drive conductance"),
    pytest.param(STATUS2, 0x08, id="Crypto1 left on"),
    pytest.param(TX_MODE, 0x80, id="CRC appended to every frame"),
    pytest.param(RX_MODE, 0x20, id="receiver at 212 kBd"),
    pytest.param(T_MODE, 0x0D, id="timer no longer starts itself"),
]


@pytest.mark.parametrize(("register", "value"), DEAD_SETUPS)
def test_a_chip_that_lost_its_setup_is_caught_and_set_up_again(
    fake_pi: FakePi, reader: Rc522Reader, recorder: Recorder, register: int, value: int
) -> None:
    fake_pi.chip.glitch(register, value)
    settle(reader, 3)
    fake_pi.chip.place(card(FOUR))
    assert recorder.wait_badges(1) == [FOUR]
    assert reader._link is not None and reader._link.reinitialised >= 1
    assert recorder.states() == [ReaderHealth.STARTING, ReaderHealth.OK]  # never "dead but ok"


def test_a_chip_that_cannot_keep_its_antenna_on_is_not_responding(
    fake_pi: FakePi, reader: Rc522Reader, recorder: Recorder
) -> None:
    fake_pi.chip.stuck[TX_CONTROL] = 0x80  # damaged: writes to the antenna bits do nothing
    message = recorder.wait_health(ReaderHealth.NOT_RESPONDING)
    assert "MFRC522 does not keep its settings (register 0x14 reads 0x80)" in message
    del fake_pi.chip.stuck[TX_CONTROL]
    recorder.wait_health(ReaderHealth.OK)
    fake_pi.chip.place(card(FOUR))
    assert recorder.wait_badges(1) == [FOUR]


def test_a_chip_in_soft_power_down_is_woken(
    fake_pi: FakePi, reader: Rc522Reader, recorder: Recorder
) -> None:
    fake_pi.chip.glitch(COMMAND, 0x10)
    fake_pi.chip.place(card(FOUR))
    assert recorder.wait_badges(1) == [FOUR]
    assert reader.health is ReaderHealth.OK


def test_a_reader_pulled_and_plugged_back_is_found_at_the_next_retry_within_a_second(
    fake_pi: FakePi, recorder: Recorder, running: Start
) -> None:
    reader = Rc522Reader(poll_interval_s=0.02)  # the shipped retry schedule
    assert reader.retry_max_s <= 1.0
    running(reader, recorder)
    recorder.wait_health(ReaderHealth.OK)
    held = card(SEVEN_A)
    fake_pi.chip.place(held)
    recorder.wait_badges(1)
    fake_pi.chip.unplug()
    recorder.wait_health(ReaderHealth.NOT_RESPONDING)
    opens = fake_pi.bus.opens
    wait_until(lambda: len(opens) >= 6, "six opens")  # retries at 0.25, 0.5, 1, 1 ... s
    gaps = [later - earlier for earlier, later in itertools.pairwise(opens)]
    assert min(gaps[-2:]) >= 0.95 * reader.retry_max_s  # backed off to the cap, and no further
    tried = len(opens)
    fake_pi.chip.plug()
    recorder.wait_health(ReaderHealth.OK, timeout_s=30)
    assert len(opens) == tried + 1  # the first retry after the plug found it
    # The card never left: after the reader was gone it is read again, once.
    assert recorder.wait_badges(2) == [SEVEN_A, SEVEN_A]
    settle(reader, 20)
    assert recorder.badges == [SEVEN_A, SEVEN_A]


def test_the_configured_antenna_gain_is_set_and_kept(
    fake_pi: FakePi, recorder: Recorder, running: Start, tmp_path: Path
) -> None:
    section = ReaderSection(kind="rc522", antenna_gain_db=48, poll_interval_s=0.02)
    reader = make_reader(section, tmp_path / "tap.sock")
    assert isinstance(reader, Rc522Reader)
    running(reader, recorder)
    recorder.wait_health(ReaderHealth.OK)
    assert fake_pi.chip.regs[RF_CFG] & 0x70 == 0x70  # RxGain 111: 48 dB
    fake_pi.chip.glitch(RF_CFG, 0x48)  # back to the reset value's 33 dB
    settle(reader, 3)
    assert fake_pi.chip.regs[RF_CFG] & 0x70 == 0x70
