"""The kiosk's configuration: one TOML file over defaults that live in code.

Every setting has a default here, so a kiosk runs with no file at all (the embedded demo). A file
may override any of them; an unknown key or a value of the wrong type is refused with a message that
names the key and, where one is close, the key that was probably meant. Secrets (tokens) are never
in this file: it names the files that hold them.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.config_bounds import BOUNDS

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")
# Where an installed kiosk keeps its data: kiosk.service's StateDirectory. Every command that reads
# the system config uses it too, so `sudo -u kiosk kiosk …` and the service share one database.
SYSTEM_DATA_DIR = Path("/var/lib/kiosk")

DEFAULT_NOTICE = (
    "This is a phone-free setting. To keep the children safe, please do not use a mobile "
    "phone, smartwatch or camera anywhere on the premises. Please keep your phone out of sight, "
    "on silent, for the whole of your visit. Thank you for helping us."
)
DEFAULT_QUIET_SPACE = (
    "The office next to the front door, away from the children. You may make or take calls to "
    "your own office there. Please do not take photographs."
)
# The visitor screens' line on the privacy notice, translated while it is this default.
DEFAULT_PRIVACY_WHERE = "Ask the manager for our privacy notice."


# The values a setting's console owns (issue 11): on a kiosk that runs on its setting's snapshot,
# the snapshot's value of each wins over the file's; everything else (hardware, paths, languages,
# the kiosk's own limits) stays the file's.
SETTING_OWNED = (
    "kiosk.setting_name", "kiosk.timezone", "kiosk.closing_time", "lockers.ids", "devices.kinds",
    "policy.locker_overdue_after_closing_min", "notice.version", "notice.text",
    "notice.quiet_space", "retention.visitor_details_days", "retention.unknown_badge_days",
    "retention.staff_events_days",
)  # fmt: skip


class ConfigError(ValueError):
    """A configuration file that cannot be used, with a message for a person."""


def default_data_dir() -> Path:
    """Where the kiosk keeps its database: systemd's StateDirectory, else the user's data dir."""
    for var in ("KIOSK_DATA_DIR", "STATE_DIRECTORY"):
        if os.environ.get(var):
            return Path(os.environ[var].split(":")[0])
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "kiosk"


@dataclass(frozen=True)
class KioskSection:
    id: str = "entrance-1"
    setting_name: str = "Little Acorns Nursery"
    timezone: str = "Europe/London"
    data_dir: str = ""  # empty: default_data_dir()
    database: str = ""  # empty: <data_dir>/kiosk.db
    closing_time: str = "18:30"  # local time the setting closes
    idle_timeout_s: float = 45.0
    # The languages visitors may choose (the first is shown first): codes from LANGUAGES.
    languages: list[str] = field(default_factory=lambda: ["en"])


@dataclass(frozen=True)
class DevicesSection:
    kinds: list[str] = field(default_factory=lambda: ["phone", "smartwatch", "tablet", "other"])


@dataclass(frozen=True)
class LockersSection:
    ids: list[str] = field(default_factory=lambda: [str(n) for n in range(1, 13)])


@dataclass(frozen=True)
class NoticeSection:
    version: str = "2026-09"
    text: str = DEFAULT_NOTICE
    quiet_space: str = DEFAULT_QUIET_SPACE
    # The setting's notice and quiet space in each other language it offers, language code ->
    # text, and the version of each translation (default: `version`). With the default English
    # texts, the kiosk's own translations of them are used.
    texts: dict[str, str] = field(default_factory=dict)
    quiet_spaces: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicySection:
    debounce_s: float = 3.0
    pin_max_failures: int = 5
    pin_lockout_s: int = 900
    # A device left in a locker this long after closing time is reported (forgotten, or shift
    # never ended).
    locker_overdue_after_closing_min: int = 60
    # Expected time out when the person does not give one (an outing must give one).
    emergency_max_min: int = 30
    home_visit_max_min: int = 240
    virtual_course_max_min: int = 120
    visitor_search_min_chars: int = 2
    visitor_search_max_results: int = 5


@dataclass(frozen=True)
class RetentionSection:
    # Visitors' names, organisations and who they visited are erased after this; counts stay.
    visitor_details_days: int = 30
    # Unknown-badge records (a UID and a time) are kept this long for enrolment, then removed.
    unknown_badge_days: int = 30
    # Staff shift and device events older than this are removed once synced to the records service.
    staff_events_days: int = 400
    # Refused badges (revoked, not allowed) and wrong manager PINs are removed after this.
    refused_attempts_days: int = 30
    # Exported CSV files are deleted this long after the export (by `kiosk purge`, where the file
    # is still reachable and unchanged since: a copy on a USB stick taken away is not).
    export_files_days: int = 7


@dataclass(frozen=True)
class PrivacySection:
    """Who answers for the personal data, for the privacy notice (`kiosk privacy-notice`)."""

    controller: str = ""  # the data controller; empty: the setting's name
    contact: str = ""  # how to reach them about personal data (address, email or telephone)
    dpo: str = ""  # the data protection officer, if the setting has one
    ico_registration: str = ""  # the controller's ICO registration number, if registered
    lawful_basis: str = (
        "legal obligation: the early years foundation stage requires a policy on mobile "
        "phones and cameras to keep children safe; legitimate interests for visitors' "
        "sign-in and the fire roll call"
    )
    # The short line the visitor screens show: where a parent can read the notice.
    where_to_read: str = DEFAULT_PRIVACY_WHERE


@dataclass(frozen=True)
class BackupSection:
    dir: str = ""  # empty: <data_dir>/backups
    keep: int = 14  # newest backups kept; older ones are removed after each new backup


@dataclass(frozen=True)
class ReaderSection:
    kind: str = "simulated"  # simulated | rc522 | hid
    poll_interval_s: float = 0.1
    spi_bus: int = 0
    spi_device: int = 0
    rst_pin: int = 25  # BCM numbering, like every pin in this file
    antenna_gain_db: int = (
        33  # RC522 receiver gain: 18, 23, 33, 38, 43 or 48 (the chip's reset: 33)
    )
    hid_device: str = ""  # /dev/input/by-id/... ; empty: first device that looks like a reader
    hid_format: str = "hex"  # hex | decimal
    hid_byte_order: str = "forward"  # forward | reversed: some readers type the UID last byte first
    # A longer pause between two keys drops what was typed before it: a reader types a whole line
    # in a few tens of milliseconds, so a half line left over never eats the next badge.
    hid_key_gap_s: float = 0.3
    socket: str = ""  # simulated reader's socket; empty: <data_dir>/tap.sock


@dataclass(frozen=True)
class SignalsSection:
    enabled: bool = True
    pin_factory: str = ""  # empty: gpiozero's choice; "lgpio" on a Pi 5; "mock" for development
    green_led: int = 17
    red_led: int = 27
    buzzer: int = 22
    relay_pins: dict[str, int] = field(default_factory=dict)  # locker id -> relay pin
    door_pins: dict[str, int] = field(default_factory=dict)  # locker id -> door sensor pin
    relay_active_high: bool = False
    relay_pulse_s: float = 3.0
    door_open_alert_s: float = 60.0


@dataclass(frozen=True)
class DisplaySection:
    # The panel's physical size, so touch targets keep their size in millimetres on any panel:
    # the diagonal printed on its box, or its real dots per inch if known (0: from the diagonal).
    diagonal_in: float = 7.0
    dpi: float = 0.0


@dataclass(frozen=True)
class SyncSection:
    url: str = ""  # empty: sync disabled
    token_file: str = ""
    ca_file: str = ""
    allow_plain_http: bool = False
    batch_size: int = 500
    interval_s: float = 10.0


@dataclass(frozen=True)
class Config:
    kiosk: KioskSection = field(default_factory=KioskSection)
    devices: DevicesSection = field(default_factory=DevicesSection)
    lockers: LockersSection = field(default_factory=LockersSection)
    notice: NoticeSection = field(default_factory=NoticeSection)
    policy: PolicySection = field(default_factory=PolicySection)
    retention: RetentionSection = field(default_factory=RetentionSection)
    privacy: PrivacySection = field(default_factory=PrivacySection)
    backup: BackupSection = field(default_factory=BackupSection)
    reader: ReaderSection = field(default_factory=ReaderSection)
    signals: SignalsSection = field(default_factory=SignalsSection)
    sync: SyncSection = field(default_factory=SyncSection)
    display: DisplaySection = field(default_factory=DisplaySection)

    @property
    def data_dir(self) -> Path:
        return Path(self.kiosk.data_dir) if self.kiosk.data_dir else default_data_dir()

    @property
    def database_path(self) -> Path:
        return Path(self.kiosk.database) if self.kiosk.database else self.data_dir / "kiosk.db"

    @property
    def backup_dir(self) -> Path:
        return Path(self.backup.dir) if self.backup.dir else self.data_dir / "backups"

    @property
    def tap_socket_path(self) -> Path:
        return Path(self.reader.socket) if self.reader.socket else self.data_dir / "tap.sock"


def _suggest(key: str, options: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_ok(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if origin is dict:
        key_t, val_t = typing.get_args(hint)
        return isinstance(value, dict) and all(
            _type_ok(k, key_t) and _type_ok(v, val_t) for k, v in value.items()
        )
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _type_name(hint: Any) -> str:
    if isinstance(hint, types.GenericAlias):
        return str(hint)
    return getattr(hint, "__name__", str(hint))


def _section_types() -> dict[str, type[Any]]:
    return typing.get_type_hints(Config)


def bound_error(key: str, value: object) -> str | None:
    """Why `value` cannot be the setting `key` (dotted, e.g. 'policy.pin_max_failures'), as one
    line for a person that names the key; None when it is allowed. The config file and the
    manager's console both ask this, so both refuse the same values in the same words."""
    section, _, name = key.partition(".")
    cls = _section_types().get(section)
    hints = typing.get_type_hints(cls) if cls else {}
    if name not in hints:
        return f"unknown setting '{key}'{_suggest(key, BOUNDS)}"
    if not _type_ok(value, hints[name]):
        shown = f"{type(value).__name__} {value!r}"
        return f"setting '{key}' must be {_type_name(hints[name])}, got {shown}"
    problem = BOUNDS[key].problem(value)
    return f"setting '{key}' {problem}" if problem else None


def _build_section(name: str, cls: type[Any], raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}] must be a table of settings, not {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in hints:
            raise ConfigError(f"unknown setting '{name}.{key}'{_suggest(key, hints)}")
        error = bound_error(f"{name}.{key}", value)
        if error:
            raise ConfigError(error)
        values[key] = float(value) if hints[key] is float else value
    return cls(**values)


def config_from_dict(raw: dict[str, Any]) -> Config:
    """Build and check a Config from parsed TOML."""
    sections = _section_types()
    built: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in sections:
            raise ConfigError(f"unknown section [{name}]{_suggest(name, sections)}")
        built[name] = _build_section(name, sections[name], value)
    config = Config(**built)
    _check_reader(config.reader)
    _check_pins(config)
    _check_languages(config)
    return config


def with_setting(config: Config, values: dict[str, Any]) -> Config:
    """The config with a setting's own values (SETTING_OWNED keys, already checked with
    `bound_error`) in place of the file's; raises ConfigError when they do not fit the file's
    hardware (a relay wired to a locker the setting no longer has)."""
    sections: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        if key not in SETTING_OWNED:
            raise ConfigError(f"setting '{key}' is not the setting's to change")
        section, _, name = key.partition(".")
        sections.setdefault(section, {})[name] = value
    merged = replace(
        config, **{name: replace(getattr(config, name), **vals) for name, vals in sections.items()}
    )
    _check_pins(merged)
    return merged


def _check_languages(config: Config) -> None:
    """The notice in each offered language: a setting's own text needs its own translations
    (the kiosk's catalogues only translate the default text)."""
    offered, notice = config.kiosk.languages, config.notice
    pairs = [("texts", notice.text, DEFAULT_NOTICE),
             ("quiet_spaces", notice.quiet_space, DEFAULT_QUIET_SPACE)]  # fmt: skip
    for key, own, default in pairs:
        given = getattr(notice, key)
        stray = [code for code in given if code not in offered]
        if stray:
            raise ConfigError(f"setting 'notice.{key}' has {stray[0]!r}, not in kiosk.languages")
        missing = [c for c in offered if c != "en" and c not in given]
        if own != default and missing:  # the setting's own text: it must give each language
            raise ConfigError(
                f"setting 'notice.{key}' needs the setting's text in {missing[0]!r} too "
                "(every language in kiosk.languages)"
            )


# The 40-pin header's SPI buses in BCM numbering: (MISO, MOSI, SCLK), then chip selects CE0, CE1...
SPI_BUS_PINS = {0: ((9, 10, 11), (8, 7)), 1: ((19, 20, 21), (18, 17, 16))}


def _check_reader(reader: ReaderSection) -> None:
    """Rules across the reader's settings (each one's own range is in config_bounds)."""
    if reader.kind != "rc522":
        return
    selects = SPI_BUS_PINS[reader.spi_bus][1]
    if not 0 <= reader.spi_device < len(selects):
        raise ConfigError(
            f"setting 'reader.spi_device' must be 0 to {len(selects) - 1} on SPI{reader.spi_bus}"
        )
    spi = _spi_pins(reader)
    if reader.rst_pin in spi:
        raise ConfigError(
            f"setting 'reader.rst_pin' uses GPIO {reader.rst_pin}, already used by "
            f"{spi[reader.rst_pin]}"
        )


def _spi_pins(reader: ReaderSection) -> dict[int, str]:
    """The pins the RC522's SPI bus takes from everything else, and what each one is.

    SPI0 (`dtparam=spi=on`) always claims both chip selects, GPIO 8 and 7, whichever the reader
    uses; SPI1's overlays claim chip selects up to the one in use (spi1-1cs, -2cs, -3cs)."""
    bus, device = reader.spi_bus, reader.spi_device
    shared, selects = SPI_BUS_PINS[bus]
    used = dict.fromkeys(shared, f"the RC522's SPI bus (SPI{bus})")
    claimed = selects if bus == 0 else selects[: device + 1]
    used |= {pin: f"SPI{bus} CE{n} (reader.spi_bus = {bus})" for n, pin in enumerate(claimed)}
    return used


def _check_pins(config: Config) -> None:
    """Rules across settings: each pin has one use, and relays and doors name real lockers."""
    signals = config.signals
    for key in ("relay_pins", "door_pins"):
        for locker in getattr(signals, key):
            if locker not in config.lockers.ids:
                raise ConfigError(
                    f"setting 'signals.{key}' names locker {locker!r}, not in lockers.ids"
                )
    if not signals.enabled:
        return
    used: dict[int, str] = {}
    if config.reader.kind == "rc522":
        used = _spi_pins(config.reader)
        used[config.reader.rst_pin] = "reader.rst_pin"
    named = [("signals.green_led", signals.green_led), ("signals.red_led", signals.red_led),
             ("signals.buzzer", signals.buzzer)]  # fmt: skip
    named += [(f"signals.relay_pins.{k}", v) for k, v in signals.relay_pins.items()]
    named += [(f"signals.door_pins.{k}", v) for k, v in signals.door_pins.items()]
    for key, pin in named:
        if pin in used:
            raise ConfigError(f"setting '{key}' uses GPIO {pin}, already used by {used[pin]}")
        used[pin] = key


def config_path(cli_path: str | None) -> Path | None:
    """The file to read: --config, then $KIOSK_CONFIG, then /etc/kiosk/kiosk.toml if present."""
    if cli_path:
        return Path(cli_path)
    if os.environ.get("KIOSK_CONFIG"):
        return Path(os.environ["KIOSK_CONFIG"])
    return SYSTEM_CONFIG if SYSTEM_CONFIG.exists() else None


def load_config(cli_path: str | None = None) -> Config:
    """Load the configuration the command line and environment point to (defaults if none)."""
    path = config_path(cli_path)
    if path is None:
        return Config()
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        config = config_from_dict(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return _installed_data_dir(config) if _is_system_config(path) else config


def _is_system_config(path: Path) -> bool:
    return path.resolve() == SYSTEM_CONFIG.resolve()


def _installed_data_dir(config: Config) -> Config:
    """The installed kiosk's data lives in SYSTEM_DATA_DIR unless the file or $KIOSK_DATA_DIR says
    otherwise (not in the home folder of whoever runs the command, nor only under systemd)."""
    if config.kiosk.data_dir or os.environ.get("KIOSK_DATA_DIR"):
        return config
    kiosk = replace(config.kiosk, data_dir=str(SYSTEM_DATA_DIR))
    return replace(config, kiosk=kiosk)
