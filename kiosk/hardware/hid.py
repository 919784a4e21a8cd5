"""USB keyboard-wedge badge readers: they type the UID and Enter, like a keyboard.

This module owns reading them through `evdev` (imported only when used): finding the reader among
the input devices, grabbing it so its keystrokes never reach the kiosk's screen, turning key presses
into a UID in the configured format (hex, or the decimal many readers type by default, either byte
order), refusing a line with any other key in it or with a pause longer than a reader ever makes
(a stale half line must not eat the next badge), and coming back when the reader is unplugged and
plugged in again.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import select
from collections.abc import Callable
from typing import Any

from kiosk.hardware.reader import HardwareError, ReaderBase, normalise_uid

log = logging.getLogger(__name__)

SELECT_WAKE_S = 0.2  # how often the read loop looks at `stopping`
MAX_TYPED = 32  # a reader types at most 20 hex digits; more is a key held down
KEY_DOWN = 1
LOOKS_LIKE_READER = re.compile(r"rfid|reader|card|nfc|125\s*khz|13\.56", re.IGNORECASE)

KEY_CHARS = {f"KEY_{d}": d for d in "0123456789"}
KEY_CHARS |= {f"KEY_KP{d}": d for d in "0123456789"}
KEY_CHARS |= {f"KEY_{c}": c for c in "ABCDEF"}
ENTER_KEYS = {"KEY_ENTER", "KEY_KPENTER"}
# Keys that type nothing themselves: a reader holds shift for A-F, and the lock keys may be on.
NEUTRAL_KEYS = {
    f"KEY_{side}{key}" for side in ("LEFT", "RIGHT") for key in ("SHIFT", "CTRL", "ALT", "META")
} | {"KEY_CAPSLOCK", "KEY_NUMLOCK"}
JUNK = "?"  # stands for any other key in the typed line, which makes it no badge


def uid_from_typed(text: str, number_format: str, byte_order: str = "forward") -> str:
    """A typed badge number as a normalised UID; ValueError if it is not one.

    `byte_order` "reversed": the reader types the UID's bytes last first (many decimal readers
    type the 4-byte UID as a little-endian number), so they are turned round here."""
    if number_format == "decimal":
        if not text.isdigit():
            raise ValueError(f"{text!r} is not a decimal badge number")
        number = int(text)
        size = next((n for n in (4, 7, 10) if number < 1 << (8 * n)), None)
        if size is None:
            raise ValueError(f"{text!r} is too large for a badge UID")
        uid = f"{number:0{2 * size}X}"
    else:
        uid = normalise_uid(text)
    return bytes.fromhex(uid)[::-1].hex().upper() if byte_order == "reversed" else uid


class Keystrokes:
    """Collects key names until Enter and returns the UID they typed.

    Every key down carries its time (the kernel's event time): a pause longer than `key_gap_s`
    drops what came before it, since a reader types a whole line in a few tens of ms."""

    def __init__(
        self, number_format: str, byte_order: str = "forward", key_gap_s: float = 0.3
    ) -> None:
        self.number_format, self.byte_order, self.key_gap_s = number_format, byte_order, key_gap_s
        self._typed: list[str] = []
        self._last_s: float | None = None

    def key_down(self, names: set[str], at_s: float = 0.0) -> str | None:
        if names <= NEUTRAL_KEYS:
            return None
        if self._typed and self._last_s is not None and at_s - self._last_s > self.key_gap_s:
            log.warning("keyboard-wedge reader: %d keys before a pause dropped", len(self._typed))
            self._typed = []
        self._last_s = at_s
        if names & ENTER_KEYS:
            text, self._typed = "".join(self._typed), []
            return self._uid(text) if text else None
        char = next((KEY_CHARS[name] for name in names if name in KEY_CHARS), JUNK)
        if len(self._typed) < MAX_TYPED:
            self._typed.append(char)
        return None

    def _uid(self, text: str) -> str | None:
        try:
            return uid_from_typed(text, self.number_format, self.byte_order)
        except ValueError:
            # What was typed is not logged: it may be a badge number or someone's typing.
            log.warning("keyboard-wedge reader typed %d characters that are not a badge", len(text))
            return None


def load_evdev() -> Any:
    try:
        import evdev
    except ImportError as exc:
        raise HardwareError("the evdev package is not installed (pip install evdev)") from exc
    return evdev


def find_reader(paths: list[str], open_device: Callable[[str], Any]) -> str:
    """The first input device whose name looks like a badge reader (never just any keyboard)."""
    for path in paths:
        try:
            device = open_device(path)
        except OSError:
            continue
        name = str(device.name)
        device.close()
        if LOOKS_LIKE_READER.search(name):
            return path
    raise HardwareError(
        "no keyboard-wedge badge reader found; set reader.hid_device to its /dev/input/by-id/ path"
    )


class HidReader(ReaderBase):
    """A keyboard-wedge reader at `device_path` ("" to look for one) typing `number_format`."""

    def __init__(
        self,
        device_path: str = "",
        number_format: str = "hex",
        open_device: Callable[[str], Any] | None = None,
        byte_order: str = "forward",
        key_gap_s: float = 0.3,
    ) -> None:
        super().__init__("keyboard-wedge badge reader")
        self.device_path, self.number_format = device_path, number_format
        self.byte_order, self.key_gap_s = byte_order, key_gap_s
        self._open_device = open_device
        self._device: Any = None

    def _serve(self) -> None:
        evdev = load_evdev()
        opener = self._open_device or evdev.InputDevice
        path = self.device_path or find_reader(list(evdev.list_devices()), opener)
        try:
            self._device = device = opener(path)
        except PermissionError as exc:
            raise HardwareError(f"no permission to read {path}: add the user to 'input'") from exc
        except FileNotFoundError as exc:
            raise HardwareError(f"no keyboard-wedge reader at {path}: is it plugged in?") from exc
        device.grab()  # the reader's keystrokes are for us, not for the focused text box
        self._healthy(f"keyboard-wedge reader ready ({device.name})")
        keys = Keystrokes(self.number_format, self.byte_order, self.key_gap_s)
        while not self.stopping.is_set():
            ready, _, _ = select.select([device.fd], [], [], SELECT_WAKE_S)
            if ready:
                self._consume(evdev, device, keys, path)

    def _consume(self, evdev: Any, device: Any, keys: Keystrokes, path: str) -> None:
        try:
            events = list(device.read())
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno in (errno.ENODEV, errno.ENXIO):
                raise HardwareError(f"keyboard-wedge reader unplugged ({path})") from exc
            raise
        for event in events:
            if event.type != evdev.ecodes.EV_KEY or event.value != KEY_DOWN:
                continue
            names = evdev.ecodes.KEY.get(event.code, ())
            uid = keys.key_down(
                {names} if isinstance(names, str) else set(names), event.timestamp()
            )
            if uid is not None:
                self._emit(uid)

    def _release(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        for action in (device.ungrab, device.close):
            # An unplugged device cannot be ungrabbed; closing is all that is left.
            with contextlib.suppress(OSError):
                action()
