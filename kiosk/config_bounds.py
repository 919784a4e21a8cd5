"""The bounds of every setting, in one table: what a sensible value of each key looks like.

`kiosk.config` checks a configuration file against this table, and the manager's console checks a
value typed on its web page against the same table (through `kiosk.config.bound_error`), so a value
refused in one place is refused in the other with the same words. The types of values come from the
dataclasses in `kiosk.config`; this table says which values of that type make sense. Cross-setting
rules (two signals on one pin, a relay for a locker that does not exist) stay in `kiosk.config`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.sync.contract import KIOSK_ID_PATTERN, MAX_BATCH_EVENTS

# Device kinds and locker ids appear in exports and on buttons as they are: plain identifiers only.
# The visitor journey's languages: English, Polish, Romanian, Urdu, Punjabi (Gurmukhi), Bengali,
# Arabic. kiosk/ui/locale holds a catalogue for each but English.
LANGUAGES = ("en", "pl", "ro", "ur", "pa", "bn", "ar")
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A Unix socket's path is at most 107 bytes (sun_path); other paths at most PATH_MAX.
_SOCKET_PATH_MAX = 107
_PATH_MAX = 4096


class Bound:
    """One rule for one setting: `problem` says what is wrong with a value, or None."""

    def problem(self, value: object) -> str | None:
        raise NotImplementedError


@dataclass(frozen=True)
class Anything(Bound):
    """A yes/no switch: its type is the whole rule."""

    def problem(self, value: object) -> str | None:
        return None


@dataclass(frozen=True)
class Number(Bound):
    low: float
    high: float
    unit: str = ""

    def problem(self, value: object) -> str | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return f"must be a number, got {value!r}"
        if self.low <= value <= self.high:
            return None
        return f"must be between {_num(self.low)} and {_num(self.high)}{self.unit}, got {value!r}"


@dataclass(frozen=True)
class Text(Bound):
    """Text of a given length, on one line; optionally a shape (`pattern`, described by `shape`)."""

    min_len: int
    max_len: int
    pattern: str = ""
    shape: str = ""

    def problem(self, value: object) -> str | None:
        if not isinstance(value, str):
            return f"must be text, got {value!r}"
        if _CONTROL.search(value):
            return "must not contain control characters (tabs, new lines)"
        if not self.min_len <= len(value) <= self.max_len:
            if self.min_len == 0:
                return f"must be at most {self.max_len} characters, got {len(value)}"
            return f"must be {self.min_len} to {self.max_len} characters, got {len(value)}"
        if self.pattern and not re.fullmatch(self.pattern, value):
            return f"{value!r} must be {self.shape}"
        return None


@dataclass(frozen=True)
class Choice(Bound):
    options: tuple[str, ...] | tuple[int, ...]

    def problem(self, value: object) -> str | None:
        if value in self.options:
            return None
        shown = ", ".join(str(o) or "''" for o in self.options)
        return f"must be one of {shown}, got {value!r}"


@dataclass(frozen=True)
class TimeZone(Bound):
    def problem(self, value: object) -> str | None:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            return f"unknown time zone {value!r}"
        return None


@dataclass(frozen=True)
class Items(Bound):
    """A list of `min_n` to `max_n` distinct values, each within `each`."""

    min_n: int
    max_n: int
    each: Bound

    def problem(self, value: object) -> str | None:
        if not isinstance(value, list):
            return f"must be a list, got {value!r}"
        if not self.min_n <= len(value) <= self.max_n:
            return f"must list {self.min_n} to {self.max_n} values, got {len(value)}"
        if len(set(value)) != len(value):
            return "lists a value twice"
        return _first(self.each.problem(v) for v in value)


@dataclass(frozen=True)
class ZeroOr(Bound):
    """0 (meaning "work it out"), or a value within `other`."""

    other: Bound

    def problem(self, value: object) -> str | None:
        if value == 0 and not isinstance(value, bool):
            return None
        problem = self.other.problem(value)
        return f"{problem} (or 0)" if problem else None


@dataclass(frozen=True)
class Table(Bound):
    """A table whose keys are within `key` and whose values are within `value`."""

    key: Bound
    value: Bound
    shape: str

    def problem(self, value: object) -> str | None:
        if not isinstance(value, Mapping):
            return f"must be a table of {self.shape}, got {value!r}"
        return _first([
            *(self.key.problem(k) for k in value), *(self.value.problem(v) for v in value.values())
        ])  # fmt: skip


def _first(problems: Iterable[str | None]) -> str | None:
    return next((p for p in problems if p), None)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# BCM numbering. GPIO 0 and 1 are the HAT's ID EEPROM bus, never free for signals.
GPIO = Number(2, 27)
PATH = Text(0, _PATH_MAX)
NAME = Text(1, 100)
IDENT = Text(1, 16, IDENTIFIER.pattern, "letters, digits, '-' or '_' (at most 16)")
LANGUAGE = Choice(LANGUAGES)
# The RC522's receiver gains (RFCfgReg), in dB; 33 is the chip's own after reset.
ANTENNA_GAINS_DB = (18, 23, 33, 38, 43, 48)
SECONDS = " seconds"
MINUTES = " minutes"
DAYS = " days"

BOUNDS: dict[str, Bound] = {
    "kiosk.id": Text(1, 64, KIOSK_ID_PATTERN.strip("^$"), "letters, digits, '.', '-' or '_'"),
    "kiosk.setting_name": NAME,
    "kiosk.timezone": TimeZone(),
    "kiosk.data_dir": PATH,
    "kiosk.database": PATH,
    "kiosk.closing_time": Text(1, 5, r"([01]\d|2[0-3]):[0-5]\d", 'HH:MM, e.g. "18:30"'),
    "kiosk.idle_timeout_s": Number(5, 3600, SECONDS),
    "devices.kinds": Items(1, 20, IDENT),
    "lockers.ids": Items(1, 500, IDENT),
    "kiosk.languages": Items(1, len(LANGUAGES), LANGUAGE),
    "notice.version": Text(1, 40),
    "notice.text": Text(1, 2000),
    "notice.quiet_space": Text(1, 1000),
    "notice.texts": Table(LANGUAGE, Text(1, 2000), "language = notice text"),
    "notice.quiet_spaces": Table(LANGUAGE, Text(1, 1000), "language = quiet space"),
    "notice.versions": Table(LANGUAGE, Text(1, 40), "language = version"),
    # The panel's physical size, so touch targets keep their millimetres (0 dpi: from the diagonal).
    "display.diagonal_in": Number(3, 32, " inches"),
    "display.dpi": ZeroOr(Number(50, 600, " dots per inch")),
    "policy.debounce_s": Number(0.5, 60, SECONDS),
    "policy.pin_max_failures": Number(1, 20),
    "policy.pin_lockout_s": Number(30, 86400, SECONDS),
    "policy.locker_overdue_after_closing_min": Number(0, 1440, MINUTES),
    "policy.emergency_max_min": Number(1, 240, MINUTES),
    "policy.home_visit_max_min": Number(1, 720, MINUTES),
    "policy.virtual_course_max_min": Number(1, 480, MINUTES),
    # Fewer than two letters would list nearly everyone on site (least personal data shown).
    "policy.visitor_search_min_chars": Number(2, 10),
    "policy.visitor_search_max_results": Number(1, 10),
    # At least a day: a shorter time would erase a visitor who is still on site.
    "retention.visitor_details_days": Number(1, 366, DAYS),
    "retention.unknown_badge_days": Number(1, 366, DAYS),
    "retention.staff_events_days": Number(30, 3660, DAYS),
    "retention.refused_attempts_days": Number(1, 366, DAYS),
    "retention.export_files_days": Number(1, 90, DAYS),
    "privacy.controller": Text(0, 120),
    "privacy.contact": Text(0, 300),
    "privacy.dpo": Text(0, 200),
    "privacy.ico_registration": Text(0, 12, r"([A-Z]{1,2}[0-9]{6,8})?", "like ZA123456, or empty"),
    "privacy.lawful_basis": Text(1, 600),
    "privacy.where_to_read": Text(1, 160),
    "backup.dir": PATH,
    "backup.keep": Number(1, 366),
    "reader.kind": Choice(("simulated", "rc522", "hid")),
    "reader.poll_interval_s": Number(0.01, 1, SECONDS),
    "reader.spi_bus": Choice((0, 1)),  # the 40-pin header's SPI0 and SPI1
    "reader.spi_device": Number(0, 2),
    "reader.rst_pin": GPIO,
    "reader.hid_device": PATH,
    "reader.hid_format": Choice(("hex", "decimal")),
    "reader.hid_byte_order": Choice(("forward", "reversed")),
    "reader.hid_key_gap_s": Number(0.02, 5, SECONDS),
    "reader.antenna_gain_db": Choice(ANTENNA_GAINS_DB),
    "reader.socket": Text(0, _SOCKET_PATH_MAX),
    "signals.enabled": Anything(),
    "signals.pin_factory": Choice(("", "lgpio", "rpigpio", "pigpio", "native", "mock")),
    "signals.green_led": GPIO,
    "signals.red_led": GPIO,
    "signals.buzzer": GPIO,
    # Which lockers they name is checked across settings (each must be in lockers.ids).
    "signals.relay_pins": Table(Anything(), GPIO, "locker id = pin"),
    "signals.door_pins": Table(Anything(), GPIO, "locker id = pin"),
    "signals.relay_active_high": Anything(),
    "signals.relay_pulse_s": Number(0.1, 30, SECONDS),
    "signals.door_open_alert_s": Number(5, 3600, SECONDS),
    "sync.url": Text(0, 2048, r"(https?://\S+)?", "an http:// or https:// address, or empty"),
    "sync.token_file": PATH,
    "sync.ca_file": PATH,
    "sync.allow_plain_http": Anything(),
    # A bigger batch is refused whole by the records service (413) and would only be split.
    "sync.batch_size": Number(1, MAX_BATCH_EVENTS),
    "sync.interval_s": Number(0.1, 3600, SECONDS),
}
