"""The `kiosk run` and `kiosk screenshot` commands: the touchscreen kiosk and a look at it.

Kivy is imported only inside `run` (through `kiosk.ui.runner`), so every other command starts
without it. `screenshot` talks to the running kiosk over its control socket.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config import Config
from kiosk.ui.control import ControlError, control_socket_path, request

EXIT_OK, EXIT_FAILED, EXIT_NO_KIOSK = 0, 1, 3


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (use WIDTHxHEIGHT)") from exc
    return width, height


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `run` and `screenshot` to the main command's subcommands."""
    run = sub.add_parser(
        "run",
        help="start the touchscreen kiosk",
        description="Start the kiosk: screens, badge reader and signals. With no display it runs "
        "offscreen; drive it with `kiosk tap UID` and look with `kiosk screenshot FILE`.",
    )
    run.add_argument("--size", type=_size, default=(800, 480), metavar="WxH")
    run.add_argument("--fullscreen", action="store_true", help="fill the screen (on the kiosk)")
    run.set_defaults(func=run_command)
    shot = sub.add_parser(
        "screenshot",
        help="save what the running kiosk's screen shows now (PNG)",
        description="Ask the running kiosk (same user, same data directory) for a screenshot.",
    )
    shot.add_argument("file", type=Path, help="where to write the PNG")
    shot.set_defaults(func=screenshot_command)


def run_command(args: argparse.Namespace, config: Config) -> int:
    from kiosk.ui.runner import run_kiosk

    return run_kiosk(config, size=args.size, fullscreen=args.fullscreen)


def screenshot_command(args: argparse.Namespace, config: Config) -> int:
    target = args.file.expanduser().resolve()
    try:
        request(control_socket_path(config.tap_socket_path), f"SCREENSHOT {target}")
    except ControlError as exc:
        print(f"kiosk screenshot: {exc}", file=sys.stderr)
        no_kiosk = "no kiosk is running" in str(exc)
        return EXIT_NO_KIOSK if no_kiosk else EXIT_FAILED
    print(f"saved {target}")
    return EXIT_OK
