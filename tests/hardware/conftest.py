"""Fixtures for the hardware tests: an emulated RC522 on fake SPI with the real mfrc522 package,
an RC522 reader running on it, readers that are always stopped, a recorder for what they report,
and gpiozero's MockFactory."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kiosk.hardware.rc522 import Rc522Reader
from kiosk.hardware.reader import ReaderBase, ReaderHealth
from tests.hardware.fake_pi import FakePi, install_fake_pi
from tests.hardware.rc522_support import new_reader
from tests.hardware.recorder import Recorder


@pytest.fixture
def fake_pi(monkeypatch: pytest.MonkeyPatch) -> FakePi:
    """One emulated chip on SPI 0.0 and the real mfrc522 package, for this test only."""
    return install_fake_pi(monkeypatch)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def running() -> Iterator[Callable[[ReaderBase, Recorder], ReaderBase]]:
    """Start readers with a recorder; every reader started is stopped at the end of the test."""
    started: list[ReaderBase] = []

    def start(reader: ReaderBase, rec: Recorder) -> ReaderBase:
        reader.start(rec.on_badge, rec.on_health, rec.on_two_cards)
        started.append(reader)
        return reader

    yield start
    for reader in started:
        reader.stop()


@pytest.fixture
def reader(
    fake_pi: FakePi, recorder: Recorder, running: Callable[[ReaderBase, Recorder], ReaderBase]
) -> Rc522Reader:
    """An Rc522Reader polling every 20 ms on the emulated chip, running and ready."""
    started = running(new_reader(), recorder)
    recorder.wait_health(ReaderHealth.OK)
    assert isinstance(started, Rc522Reader)
    return started


@pytest.fixture
def mock_factory() -> Iterator[object]:
    """gpiozero's MockFactory (with PWM pins) for one test, reset and restored afterwards."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    previous = Device.pin_factory
    factory = MockFactory(pin_class=MockPWMPin)
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = previous
