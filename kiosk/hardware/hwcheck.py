"""`kiosk hw-check`: the guided check a person installing a kiosk runs at the entrance.

This module owns the order of the check and its verdicts: the badge reader found (and its version),
a badge tapped within a time limit (and, on a reader that can tell, whether it reads the held badge
reliably or only marginally, with the antenna gain to try), each LED lit, the buzzer sounded, each
locker latch pulsed and each door sensor seen open and shut. Every part ends in one PASS, FAIL or
SKIP line, and every FAIL says what to check. Reader, signals, output and the question-asker are
passed in, so the check runs the same against real pins, gpiozero's mock pins or a simulated
reader.
"""

from __future__ import annotations

import enum
import functools
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO, TypeGuard

from kiosk.config import SignalsSection
from kiosk.config_bounds import ANTENNA_GAINS_DB
from kiosk.hardware.reader import BadgeReader, HardwareError, ReaderHealth

Ask = Callable[[str], bool | None]  # True yes, False no, None: nobody there to answer

READER_ADVICE = {
    "rc522": "check the RC522 wiring against docs/wiring.md (3.3 V, never 5 V), that SPI is "
    "enabled (sudo raspi-config nonint do_spi 0, reboot, then /dev/spidev0.0 exists), and that "
    "the kiosk's user is in the 'spi' and 'gpio' groups",
    "hid": "check the reader is plugged in, that reader.hid_device names it "
    "(ls -l /dev/input/by-id/), and that the kiosk's user is in the 'input' group",
    "simulated": "check that the kiosk's user can write reader.socket's folder and that no "
    "other kiosk is running",
}
TAP_ADVICE = {
    "rc522": "hold the badge flat on the reader for a second; if nothing reads, check the RST "
    "wire (reader.rst_pin) and that the badge is 13.56 MHz (MIFARE/NTAG), not 125 kHz",
    "hid": "if the reader beeps but nothing arrives, set reader.hid_format to what it types "
    "(hex or decimal)",
    "simulated": "run `kiosk tap 04A1B2C3D4E5F6` in another terminal while the check waits",
}
SCREEN_ADVICE = (
    "check the display cable (the 7\" panel's ribbon in the DSI port, or HDMI), that the kiosk's "
    "user is in the 'video' and 'render' groups, and the panel's power; then reboot"
)
SIGNALS_ADVICE = (
    'check signals.pin_factory ("lgpio" on a Pi 5), that gpiozero and its pin library are '
    "installed, and that the kiosk's user is in the 'gpio' group"
)


# A held badge that fails this share of the polls that find it reads only now and then: taps
# will be slow or missed, and a badge held still may count as a second tap.
MARGINAL_SHARE = 0.2
HOLD_POLLS = 30  # polls of the held badge the read-quality check looks at


# (lamp_test name, part, signals.<key> holding its pin, question)
OUTPUTS = (
    ("green", "green LED", "green_led", "Is the green LED lit?"),
    ("red", "red LED", "red_led", "Is the red LED lit?"),
    ("buzzer", "buzzer", "buzzer", "Did the buzzer sound?"),
)


class Status(enum.Enum):
    PASS = "PASS"  # noqa: S105 (a verdict, not a password)
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class PartResult:
    part: str
    status: Status
    detail: str
    advice: str = ""


class CheckableSignals(Protocol):
    """What the check drives: `GpioSignals` and `NullSignals` both offer it."""

    @property
    def problem(self) -> str | None: ...

    @property
    def relay_lockers(self) -> list[str]: ...

    @property
    def door_lockers(self) -> list[str]: ...

    def lamp_test(self, part: str, seconds: float) -> None: ...

    def unlock(self, locker_id: str) -> None: ...

    def door_is_open(self, locker_id: str) -> bool: ...


class CountsReads(Protocol):
    """A reader that counts its polls (the RC522): the read-quality check can measure it."""

    polls: int
    polls_with_card: int
    polls_unreadable: int
    gain_db: int


def gain_advice(gain_db: int, failed_share: float) -> str:
    """What to try when a held badge reads only now and then."""
    higher = [g for g in ANTENNA_GAINS_DB if g > gain_db]
    where = "move the reader closer to the front of its enclosure, away from metal"
    if not higher:
        return f"{failed_share:.0%} of reads failed at the highest gain; {where}"
    return (
        f"{failed_share:.0%} of reads failed: set reader.antenna_gain_db = {higher[0]} "
        f"(now {gain_db}) and run hw-check again; if that is not enough, {where}"
    )


@dataclass
class HwCheck:
    reader: BadgeReader
    reader_kind: str
    signals: CheckableSignals
    section: SignalsSection
    out: TextIO
    ask: Ask
    tap_timeout_s: float = 20.0
    # Installing: only what needs nobody at the kiosk (reader answers, pins usable, screen there);
    # no badge awaited, no light, sound or latch driven.
    quick: bool = False
    screen: Callable[[], tuple[bool, str]] | None = None
    start_timeout_s: float = 5.0
    door_timeout_s: float = 15.0
    lamp_s: float = 2.0
    hold_timeout_s: float = 10.0

    def run(self) -> list[PartResult]:
        results = self._check_reader()
        if self.quick:
            results.append(self._check_pins())
        else:
            results += self._check_outputs()
            results += [self._check_latch(locker) for locker in self.signals.relay_lockers]
            results += [self._check_door(locker) for locker in self.signals.door_lockers]
        if self.screen is not None:
            results.append(self._check_screen(self.screen))
        counts = {s: sum(r.status is s for r in results) for s in Status}
        self._say(
            f"hw-check: {counts[Status.PASS]} passed, {counts[Status.FAIL]} failed, "
            f"{counts[Status.SKIP]} skipped"
        )
        return results

    def _say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def _report(self, result: PartResult) -> PartResult:
        self._say(f"{result.status.value}  {result.part}: {result.detail}")
        if result.advice:
            self._say(f"      what to check: {result.advice}")
        return result

    def _check_reader(self) -> list[PartResult]:
        badges: queue.Queue[str] = queue.Queue()
        settled = threading.Event()
        last: list[tuple[ReaderHealth, str]] = []

        def on_health(state: ReaderHealth, message: str) -> None:
            last.append((state, message))
            if state in (ReaderHealth.OK, ReaderHealth.NOT_RESPONDING):
                settled.set()

        def on_two_cards() -> None:
            self._say("Two cards are on the reader: hold one badge on its own.")

        self.reader.start(badges.put, on_health, on_two_cards)
        try:
            settled.wait(self.start_timeout_s)
            state, message = last[-1] if last else (self.reader.health, "no answer")
            advice = READER_ADVICE.get(self.reader_kind, "")
            if state is not ReaderHealth.OK:
                return [self._report(PartResult("badge reader", Status.FAIL, message, advice))]
            found = self._report(PartResult("badge reader", Status.PASS, message))
            if self.quick:
                return [found]
            tapped = self._check_tap(badges)
            if tapped.status is Status.PASS and _counts_reads(self.reader):
                return [found, tapped, self._check_hold(self.reader)]
            return [found, tapped]
        finally:
            self.reader.stop()

    def _check_tap(self, badges: queue.Queue[str]) -> PartResult:
        self._say(f"Tap a badge on the reader now (waiting {self.tap_timeout_s:.0f} s)...")
        try:
            uid = badges.get(timeout=self.tap_timeout_s)
        except queue.Empty:
            advice = TAP_ADVICE.get(self.reader_kind, "")
            return self._report(PartResult("badge tap", Status.FAIL, "no badge read", advice))
        return self._report(PartResult("badge tap", Status.PASS, f"read badge {uid}"))

    def _check_hold(self, reader: CountsReads) -> PartResult:
        self._say("Keep the badge where it is for a moment...")
        start = (reader.polls, reader.polls_with_card, reader.polls_unreadable)
        deadline = time.monotonic() + self.hold_timeout_s
        while reader.polls < start[0] + HOLD_POLLS and time.monotonic() < deadline:
            time.sleep(0.05)
        with_card = reader.polls_with_card - start[1]
        failed = reader.polls_unreadable - start[2]
        if with_card < HOLD_POLLS // 2:
            detail = f"the badge was found in {with_card} of {reader.polls - start[0]} polls"
            return self._report(PartResult("badge reads", Status.SKIP, detail))
        share = failed / with_card
        detail = f"{with_card - failed} of {with_card} reads of the held badge succeeded"
        if share < MARGINAL_SHARE:
            return self._report(PartResult("badge reads", Status.PASS, detail))
        advice = gain_advice(reader.gain_db, share)
        return self._report(PartResult("badge reads", Status.PASS, detail + " (marginal)", advice))

    def _check_outputs(self) -> list[PartResult]:
        if self.signals.problem:
            failed = PartResult(
                "lights and buzzer", Status.FAIL, self.signals.problem, SIGNALS_ADVICE
            )
            return [self._report(failed)]
        results = []
        for output, part, key, question in OUTPUTS:
            advice = (
                f"check the wiring from GPIO {getattr(self.section, key)} (BCM; signals.{key}) "
                "through its resistor or transistor to the part and back to GND, and its polarity"
            )
            act = functools.partial(self.signals.lamp_test, output, self.lamp_s)
            results.append(self._confirm(part, act, question, advice))
        return results

    def _check_pins(self) -> PartResult:
        if self.signals.problem:
            return self._report(
                PartResult("GPIO", Status.FAIL, self.signals.problem, SIGNALS_ADVICE)
            )
        return self._report(PartResult("GPIO", Status.PASS, "lights, buzzer and latch pins ready"))

    def _check_screen(self, screen: Callable[[], tuple[bool, str]]) -> PartResult:
        found, detail = screen()
        if found:
            return self._report(PartResult("display", Status.PASS, detail))
        return self._report(PartResult("display", Status.FAIL, detail, SCREEN_ADVICE))

    def _confirm(
        self, part: str, act: Callable[[], None], question: str, advice: str
    ) -> PartResult:
        try:
            act()
        except HardwareError as exc:
            return self._report(PartResult(part, Status.SKIP, str(exc)))
        answer = self.ask(question)
        if answer is None:
            return self._report(PartResult(part, Status.SKIP, "driven; nobody here to confirm it"))
        if answer:
            return self._report(PartResult(part, Status.PASS, "confirmed"))
        return self._report(PartResult(part, Status.FAIL, "not seen or heard", advice))

    def _check_latch(self, locker: str) -> PartResult:
        pin = self.section.relay_pins.get(locker)
        advice = (
            f"check the relay board's IN line on GPIO {pin} (signals.relay_pins), its power and "
            "GND, signals.relay_active_high (most boards switch on a low input) and the latch's "
            "own supply"
        )
        return self._confirm(
            f"locker {locker} latch",
            lambda: self.signals.unlock(locker),
            f"Did locker {locker} unlock (a click, the door free to open)?",
            advice,
        )

    def _check_door(self, locker: str) -> PartResult:
        part = f"locker {locker} door sensor"
        pin = self.section.door_pins.get(locker)
        advice = (
            f"check the door switch between GPIO {pin} (signals.door_pins) and GND: it must "
            "close when the door shuts"
        )
        now = "open" if self.signals.door_is_open(locker) else "shut"
        if self.ask(f"Locker {locker}'s door reads {now}. Ready to test it?") is None:
            return self._report(PartResult(part, Status.SKIP, f"reads {now}; nobody to open it"))
        for want_open, verb in ((True, "Open"), (False, "Shut")):
            self._say(f"{verb} locker {locker}'s door now (waiting {self.door_timeout_s:.0f} s)...")
            if not self._wait_door(locker, want_open):
                return self._report(
                    PartResult(part, Status.FAIL, f"never read {verb.lower()}", advice)
                )
        return self._report(PartResult(part, Status.PASS, "read open, then shut"))

    def _wait_door(self, locker: str, want_open: bool) -> bool:
        deadline = time.monotonic() + self.door_timeout_s
        while time.monotonic() < deadline:
            if self.signals.door_is_open(locker) is want_open:
                return True
            time.sleep(0.05)
        return False


def _counts_reads(reader: object) -> TypeGuard[CountsReads]:
    names = ("polls", "polls_with_card", "polls_unreadable", "gain_db")
    return all(hasattr(reader, name) for name in names)
