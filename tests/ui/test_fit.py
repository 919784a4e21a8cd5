"""Screens that fit the panel: every screen rendered at each supported panel size with the fit
check (nothing past the window's edge, every button at least 9 mm), and what each fix is for:
twelve lockers in view, readable disabled buttons, a long setting name whole, the keyboard's
digits and signs, and the demo keys kept to the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, DisplaySection, KioskSection, ReaderSection
from kiosk.domain.types import EventKind
from tests.conftest import BEN_UID, CHLOE_UID, MORNING
from tests.ui.conftest import events

ROOT = Path(__file__).resolve().parents[2]


def clean_env() -> dict[str, str]:
    """This environment without the test window's Kivy/SDL settings: the gallery sets its own."""
    drop = ("KIVY_", "KCFG_", "SDL_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


@pytest.mark.parametrize("size", ["800x480", "1024x600", "1280x800"])
def test_every_screen_fits_each_7_inch_panel(size: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.ui.gallery", str(tmp_path), "--size", size],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "16-sign-out-start.png" in shots and "16-visitor-returning.png" in shots
    assert len(shots) == 30  # 25-26: the roll call; 02-agreement, 05-equipment (issue 13)


@pytest.mark.parametrize("size", ["800x480", "1024x600", "1280x800"])
def test_the_visitor_screens_fit_in_every_language(size: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.ui.gallery", str(tmp_path), "--size", size,
         "--languages", "all"],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    for code in ("en", "pl", "ro", "ur", "pa", "bn", "ar"):
        assert len(list((tmp_path / code).glob("*.png"))) == 8, code


def test_the_fit_check_finds_a_cut_widget_and_a_small_target(window: Any) -> None:
    from kivy.uix.button import Button
    from kivy.uix.widget import Widget

    from kiosk.ui import fit

    page = Widget(size=window.size)
    page.add_widget(Button(text="Cancel", pos=(10, window.height - 20), size=(150, 56)))
    page.add_widget(Button(text="x", pos=(10, 10), size=(30, 30)))
    page.add_widget(Button(text="fine", pos=(200, 100), size=(150, 64)))
    found = sorted(fit.problems(page, window.size))
    assert len(found) == 2, found
    assert "'Cancel' is cut by the window's edge" in found[0]
    assert "'x' is 5.7 mm, under 9 mm" in found[1]


def test_panel_dpi_from_the_diagonal_or_as_configured() -> None:
    from kiosk.ui import display

    official = display.panel_dpi((800, 480), DisplaySection())
    assert official == pytest.approx(display.REFERENCE_DPI)
    assert display.panel_dpi((1024, 600), DisplaySection()) == pytest.approx(169.5, abs=0.1)
    assert display.panel_dpi((1280, 800), DisplaySection(diagonal_in=10.1)) == pytest.approx(
        149.4, abs=0.1
    )
    assert display.panel_dpi((1024, 600), DisplaySection(dpi=160.0)) == 160.0


def test_twelve_lockers_all_show_at_800x480_and_the_last_can_be_chosen(
    app: App, screen: Any
) -> None:
    screen.badge("9C8D7E6F")  # Priya: no assigned locker, so every free one is offered
    screen.wait_for("shift_start")
    screen.frames(2)
    lockers = screen.current.ids.lockers
    assert len(lockers.children) == 12  # nobody is on shift: every locker is free
    scroller = lockers.parent
    assert lockers.height <= scroller.height + 1  # nothing hidden behind a scroll
    for toggle in lockers.children:
        x, y = toggle.to_window(toggle.x, toggle.y)
        assert x >= 0 and x + toggle.width <= 800 and y >= 0 and y + toggle.height <= 480
    screen.press_text("Phone")
    screen.press_text("12")
    screen.press("start")
    screen.wait_for("done")
    (started,) = events(app, EventKind.SHIFT_START)
    assert started.payload["locker"] == "12"


def contrast(rgb_a: tuple[float, ...], rgb_b: tuple[float, ...]) -> float:
    def luminance(rgb: tuple[float, ...]) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def drawn_contrast(widget: Any) -> float:
    """Contrast between a widget's commonest drawn colour (its background) and the pixel most
    unlike it (its text), read back from the rendered texture."""
    from collections import Counter

    pixels = widget.export_as_image().texture.pixels
    colours = Counter(tuple(pixels[i : i + 3]) for i in range(0, len(pixels), 4))
    background = colours.most_common(1)[0][0]
    back = tuple(c / 255 for c in background)
    return max(contrast(back, tuple(c / 255 for c in colour)) for colour in colours)


def test_a_disabled_button_is_still_readable(app: App, screen: Any) -> None:
    from tests.ui.test_staff import start_shift

    start_shift(screen, CHLOE_UID, ("Phone",))
    screen.press("ok")
    app.ctx.clock.advance(60)  # past the debounce: a new tap, not a repeat
    screen.badge(CHLOE_UID)
    screen.wait_for("on_shift")
    put_back = screen.current.ids.put_back
    assert put_back.disabled  # nothing is out
    assert drawn_contrast(put_back) >= 4.5
    assert drawn_contrast(screen.current.ids.take_out) >= 4.5


@pytest.fixture
def long_named(tmp_path: Path) -> Iterator[App]:
    name = "The Little Acorns Day Nursery and Pre-School of St Mary's Church Hall"
    config = Config(kiosk=KioskSection(data_dir=str(tmp_path / "long"), setting_name=name))
    app, _ = initialise(config, ManualClock(MORNING), demo=True)
    yield app
    app.close()


def test_a_long_setting_name_is_shown_whole(long_named: App, make_screen: Any) -> None:
    screen = make_screen(long_named)
    screen.frames(2)
    label = screen.current.ids.setting
    drawn = " ".join(word.text for line in label._label._cached_lines for word in line.words)
    assert " ".join(drawn.split()) == long_named.config.kiosk.setting_name
    assert label.texture_size[1] <= label.height + 1


def test_the_keyboard_types_digits_and_the_signs_of_rooms(app: App, screen: Any) -> None:
    screen.press("visitor")
    screen.wait_for("visitor_notice")
    screen.press("parent")
    screen.wait_for("visitor_details")
    screen.type("SAM JONES")
    screen.press("next")  # parents skip the organisation: now whom they visit
    screen.type("ROOM ")
    screen.touch(screen.current.ids.keyboard.key_widget("digits"))
    screen.type("2 & 3/4@")
    screen.touch(screen.current.ids.keyboard.key_widget("letters"))
    screen.type("X")
    assert screen.current.ids.keyboard.text == "Room 2 & 3/4@x"


@pytest.fixture
def with_real_reader(tmp_path: Path) -> Iterator[App]:
    config = Config(
        kiosk=KioskSection(data_dir=str(tmp_path / "rc522")), reader=ReaderSection(kind="rc522")
    )
    app, _ = initialise(config, ManualClock(MORNING), demo=True)
    yield app
    app.close()


F2 = 283


def test_function_keys_present_demo_badges_only_with_the_simulated_reader(
    app: App, with_real_reader: App, make_screen: Any, window: Any
) -> None:
    from kiosk.ui.kivyapp import DemoKeys

    for kiosk_app, expected in ((with_real_reader, "home"), (app, "shift_start")):
        screen = make_screen(kiosk_app)
        keys = DemoKeys.attach(screen.root)
        try:
            window.dispatch("on_key_down", F2, 0, None, [])
            screen.frames(2)
            assert screen.name == expected
        finally:
            if keys is not None:
                keys.close()
    assert BEN_UID  # F2 is Ben's badge in the demo
