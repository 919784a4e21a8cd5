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


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[kiosk]\nlanguages = ['en', 'fr']\n", "'kiosk.languages' must list codes from en, pl"),
        ("[kiosk]\nlanguages = []\n", "'kiosk.languages' must list codes"),
        ("[notice]\ntexts = { pl = 'Telefony' }\n", "'notice.texts' has 'pl', not in kiosk"),
        (
            "[kiosk]\nlanguages = ['en', 'pl']\n[notice]\ntext = 'Our own notice.'\n",
            "'notice.texts' needs the setting's text in 'pl' too",
        ),
        ("[display]\ndiagonal_in = 70.0\n", "'display.diagonal_in' must be the panel's diagonal"),
        ("[display]\ndpi = 20\n", "'display.dpi' must be 0 (from the diagonal) or 50-600"),
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
