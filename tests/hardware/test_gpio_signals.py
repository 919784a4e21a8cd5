"""GpioSignals on gpiozero's MockFactory: pin states, their timing, door alerts, and no blocking."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.config import SignalsSection
from kiosk.hardware.signals import (
    ACCEPTED,
    ATTENTION,
    REFUSED,
    GpioSignals,
    NullSignals,
    Pattern,
    make_signals,
)

GREEN, RED, BUZZER, RELAY_1, RELAY_2, DOOR_1 = 17, 27, 22, 5, 6, 13
TOLERANCE_S = 0.06


def section(**overrides: Any) -> SignalsSection:
    values: dict[str, Any] = {
        "relay_pins": {"1": RELAY_1, "2": RELAY_2},
        "door_pins": {"1": DOOR_1},
        "relay_pulse_s": 0.3,
        "door_open_alert_s": 0.2,
    }
    return SignalsSection(**(values | overrides))


@pytest.fixture
def signals(mock_factory: Any) -> Iterator[GpioSignals]:
    mock_factory.pin(DOOR_1)  # created before the Button so the door starts shut (driven low)
    gpio = GpioSignals(section())
    mock_factory.pin(DOOR_1).drive_low()
    yield gpio
    gpio.close()


def states(factory: Any, pin: int) -> list[bool]:
    return [bool(s.state) for s in factory.pin(pin).states]


def durations(factory: Any, pin: int) -> list[float]:
    """Seconds spent in each state after the first change (gpiozero records time since last)."""
    return [s.timestamp for s in factory.pin(pin).states[2:]]


def blink_states(times: int) -> list[bool]:
    return [False] + [True, False] * times


def until_states(factory: Any, pin: int, count: int) -> list[bool]:
    """The pin's states once it has been through `count` of them: waits for the pattern's
    thread to get there (a busy machine only makes it later), never for a fixed time."""
    deadline = time.monotonic() + 30
    while len(factory.pin(pin).states) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return states(factory, pin)


NAMES = {ACCEPTED: "accepted", REFUSED: "refused", ATTENTION: "attention"}


@pytest.mark.parametrize("pattern", list(NAMES), ids=list(NAMES.values()))
def test_patterns_light_one_led_and_beep_their_own_rhythm(
    mock_factory: Any, signals: GpioSignals, pattern: Pattern
) -> None:
    for pin in (GREEN, RED, BUZZER):
        mock_factory.pin(pin).clear_states()
    getattr(signals, NAMES[pattern])()
    light, sound = pattern.light, pattern.sound
    lit, dark = (GREEN, RED) if pattern.led == "green" else (RED, GREEN)
    assert until_states(mock_factory, lit, 1 + 2 * light.times) == blink_states(light.times)
    assert until_states(mock_factory, BUZZER, 1 + 2 * sound.times) == blink_states(sound.times)
    assert states(mock_factory, dark) == [False]
    expected_beeps = ([sound.on_s, sound.off_s] * sound.times)[:-1]
    assert durations(mock_factory, BUZZER) == pytest.approx(expected_beeps, abs=TOLERANCE_S)
    assert durations(mock_factory, lit)[0] == pytest.approx(light.on_s, abs=TOLERANCE_S)


def test_the_three_patterns_can_be_told_apart_by_ear() -> None:
    rhythms = {(p.sound.times, p.sound.on_s) for p in (ACCEPTED, REFUSED, ATTENTION)}
    assert len(rhythms) == 3


def test_signalling_never_waits_for_the_pattern(mock_factory: Any) -> None:
    """A latch pulse of 30 s is still on after thirty patterns of 1-2 s each were started: had
    any call waited for its pattern, the thirty would have taken longer than the pulse."""
    gpio = GpioSignals(section(relay_pulse_s=30.0, door_pins={}))
    try:
        gpio.unlock("1")  # returns at once too, or the pulse would be over already
        for _ in range(10):
            gpio.attention()
            gpio.refused()
            gpio.accepted()
        assert states(mock_factory, RELAY_1)[-1] is False  # active low: still open
    finally:
        gpio.close()


@pytest.mark.parametrize("active_high", [False, True])
def test_unlock_pulses_the_lockers_relay_for_the_configured_time(
    mock_factory: Any, active_high: bool
) -> None:
    gpio = GpioSignals(section(relay_active_high=active_high, door_pins={}))
    try:
        idle = not active_high
        for pin in (RELAY_1, RELAY_2):
            assert states(mock_factory, pin)[-1] is idle  # no unlock at start-up
            mock_factory.pin(pin).clear_states()
        gpio.unlock("1")
        assert until_states(mock_factory, RELAY_1, 3) == [idle, not idle, idle]
        assert durations(mock_factory, RELAY_1) == pytest.approx([0.3], abs=TOLERANCE_S)
        assert states(mock_factory, RELAY_2) == [idle]  # only the locker asked for
    finally:
        gpio.close()


def test_unlock_of_a_locker_without_a_latch_does_nothing(
    mock_factory: Any, signals: GpioSignals
) -> None:
    mock_factory.pin(RELAY_1).clear_states()
    signals.unlock("7")
    time.sleep(0.05)
    assert states(mock_factory, RELAY_1) == [True]


def alerts_of(gpio: GpioSignals) -> tuple[list[tuple[str, float]], threading.Event]:
    alerts: list[tuple[str, float]] = []
    raised = threading.Event()

    def on_alert(locker: str) -> None:
        alerts.append((locker, time.monotonic()))
        raised.set()

    gpio.on_door_alert = on_alert
    return alerts, raised


def test_door_left_open_raises_an_alert_after_the_configured_time(
    mock_factory: Any, signals: GpioSignals
) -> None:
    alerts, raised = alerts_of(signals)
    opened = time.monotonic()
    mock_factory.pin(DOOR_1).drive_high()
    assert signals.door_is_open("1")
    assert raised.wait(2.0)
    assert alerts[0][0] == "1"
    assert alerts[0][1] - opened == pytest.approx(0.2, abs=TOLERANCE_S)


def test_door_shut_in_time_raises_no_alert(mock_factory: Any, signals: GpioSignals) -> None:
    alerts, raised = alerts_of(signals)
    mock_factory.pin(DOOR_1).drive_high()
    time.sleep(0.1)
    mock_factory.pin(DOOR_1).drive_low()
    assert not raised.wait(0.4)
    assert not signals.door_is_open("1")
    assert alerts == []


def test_door_open_at_start_up_is_watched_too(mock_factory: Any) -> None:
    gpio = GpioSignals(section())  # the door pin floats high through the pull-up: open
    try:
        _alerts, raised = alerts_of(gpio)
        assert raised.wait(2.0)
    finally:
        gpio.close()


def test_close_releases_every_pin(mock_factory: Any) -> None:
    GpioSignals(section()).close()
    GpioSignals(section()).close()  # would raise GPIOPinInUse had any pin been kept


def test_make_signals_disabled_gives_null_signals_without_a_problem() -> None:
    made = make_signals(SignalsSection(enabled=False))
    assert isinstance(made, NullSignals)
    assert made.problem is None


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"pin_factory": "gpiopi"}, "unknown pin factory 'gpiopi'"),
        ({"pin_factory": "mock", "red_led": GREEN}, "pin GPIO17 is already in use"),
    ],
)
def test_make_signals_that_cannot_open_says_why_instead_of_crashing(
    overrides: dict[str, Any], problem: str
) -> None:
    made = make_signals(section(**overrides))
    assert isinstance(made, NullSignals)
    assert made.problem is not None and problem in made.problem
    made.accepted()  # still callable: the tap path does not care


def test_make_signals_with_the_mock_factory_from_config() -> None:
    made = make_signals(section(pin_factory="mock"))
    try:
        assert isinstance(made, GpioSignals)
        assert made.relay_lockers == ["1", "2"]
        assert made.door_lockers == ["1"]
    finally:
        made.close()
