"""Configuration: defaults, the search order, and refusals that name the key and suggest a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import Config, ConfigError, load_config

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
    ("[reader]\nkind = 'rc522'\nspi_bus = 2\n", "'reader.spi_bus' must be 0 or 1"),
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


def test_spi1_with_one_chip_select_leaves_the_others_free(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[reader]\nkind = 'rc522'\nspi_bus = 1\n[signals]\nbuzzer = 16\n")
    assert load_config(str(path)).signals.buzzer == 16  # spi1-1cs claims GPIO 18 only
