"""The running kiosk's composition root: config → services → badge reader → signals → screens.

Started by `kiosk run`. Kivy is imported here only after its environment is set (`env.prepare`),
and only by this command. The parts start in order and stop in reverse in a `finally`: the
reader first (no more taps), then the signals (pins released), then the database.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from kiosk.app import check_integrity, open_app
from kiosk.config import Config
from kiosk.demo import DEMO_STAFF
from kiosk.hardware import make_reader, make_signals
from kiosk.sdnotify import Watchdog
from kiosk.store.lock import RunLock
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
    # Kivy's own lines (versions, GL, providers) at INFO drowned ours; its warnings still show.
    # PYTHON mode: Kivy's logger goes through our handler and Kivy leaves the root logger's
    # level and sys.stderr alone (its default mode replaces both).
    os.environ.setdefault("KCFG_KIVY_LOG_LEVEL", "warning")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    env.prepare(headless=headless, size=size)
    if fullscreen and not headless:
        os.environ.setdefault("KCFG_GRAPHICS_FULLSCREEN", "auto")
    lock = RunLock(config.data_dir)
    lock.acquire("start a second time")  # one kiosk per data folder; restore waits for this
    try:
        check_integrity(config)  # a damaged database: refuse, and name the newest backup
        app = open_app(config)
    except BaseException:
        lock.release()
        raise
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
    if watchdog.interval_s is None:
        return  # not under systemd's watchdog: no timer at all, so an idle kiosk stays idle
    from kivy.clock import Clock

    Clock.schedule_interval(lambda _dt: watchdog.tick(), watchdog.interval_s / 2)


def _stop_on_sigterm(kivy_app: Any) -> None:
    from kivy.clock import Clock

    def handler(_signum: int, _frame: Any) -> None:
        Clock.schedule_once(lambda _dt: kivy_app.stop())

    signal.signal(signal.SIGTERM, handler)


def _ready(config: Config, headless: bool, started: float, out: TextIO) -> None:
    took = time.perf_counter() - started
    print(f"kiosk: home screen drawn {took:.2f} s after start", file=out, flush=True)
    if not headless:
        keys = ", ".join(f"F{i + 1} {name.split()[0]}" for i, (name, *_) in enumerate(DEMO_STAFF))
        print(f"kiosk: window open; demo badges on keys {keys}", file=out, flush=True)
        return
    prefix = _env_prefix(config)
    lines = [
        "kiosk: no display, so the kiosk runs offscreen (SDL offscreen driver). Drive it with:",
        f"  {prefix}kiosk tap {DEMO_STAFF[1][3]}        present a badge ({DEMO_STAFF[1][0]})",
        f"  {prefix}kiosk screenshot screen.png   save what the screen shows now",
        "  demo badges: "
        + ", ".join(f"{uid} {name.split()[0]}" for name, _r, _l, uid in DEMO_STAFF),
        "  Ctrl+C stops the kiosk.",
    ]
    print("\n".join(lines), file=out, flush=True)


def _env_prefix(config: Config) -> str:
    """What to put before `kiosk` so the commands find this kiosk's sockets."""
    parts = []
    for var in ("KIOSK_CONFIG", "KIOSK_DATA_DIR"):
        if os.environ.get(var):
            parts.append(f"{var}={os.environ[var]}")
    del config
    return " ".join(parts) + " " if parts else ""


def socket_paths(config: Config) -> tuple[Path, Path]:
    return config.tap_socket_path, control_socket_path(config.tap_socket_path)
