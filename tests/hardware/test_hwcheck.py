"""The guided hardware check, with a real simulated reader or the emulated RC522, and mock pins."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import SignalsSection
from kiosk.hardware.hwcheck import HwCheck, Status
from kiosk.hardware.rc522 import Rc522Reader
from kiosk.hardware.reader import BadgeReader, ReaderHealth
from kiosk.hardware.signals import GpioSignals, NullSignals
from kiosk.hardware.simulated import SimulatedReader, send_tap
from tests.hardware.fake_pi import FakePi
from tests.hardware.mfrc522_emulator import Card

SECTION = SignalsSection(relay_pins={"1": 5}, door_pins={"1": 13}, relay_pulse_s=0.2)


@pytest.fixture
def gpio(mock_factory: Any) -> Iterator[GpioSignals]:
    mock_factory.pin(13)
    signals = GpioSignals(SECTION)
    mock_factory.pin(13).drive_low()  # door shut
    yield signals
    signals.close()


def check(reader: BadgeReader, kind: str, signals: Any, answers: list[bool | None]) -> HwCheck:
    asked = iter(answers)
    return HwCheck(
        reader=reader,
        reader_kind=kind,
        signals=signals,
        section=SECTION,
        out=io.StringIO(),
        ask=lambda question: next(asked),
        tap_timeout_s=2.0,
        door_timeout_s=2.0,
        lamp_s=0.1,
    )


def tap_when_asked(reader: SimulatedReader, uid: str) -> threading.Thread:
    def tap() -> None:
        deadline = time.monotonic() + 5
        while reader.health is not ReaderHealth.OK and time.monotonic() < deadline:
            time.sleep(0.01)
        send_tap(reader.socket_path, uid)

    thread = threading.Thread(target=tap)
    thread.start()
    return thread


def open_and_shut_door(factory: Any) -> threading.Thread:
    def person() -> None:
        time.sleep(0.2)
        factory.pin(13).drive_high()
        time.sleep(0.2)
        factory.pin(13).drive_low()

    thread = threading.Thread(target=person)
    thread.start()
    return thread


def output(run: HwCheck) -> str:
    assert isinstance(run.out, io.StringIO)
    return run.out.getvalue()


def test_everything_working_passes_part_by_part(
    tmp_path: Path, mock_factory: Any, gpio: GpioSignals
) -> None:
    reader = SimulatedReader(tmp_path / "tap.sock")
    run = check(reader, "simulated", gpio, [True, True, True, True, True])
    tapper, person = tap_when_asked(reader, "04a1b2c3d4e5f6"), open_and_shut_door(mock_factory)
    results = run.run()
    tapper.join()
    person.join()
    assert [(r.part, r.status) for r in results] == [
        ("badge reader", Status.PASS),
        ("badge tap", Status.PASS),
        ("green LED", Status.PASS),
        ("red LED", Status.PASS),
        ("buzzer", Status.PASS),
        ("locker 1 latch", Status.PASS),
        ("locker 1 door sensor", Status.PASS),
    ]
    assert "read badge 04A1B2C3D4E5F6" in output(run)
    assert output(run).endswith("hw-check: 7 passed, 0 failed, 0 skipped\n")
    for pin in (17, 27, 22, 5):  # each output really was driven
        assert len(mock_factory.pin(pin).states) >= 3
    assert reader.health is ReaderHealth.STOPPED


def test_rc522_with_spi_off_fails_with_what_to_check(fake_pi: FakePi) -> None:
    del fake_pi.bus.chips[(0, 0)]
    run = check(Rc522Reader(), "rc522", NullSignals(), [None] * 3)
    results = run.run()
    assert (results[0].part, results[0].status) == ("badge reader", Status.FAIL)
    assert "is SPI enabled?" in results[0].detail
    assert "what to check: check the RC522 wiring" in output(run)
    assert "badge tap" not in [r.part for r in results]  # no point asking for a badge


def test_rc522_reads_the_version_and_a_badge(fake_pi: FakePi) -> None:
    fake_pi.chip.place(Card(bytes.fromhex("04A1B2C3D4E5F6"), sak=0))
    run = check(Rc522Reader(poll_interval_s=0.02), "rc522", NullSignals(), [None] * 3)
    results = run.run()
    assert results[0].detail == "badge reader ready (MFRC522 version 0x92)"
    assert (results[1].status, results[1].detail) == (Status.PASS, "read badge 04A1B2C3D4E5F6")
    held = results[2]
    assert (held.part, held.status, held.advice) == ("badge reads", Status.PASS, "")
    assert held.detail.endswith(" reads of the held badge succeeded")


def test_a_badge_read_only_now_and_then_suggests_more_antenna_gain(fake_pi: FakePi) -> None:
    fake_pi.chip.lose_frames(0.10, seed=4)  # the badge at the edge of the field
    fake_pi.chip.place(Card(bytes.fromhex("04A1B2C3D4E5F6"), sak=0))
    run = check(Rc522Reader(poll_interval_s=0.02), "rc522", NullSignals(), [None] * 3)
    results = run.run()
    held = results[2]
    assert (held.part, held.status) == ("badge reads", Status.PASS)
    assert held.detail.endswith("(marginal)")
    assert "set reader.antenna_gain_db = 38 (now 33)" in held.advice
    assert "what to check: " in output(run)


def test_two_cards_during_the_check_are_pointed_out(fake_pi: FakePi) -> None:
    fake_pi.chip.place(Card(bytes.fromhex("DEADBEEF")), Card(bytes.fromhex("04A1B2C3D4E5F6")))
    run = check(Rc522Reader(poll_interval_s=0.02), "rc522", NullSignals(), [None] * 3)
    run.tap_timeout_s = 3.0
    results = run.run()
    assert (results[1].part, results[1].status) == ("badge tap", Status.FAIL)
    assert "Two cards are on the reader: hold one badge on its own." in output(run)


def test_no_badge_in_time_fails_with_advice(tmp_path: Path) -> None:
    run = check(SimulatedReader(tmp_path / "tap.sock"), "simulated", NullSignals(), [None] * 3)
    run.tap_timeout_s = 0.3
    results = run.run()
    assert (results[1].part, results[1].status) == ("badge tap", Status.FAIL)
    assert "kiosk tap 04A1B2C3D4E5F6" in results[1].advice


def test_a_part_not_seen_fails_and_says_which_pin(
    tmp_path: Path, mock_factory: Any, gpio: GpioSignals
) -> None:
    reader = SimulatedReader(tmp_path / "tap.sock")
    run = check(reader, "simulated", gpio, [True, False, True, None, None])
    tapper = tap_when_asked(reader, "DEADBEEF")
    results = {r.part: r for r in run.run()}
    tapper.join()
    assert results["red LED"].status is Status.FAIL
    assert "GPIO 27 (BCM; signals.red_led)" in results["red LED"].advice
    assert results["locker 1 latch"].status is Status.SKIP  # nobody answered
    assert results["locker 1 door sensor"].status is Status.SKIP
    assert "reads shut" in results["locker 1 door sensor"].detail


def test_door_that_never_opens_fails(tmp_path: Path, gpio: GpioSignals) -> None:
    run = check(SimulatedReader(tmp_path / "tap.sock"), "simulated", gpio, [True] * 5)
    run.tap_timeout_s, run.door_timeout_s = 0.1, 0.3
    door = {r.part: r for r in run.run()}["locker 1 door sensor"]
    assert (door.status, door.detail) == (Status.FAIL, "never read open")
    assert "GPIO 13" in door.advice


def test_signals_that_failed_to_open_fail_with_advice(tmp_path: Path) -> None:
    broken = NullSignals(problem="lights and buzzer not working: pin GPIO17 is already in use")
    run = check(SimulatedReader(tmp_path / "tap.sock"), "simulated", broken, [])
    run.tap_timeout_s = 0.1
    lights = run.run()[2]
    assert (lights.part, lights.status) == ("lights and buzzer", Status.FAIL)
    assert "signals.pin_factory" in lights.advice


def test_signals_disabled_are_skipped_not_failed(tmp_path: Path) -> None:
    run = check(SimulatedReader(tmp_path / "tap.sock"), "simulated", NullSignals(), [])
    run.tap_timeout_s = 0.1
    parts = run.run()[2:]
    assert [(p.part, p.status) for p in parts] == [
        ("green LED", Status.SKIP),
        ("red LED", Status.SKIP),
        ("buzzer", Status.SKIP),
    ]


def test_the_installer_s_quick_check_reports_reader_pins_and_screen_and_moves_nothing(
    tmp_path: Path, mock_factory: Any, gpio: GpioSignals
) -> None:
    """What install_pi.py prints at the end: no badge awaited, no LED lit, no latch pulsed."""
    from kiosk import display

    sysfs = tmp_path / "drm"
    (sysfs / "card0-DSI-1").mkdir(parents=True)
    (sysfs / "card0-DSI-1" / "status").write_text("connected\n")
    run = check(SimulatedReader(tmp_path / "tap.sock"), "simulated", gpio, answers=[])
    run.quick, run.screen = True, lambda: display.describe(sysfs)
    pins = (SECTION.green_led, SECTION.red_led, SECTION.buzzer, SECTION.relay_pins["1"])
    before = {pin: list(mock_factory.pin(pin).states) for pin in pins}
    results = run.run()
    assert [(r.part, r.status) for r in results] == [
        ("badge reader", Status.PASS),
        ("GPIO", Status.PASS),
        ("display", Status.PASS),
    ]
    assert "card0-DSI-1" in results[2].detail
    assert {pin: list(mock_factory.pin(pin).states) for pin in pins} == before


def test_the_quick_check_fails_a_missing_screen_and_missing_pins_with_what_to_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk import display

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    run = check(SimulatedReader(tmp_path / "tap.sock"), "simulated", NullSignals("no GPIO"), [])
    run.quick, run.screen = True, lambda: display.describe(tmp_path / "empty")
    results = {r.part: r for r in run.run()}
    assert results["GPIO"].status is Status.FAIL
    assert results["display"].status is Status.FAIL
    assert "display cable" in results["display"].advice
    assert "1 passed, 2 failed" in output(run)
