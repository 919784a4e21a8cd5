"""Two cards held to the RC522 at once (a badge in a wallet with a bank card): the screen says
"One card at a time, please" with the refusal signal, and the person's half-finished choices are
kept. The real reader runs on the emulated chip, wired to the screens as `kiosk run` wires it."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.app import App
from kiosk.config import SignalsSection
from kiosk.domain.types import EventKind
from kiosk.hardware.rc522 import Rc522Reader
from kiosk.hardware.signals import GpioSignals
from kiosk.ui.ports import Ports
from tests.conftest import BEN_UID
from tests.hardware.fake_pi import install_fake_pi
from tests.hardware.mfrc522_emulator import Card
from tests.ui.conftest import events
from tests.ui.test_faults import wait_until


def test_two_cards_say_one_card_at_a_time_and_keep_the_screen(
    app: App, make_screen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gpiozero.pins.mock import MockFactory

    pi = install_fake_pi(monkeypatch)
    factory = MockFactory()
    section = SignalsSection()
    signals = GpioSignals(section, factory)
    reader = Rc522Reader(poll_interval_s=0.02)
    try:
        screen = make_screen(app, Ports(app, signals))
        root = screen.root
        reader.start(root.badge_from_reader, root.health_from_reader, root.two_cards_from_reader)
        screen.badge(BEN_UID)
        screen.wait_for("shift_start")
        screen.press_text("Phone")
        red = factory.pin(section.red_led)
        lit_before = sum(state.state for state in red.states)
        pi.chip.place(Card(bytes.fromhex("DEADBEEF")), Card(bytes.fromhex("04A1B2C3D4E5F6"), sak=0))
        screen.wait_for("problem", timeout_s=10)
        assert "One card at a time, please" in screen.texts()
        wait_until(screen, lambda: sum(state.state for state in red.states) > lit_before)
        assert events(app, EventKind.BADGE_UNKNOWN) == []  # neither card was taken for a badge
        screen.press("ok")  # "Try again": back to the choices as they were
        screen.wait_for("shift_start")
        screen.press("start")
        screen.wait_for("done")
        assert events(app, EventKind.SHIFT_START)[-1].payload["devices"] == ["phone"]
    finally:
        reader.stop()
        signals.close()
        factory.reset()
