"""HidReader with real evdev events from a fake input device (no /dev/input in a container).

The fake device is a pipe (so `select` works on its fd, as on a real event node) carrying real
`evdev.InputEvent`s with the key codes a keyboard-wedge reader sends, shift and key-ups included.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

import pytest

from tests.hardware.recorder import Recorder

pytest.importorskip("evdev", reason="evdev is in the dev extras; it builds on Linux only")
from evdev import InputEvent, ecodes

from kiosk.hardware.hid import HidReader, Keystrokes, find_reader, uid_from_typed
from kiosk.hardware.reader import HardwareError, ReaderBase, ReaderHealth

Start = Callable[[ReaderBase, Recorder], ReaderBase]
KEY_NAMES = {"\n": "KEY_ENTER", " ": "KEY_SPACE", "-": "KEY_MINUS"}


class FakeInputDevice:
    def __init__(self, name: str = "Sycreader RFID Technology Co., Ltd SYC ID&IC USB Reader"):
        self.name = name
        self.fd, self._wake = os.pipe()
        self._events: deque[InputEvent] = deque()
        self._lock = threading.Lock()
        self.grabbed = self.closed = self.unplugged = False

    def _key(self, name: str, at_us: int, shifted: bool = False) -> list[InputEvent]:
        code = ecodes.ecodes[name]
        sec, usec = divmod(at_us, 1_000_000)
        press = [InputEvent(sec, usec, ecodes.EV_KEY, code, v) for v in (1, 0)]
        if not shifted:
            return press
        shift = ecodes.ecodes["KEY_LEFTSHIFT"]
        down, up = (InputEvent(sec, usec, ecodes.EV_KEY, shift, v) for v in (1, 0))
        return [down, *press, up]

    def type(self, text: str, at_s: float = 0.0, key_s: float = 0.004) -> None:
        """Type `text` as a reader does, from kernel time `at_s`, one key each `key_s`."""
        events = []
        for index, char in enumerate(text):
            name = KEY_NAMES.get(char, f"KEY_{char.upper()}")
            at_us = round(1e6 * (at_s + index * key_s))
            events += self._key(name, at_us, shifted=char.isalpha())
            events.append(InputEvent(0, 0, ecodes.EV_SYN, 0, 0))
        with self._lock:
            self._events.extend(events)
        os.write(self._wake, b"!")

    def unplug(self) -> None:
        self.unplugged = True
        os.write(self._wake, b"!")

    def read(self) -> Iterator[InputEvent]:
        os.read(self.fd, 4096)
        if self.unplugged:
            raise OSError(errno.ENODEV, "No such device")
        with self._lock:
            events, self._events = list(self._events), deque()
        return iter(events)

    def grab(self) -> None:
        self.grabbed = True

    def ungrab(self) -> None:
        if self.unplugged:
            raise OSError(errno.ENODEV, "No such device")
        self.grabbed = False

    def close(self) -> None:
        self.closed = True
        for fd in (self.fd, self._wake):
            os.close(fd)


@pytest.mark.parametrize(
    ("typed", "number_format", "uid"),
    [
        ("04a1b2c3d4e5f6", "hex", "04A1B2C3D4E5F6"),
        ("DEADBEEF", "hex", "DEADBEEF"),
        ("3735928559", "decimal", "DEADBEEF"),
        ("0012345678", "decimal", "00BC614E"),
        ("1303689068602870", "decimal", "04A1B2C3D4E5F6"),
    ],
)
def test_typed_numbers_become_uids(typed: str, number_format: str, uid: str) -> None:
    assert uid_from_typed(typed, number_format) == uid


@pytest.mark.parametrize(
    ("typed", "number_format"),
    [("DEAD", "hex"), ("12AB", "decimal"), ("9" * 30, "decimal"), ("", "decimal")],
)
def test_typed_noise_is_not_a_uid(typed: str, number_format: str) -> None:
    with pytest.raises(ValueError):
        uid_from_typed(typed, number_format)


def test_keystrokes_ignore_shift_and_wait_for_enter() -> None:
    keys = Keystrokes("hex")
    typed = [keys.key_down({name}) for name in ["KEY_LEFTSHIFT", "KEY_D", "KEY_E", "KEY_A"]]
    typed += [keys.key_down({name}) for name in ["KEY_D", "KEY_B", "KEY_E", "KEY_E", "KEY_F"]]
    assert typed == [None] * 9
    assert keys.key_down({"KEY_KPENTER"}) == "DEADBEEF"
    assert keys.key_down({"KEY_ENTER"}) is None  # an empty line is not a badge


@pytest.mark.parametrize(
    ("typed", "number_format", "uid"),
    [
        ("3735928559", "decimal", "EFBEADDE"),  # 0xDEADBEEF typed last byte first
        ("04a1b2c3d4e5f6", "hex", "F6E5D4C3B2A104"),
    ],
)
def test_readers_that_type_the_uid_last_byte_first_are_turned_round(
    typed: str, number_format: str, uid: str
) -> None:
    assert uid_from_typed(typed, number_format, "reversed") == uid


def keys_at(keys: Keystrokes, names: list[str], at_s: float) -> list[str | None]:
    return [keys.key_down({name}, at_s + 0.004 * n) for n, name in enumerate(names)]


def test_a_line_with_any_other_key_in_it_is_no_badge() -> None:
    keys = Keystrokes("hex")
    deaf_cafe = [f"KEY_{c}" for c in "DEAF"] + ["KEY_SPACE"] + [f"KEY_{c}" for c in "CAFE"]
    assert keys_at(keys, [*deaf_cafe, "KEY_ENTER"], 0.0) == [None] * 10  # not DEAFCAFE
    assert keys_at(keys, [*[f"KEY_{c}" for c in "DEAFCAFE"], "KEY_ENTER"], 1.0)[-1] == "DEAFCAFE"


def test_a_stale_half_line_does_not_eat_the_next_badge() -> None:
    keys = Keystrokes("hex", key_gap_s=0.3)
    keys_at(keys, ["KEY_D", "KEY_E", "KEY_A", "KEY_D"], 0.0)  # a read cut short: no Enter
    badge = [f"KEY_{c}" for c in "04A1B2C3D4E5F6"] + ["KEY_ENTER"]
    assert keys_at(keys, badge, 5.0)[-1] == "04A1B2C3D4E5F6"
    keys_at(keys, ["KEY_D", "KEY_E", "KEY_A", "KEY_D"], 10.0)
    slow = keys_at(keys, ["KEY_B", "KEY_E", "KEY_E", "KEY_F", "KEY_ENTER"], 10.2)
    assert slow[-1] == "DEADBEEF"  # a pause within the gap keeps the line


@pytest.fixture
def device() -> FakeInputDevice:
    return FakeInputDevice()


def start_hid(
    running: Start, recorder: Recorder, opener: Callable[[str], object], number_format: str = "hex"
) -> HidReader:
    reader = HidReader("/dev/input/by-id/usb-reader-event-kbd", number_format, opener)
    reader.retry_initial_s, reader.retry_max_s = 0.05, 0.2
    running(reader, recorder)
    return reader


def test_grabs_the_device_and_reports_each_typed_badge(
    device: FakeInputDevice, recorder: Recorder, running: Start
) -> None:
    start_hid(running, recorder, lambda path: device)
    recorder.wait_health(ReaderHealth.OK)
    assert device.grabbed
    device.type("04a1b2c3d4e5f6\n")
    device.type("nonsense\n")  # a garbled read: logged, not a badge
    device.type("DEADBEEF\n")
    assert recorder.wait_badges(2) == ["04A1B2C3D4E5F6", "DEADBEEF"]


def test_junk_and_stale_keys_from_the_device_are_never_a_badge(
    device: FakeInputDevice, recorder: Recorder, running: Start
) -> None:
    start_hid(running, recorder, lambda path: device)
    recorder.wait_health(ReaderHealth.OK)
    device.type("DEAF CAFE\n", at_s=1.0)
    device.type("04A1", at_s=2.0)  # a half line, then nothing for a minute
    device.type("DEADBEEF\n", at_s=62.0)
    device.type("CAFE-F00D\n", at_s=63.0)
    device.type("CAFEF00D\n", at_s=64.0)
    assert recorder.wait_badges(2) == ["DEADBEEF", "CAFEF00D"]


def test_a_reader_not_plugged_in_says_so(recorder: Recorder, running: Start) -> None:
    def opener(path: str) -> object:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)

    start_hid(running, recorder, opener)
    message = recorder.wait_health(ReaderHealth.NOT_RESPONDING)
    assert (
        "no keyboard-wedge reader at /dev/input/by-id/usb-reader-event-kbd: is it plugged in?"
        in message
    )


def test_decimal_format(device: FakeInputDevice, recorder: Recorder, running: Start) -> None:
    start_hid(running, recorder, lambda path: device, number_format="decimal")
    recorder.wait_health(ReaderHealth.OK)
    device.type("3735928559\n")
    assert recorder.wait_badges(1) == ["DEADBEEF"]


def test_unplugged_and_plugged_back(recorder: Recorder, running: Start) -> None:
    devices: list[FakeInputDevice] = []
    plugged = threading.Event()

    def opener(path: str) -> FakeInputDevice:
        if devices and not plugged.is_set():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        devices.append(FakeInputDevice())
        plugged.clear()
        return devices[-1]

    start_hid(running, recorder, opener)
    recorder.wait_health(ReaderHealth.OK)
    devices[0].unplug()
    message = recorder.wait_health(ReaderHealth.NOT_RESPONDING)
    assert message.endswith("reader unplugged (/dev/input/by-id/usb-reader-event-kbd)")
    time.sleep(0.3)
    plugged.set()
    recorder.wait_health(ReaderHealth.OK)
    devices[-1].type("DEADBEEF\n")
    assert recorder.wait_badges(1) == ["DEADBEEF"]
    assert devices[0].closed and devices[-1].grabbed


def test_no_permission_names_the_group(recorder: Recorder, running: Start) -> None:
    def opener(path: str) -> object:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    start_hid(running, recorder, opener)
    assert "add the user to 'input'" in recorder.wait_health(ReaderHealth.NOT_RESPONDING)


def test_find_reader_never_picks_a_plain_keyboard() -> None:
    names = {
        "/dev/input/event0": "AT Translated Set 2 keyboard",
        "/dev/input/event3": "HID RFID Reader",
    }
    opened: list[FakeInputDevice] = []

    def opener(path: str) -> FakeInputDevice:
        opened.append(FakeInputDevice(names[path]))
        return opened[-1]

    assert find_reader(list(names), opener) == "/dev/input/event3"
    assert all(d.closed for d in opened)
    with pytest.raises(HardwareError, match=r"set reader\.hid_device"):
        find_reader(["/dev/input/event0"], opener)
