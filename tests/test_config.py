"""Configuration: defaults, the search order, and refusals that name the key and suggest a fix."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from kiosk.config import Config, ConfigError, bound_error, load_config
from kiosk.config_bounds import BOUNDS
from tests.conftest import write_config

EXAMPLE = Path(__file__).parent.parent / "kiosk" / "kiosk.example.toml"


def test_defaults_need_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setattr("kiosk.config.SYSTEM_CONFIG", tmp_path / "absent.toml")
    config = load_config(None)
    assert config == Config()
    assert config.kiosk.timezone == "Europe/London"
    assert config.devices.kinds == ["phone", "smartwatch", "tablet", "other"]


def test_the_shipped_example_loads_and_matches_the_defaults() -> None:
    assert load_config(str(EXAMPLE)) == Config()


def test_search_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "env.toml"
    env_file.write_text('[kiosk]\nid = "from-env"\n')
    cli_file = tmp_path / "cli.toml"
    cli_file.write_text('[kiosk]\nid = "from-cli"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(env_file))
    assert load_config(None).kiosk.id == "from-env"
    assert load_config(str(cli_file)).kiosk.id == "from-cli"


# Reader settings that cannot work on a Pi: pins the SPI bus takes, gains the chip has not got.
READER_REFUSALS = [
    (
        "[reader]\nkind = 'rc522'\n[signals]\nbuzzer = 7\n",
        "'signals.buzzer' uses GPIO 7, already used by SPI0 CE1 (reader.spi_bus = 0)",
    ),
    (
        "[reader]\nkind = 'rc522'\nspi_bus = 1\nspi_device = 1\n",
        "'signals.green_led' uses GPIO 17, already used by SPI1 CE1 (reader.spi_bus = 1)",
    ),
    (
        "[reader]\nkind = 'rc522'\nspi_bus = 1\n[signals]\nred_led = 20\n",
        "'signals.red_led' uses GPIO 20, already used by the RC522's SPI bus (SPI1)",
    ),
    (
        "[reader]\nkind = 'rc522'\nrst_pin = 8\n[signals]\nenabled = false\n",
        "'reader.rst_pin' uses GPIO 8, already used by SPI0 CE0",
    ),
    ("[reader]\nkind = 'rc522'\nspi_bus = 2\n", "'reader.spi_bus' must be one of 0, 1, got 2"),
    ("[reader]\nkind = 'rc522'\nspi_device = 2\n", "'reader.spi_device' must be 0 to 1"),
    (
        "[reader]\nantenna_gain_db = 40\n",
        "'reader.antenna_gain_db' must be one of 18, 23, 33, 38, 43, 48, got 40",
    ),
    ("[reader]\nhid_byte_order = 'little'\n", "must be one of forward, reversed"),
    ("[reader]\nhid_key_gap_s = 0\n", "'reader.hid_key_gap_s' must be between 0.02 and 5"),
]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[kiosk]\nsetting_nmae = 'x'\n",
            "unknown setting 'kiosk.setting_nmae' (did you mean 'setting_name'?)",
        ),
        ("[polcy]\ndebounce_s = 1\n", "unknown section [polcy] (did you mean 'policy'?)"),
        (
            "[policy]\ndebounce_s = 'fast'\n",
            "setting 'policy.debounce_s' must be float, got str 'fast'",
        ),
        ("[policy]\npin_max_failures = true\n", "setting 'policy.pin_max_failures' must be int"),
        ("[lockers]\nids = [1, 2]\n", "setting 'lockers.ids' must be list[str]"),
        ("[kiosk]\ntimezone = 'Europe/Londn'\n", "unknown time zone 'Europe/Londn'"),
        ("[kiosk]\nclosing_time = '6pm'\n", "must be HH:MM"),
        ("[reader]\nkind = 'nfc'\n", "setting 'reader.kind' must be one of simulated, rc522, hid"),
        ("[signals]\nrelay_pins = { '99' = 5 }\n", "names locker '99', not in lockers.ids"),
        ("[kiosk\n", "is not valid TOML"),
        ("[signals]\npin_factory = 'gpio'\n", "'signals.pin_factory' must be one of"),
        (
            "[signals]\nbuzzer = 17\n",
            "'signals.buzzer' uses GPIO 17, already used by signals.green_led",
        ),
        (
            "[reader]\nkind = 'rc522'\n[signals]\nred_led = 10\n",
            "GPIO 10, already used by the RC522's SPI bus",
        ),
        ("[devices]\nkinds = ['=phone']\n", "'=phone' must be letters, digits"),
        ("[lockers]\nids = ['A 1']\n", "'A 1' must be letters, digits"),
        ("kiosk = 3\n", "[kiosk] must be a table"),
        *READER_REFUSALS,
    ],
)
def test_bad_config_is_refused_with_a_clear_message(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_int_is_accepted_where_a_float_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[policy]\ndebounce_s = 2\n")
    value = load_config(str(path)).policy.debounce_s
    assert value == 2.0
    assert isinstance(value, float)


def test_missing_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nope.toml"))


def test_the_installed_config_puts_every_command_on_the_service_s_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sudo -u kiosk kiosk …` (no $STATE_DIRECTORY, $HOME is /var/lib/kiosk) and kiosk.service
    (KIOSK_CONFIG=/etc/kiosk/kiosk.toml) must open the same database: the unit's StateDirectory."""
    system = write_config(tmp_path / "kiosk.toml", EXAMPLE.read_text())
    monkeypatch.setattr("kiosk.config.SYSTEM_CONFIG", system)
    monkeypatch.setattr("kiosk.config.SYSTEM_DATA_DIR", tmp_path / "state")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("KIOSK_CONFIG", "KIOSK_DATA_DIR", "STATE_DIRECTORY", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    as_the_operator = load_config(None)
    monkeypatch.setenv("KIOSK_CONFIG", str(system))
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    as_the_service = load_config(None)
    assert as_the_operator.database_path == tmp_path / "state" / "kiosk.db"
    assert as_the_service.database_path == as_the_operator.database_path
    # Another file (a developer's, a test's) keeps the per-user default.
    monkeypatch.delenv("STATE_DIRECTORY")
    other = write_config(tmp_path / "mine.toml", "")
    assert load_config(str(other)).data_dir == tmp_path / "home" / ".local" / "share" / "kiosk"


# Twelve senseless values, each refused with its key named (issue 16).
SENSELESS = [
    ("retention.visitor_details_days", 0, "must be between 1 and 366 days, got 0"),
    ("policy.pin_max_failures", 0, "must be between 1 and 20, got 0"),
    ("sync.batch_size", 0, "must be between 1 and 1000, got 0"),
    ("signals.green_led", 999, "must be between 2 and 27, got 999"),
    ("lockers.ids", [], "must list 1 to 500 values, got 0"),
    ("devices.kinds", [], "must list 1 to 20 values, got 0"),
    ("policy.visitor_search_min_chars", 1, "must be between 2 and 10, got 1"),
    ("policy.pin_lockout_s", -5, "must be between 30 and 86400 seconds, got -5"),
    ("sync.interval_s", 0.0, "must be between 0.1 and 3600 seconds, got 0.0"),
    ("kiosk.setting_name", "", "must be 1 to 100 characters, got 0"),
    ("signals.relay_pins", {"1": 40}, "must be between 2 and 27, got 40"),
    ("sync.url", "ftp://records", "must be an http:// or https:// address"),
    ("kiosk.idle_timeout_s", 0.5, "must be between 5 and 3600 seconds, got 0.5"),
    ("notice.text", "line one\nline two", "must not contain control characters"),
    ("kiosk.id", "a/b", "'a/b' must be letters, digits"),
]


def _toml_value(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {v}' for k, v in value.items()) + " }"
    if isinstance(value, str):
        return '"' + value.replace("\n", "\\n") + '"'
    return repr(value).replace("'", '"')


@pytest.mark.parametrize(("key", "value", "message"), SENSELESS)
def test_a_senseless_value_in_the_file_is_refused_naming_the_key(
    tmp_path: Path, key: str, value: object, message: str
) -> None:
    section, _, name = key.partition(".")
    path = tmp_path / "kiosk.toml"
    path.write_text(f"[{section}]\n{name} = {_toml_value(value)}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert f"setting '{key}' " in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.parametrize(("key", "value", "message"), SENSELESS)
def test_bound_error_gives_the_console_the_same_refusal(
    key: str, value: object, message: str
) -> None:
    error = bound_error(key, value)
    assert error is not None
    assert error.startswith(f"setting '{key}' ")
    assert message in error


def _every_setting() -> list[tuple[str, object]]:
    defaults = Config()
    return [
        (f"{section.name}.{f.name}", getattr(getattr(defaults, section.name), f.name))
        for section in dataclasses.fields(Config)
        for f in dataclasses.fields(typing.get_type_hints(Config)[section.name])
    ]


def test_every_setting_has_bounds_and_every_bound_is_a_setting() -> None:
    assert sorted(key for key, _ in _every_setting()) == sorted(BOUNDS)


@pytest.mark.parametrize(("key", "default"), _every_setting())
def test_every_default_is_within_its_bounds(key: str, default: object) -> None:
    assert bound_error(key, default) is None


def test_bound_error_names_unknown_keys_and_wrong_types() -> None:
    assert bound_error("policy.pin_max_failure", 3) == (
        "unknown setting 'policy.pin_max_failure' (did you mean 'policy.pin_max_failures'?)"
    )
    assert bound_error("policy.pin_max_failures", 2.5) == (
        "setting 'policy.pin_max_failures' must be int, got float 2.5"
    )
    assert bound_error("policy.pin_max_failures", "5") is not None
    assert bound_error("policy.pin_max_failures", 20) is None
    assert bound_error("policy.pin_max_failures", 21) is not None


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[kiosk]\nlanguages = ['en', 'fr']\n", "'kiosk.languages' must be one of"),
        ("[kiosk]\nlanguages = []\n", "'kiosk.languages' must list 1 to 7 values, got 0"),
        ("[notice]\ntexts = { pl = 'Telefony' }\n", "'notice.texts' has 'pl', not in kiosk"),
        (
            "[kiosk]\nlanguages = ['en', 'pl']\n[notice]\ntext = 'Our own notice.'\n",
            "'notice.texts' needs the setting's text in 'pl' too",
        ),
        (
            "[display]\ndiagonal_in = 70.0\n",
            "'display.diagonal_in' must be between 3 and 32 inches",
        ),
        (
            "[display]\ndpi = 20\n",
            "'display.dpi' must be between 50 and 600 dots per inch, got 20 (or 0)",
        ),
    ],
)
def test_languages_and_display_are_checked(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert message in str(caught.value)


def test_a_setting_offering_languages_gives_its_own_notice_in_each(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        "[kiosk]\nlanguages = ['en', 'pl']\n"
        "[notice]\ntext = 'Our own notice.'\ntexts = { pl = 'Nasze ogłoszenie.' }\n"
        "quiet_space = 'The office.'\nquiet_spaces = { pl = 'Biuro.' }\n"
        "versions = { pl = '2026-09-pl1' }\n"
    )
    config = load_config(str(path))
    assert config.notice.texts == {"pl": "Nasze ogłoszenie."}
    assert config.notice.versions == {"pl": "2026-09-pl1"}


def test_spi1_with_one_chip_select_leaves_the_others_free(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[reader]\nkind = 'rc522'\nspi_bus = 1\n[signals]\nbuzzer = 16\n")
    assert load_config(str(path)).signals.buzzer == 16  # spi1-1cs claims GPIO 18 only
