"""The running kiosk's composition root: config → services → badge reader → signals → screens.

Started by `kiosk run`. Kivy is imported here only after its environment is set (`env.prepare`),
and only by this command. The parts start in order and stop in reverse in a `finally`: the
reader first (no more taps), then the signals (pins released), then the database.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from kiosk import display
from kiosk.app import open_running
from kiosk.config import Config
from kiosk.demo import DEMO_STAFF
from kiosk.hardware import keep_gpio_files_in, make_reader, make_signals
from kiosk.sdnotify import Watchdog
from kiosk.ui import env
from kiosk.ui.control import ControlServer, control_socket_path
from kiosk.ui.ports import Ports

log = logging.getLogger(__name__)


def run_kiosk(
    config: Config,
    *,
    size: tuple[int, int] = (800, 480),
    fullscreen: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """Run the kiosk until its window closes or it is told to stop (SIGTERM, Ctrl+C)."""
    started = time.perf_counter()
    headless = not env.has_display()
    if headless and env.wants_kmsdrm():
        log.warning(
            "no screen is connected (%s lists none): running without one; badges are still "
            "recorded. Check the display cable, then: systemctl restart kiosk",
            display.DRM_SYSFS,
        )
    # Kivy's own lines (versions, GL, providers) at INFO drowned ours; its warnings still show.
    # PYTHON mode: Kivy's logger goes through our handler and Kivy leaves the root logger's
    # level and sys.stderr alone (its default mode replaces both).
    os.environ.setdefault("KCFG_KIVY_LOG_LEVEL", "warning")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    env.prepare(headless=headless, size=size)
    if fullscreen and not headless:
        os.environ.setdefault("KCFG_GRAPHICS_FULLSCREEN", "auto")
    app, lock = open_running(config)  # one kiosk per data folder; a damaged database refused
    keep_gpio_files_in(config.data_dir)
    reader = make_reader(config.reader, config.tap_socket_path)
    signals = make_signals(config.signals)
    watchdog = Watchdog()
    control = None
    try:
        from kiosk.ui.kivyapp import Capture, KioskApp
        from kiosk.ui.root import KioskRoot

        def start(root: KioskRoot, capture: Capture) -> None:
            nonlocal control
            signals.on_door_alert, signals.on_door_shut = root.door_alert, root.door_shut
            reader.start(
                root.badge_from_reader, root.health_from_reader, root.two_cards_from_reader
            )
            control = ControlServer(
                control_socket_path(config.tap_socket_path),
                capture.screenshot,
                lambda: str(root.current),
                capture.frames,
            )
            control.start()
            capture.on_drawn.append(lambda: _ready(config, headless, started, out))
            capture.on_drawn.append(lambda: watchdog.ready("home screen shown"))
            _keep_watchdog_fed(watchdog)
            _take_up_setting(app)

        kivy_app = KioskApp(Ports(app, signals), on_start_hook=start)
        _stop_on_sigterm(kivy_app)
        kivy_app.run()
    finally:
        watchdog.stopping()
        if control is not None:
            control.stop()
        reader.stop()
        signals.close()
        app.close()
        lock.release()
    return 0


def _keep_watchdog_fed(watchdog: Watchdog) -> None:
    """Ping systemd from Kivy's own clock: if the main loop hangs, the pings stop and systemd
    restarts the kiosk; a busy loop still reaches its clock and keeps pinging."""
    if watchdog.tick_every_s is None:
        return  # not under systemd's watchdog: no timer at all, so an idle kiosk stays idle
    from kivy.clock import Clock

    Clock.schedule_interval(lambda _dt: watchdog.tick(), watchdog.tick_every_s)


def _take_up_setting(app: Any) -> None:
    """A kiosk with a records service takes up, within a sync interval, the setting's values that
    `kiosk sync` (its own process) applied; its staff and badges are read at every tap anyway."""
    if not app.config.sync.url:
        return  # stand-alone: nothing will change under it, so no timer
    from kivy.clock import Clock

    Clock.schedule_interval(lambda _dt: app.refresh_setting(), app.config.sync.interval_s)


def _stop_on_sigterm(kivy_app: Any) -> None:
    from kivy.clock import Clock

    def handler(_signum: int, _frame: Any) -> None:
        Clock.schedule_once(lambda _dt: kivy_app.stop())

    signal.signal(signal.SIGTERM, handler)


def _ready(config: Config, headless: bool, started: float, out: TextIO) -> None:
    took = time.perf_counter() - started
    print(f"kiosk: home screen drawn {took:.2f} s after start", file=out, flush=True)
    if not headless:
        if config.reader.kind == "simulated":  # the only reader with F1-F4 (demo_keys_allowed)
            keys = ", ".join(f"F{i + 1} {n.split()[0]}" for i, (n, *_) in enumerate(DEMO_STAFF))
            print(f"kiosk: window open; demo badges on keys {keys}", file=out, flush=True)
        return
    command = _env_prefix(config) + kiosk_command()
    shot = shlex.quote(str(config.data_dir / "screen.png"))  # private, not the working directory
    lines = [
        "kiosk: no display, so the kiosk runs offscreen (SDL offscreen driver). Drive it with:",
        f"  {command} tap {DEMO_STAFF[1][3]}",
        f"      present a badge ({DEMO_STAFF[1][0]})",
        f"  {command} screenshot {shot}",
        "      save what the screen shows now",
        "  demo badges: "
        + ", ".join(f"{uid} {name.split()[0]}" for name, _r, _l, uid in DEMO_STAFF),
        "  Ctrl+C stops the kiosk.",
    ]
    print("\n".join(lines), file=out, flush=True)


def kiosk_command() -> str:
    """This kiosk's command as a shell can run it: the `kiosk` script beside this Python (a
    virtual environment's bin/, rarely on PATH), else `python -m kiosk`."""
    script = Path(sys.executable).parent / "kiosk"
    if script.exists():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m kiosk"


def _env_prefix(config: Config) -> str:
    """What to put before `kiosk` so the commands find this kiosk's sockets."""
    parts = []
    for var in ("KIOSK_CONFIG", "KIOSK_DATA_DIR"):
        if os.environ.get(var):
            parts.append(f"{var}={shlex.quote(os.environ[var])}")
    del config
    return " ".join(parts) + " " if parts else ""


def socket_paths(config: Config) -> tuple[Path, Path]:
    return config.tap_socket_path, control_socket_path(config.tap_socket_path)
