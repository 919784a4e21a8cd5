"""The `kiosk hw-check` and `kiosk tap` commands.

This module owns how the hardware is driven from a terminal: the guided check an installer runs
(with questions only when someone is at the terminal) and presenting a badge to a running kiosk's
simulated reader. Both print a line a person can act on and return a non-zero exit code on failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from kiosk import display
from kiosk.config import Config
from kiosk.hardware.reader import HardwareError
from kiosk.hardware.simulated import NoKioskListening, send_tap

if TYPE_CHECKING:
    from kiosk.hardware.hwcheck import PartResult

EXIT_OK, EXIT_FAILED, EXIT_NO_KIOSK, EXIT_USAGE = 0, 1, 3, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `hw-check` and `tap` to the main command's subcommands."""
    check = sub.add_parser(
        "hw-check",
        help="check the badge reader, lights, buzzer and lockers, step by step",
        description="A guided check for whoever installs the kiosk: finds the badge reader, asks "
        "for a badge, lights each LED, sounds the buzzer, pulses each locker latch and reads each "
        "door sensor. Stop the kiosk first (`systemctl stop kiosk`): both use the same hardware.",
    )
    check.add_argument("--tap-timeout", type=float, default=20.0, metavar="S", dest="tap_timeout_s")
    check.add_argument(
        "--json",
        action="store_true",
        help="print the verdicts as JSON on stdout (the running commentary goes to stderr)",
    )
    check.add_argument(
        "--no-questions",
        action="store_true",
        help="drive every part but ask nothing (also the default when stdin is not a terminal)",
    )
    check.add_argument(
        "--quick",
        action="store_true",
        help="what needs nobody at the kiosk (the installer runs this): the reader answers, the "
        "GPIO pins are usable and a screen is connected; no badge, light, sound or latch",
    )
    check.set_defaults(func=hw_check)
    tap = sub.add_parser(
        "tap",
        help="present a badge to the running kiosk (simulated reader)",
        description='Present badge UID to a kiosk running with reader.kind = "simulated", as if '
        "it had been tapped on a reader. Only the kiosk's own user can do this.",
    )
    tap.add_argument("uid", help="the badge UID in hex, e.g. 04A1B2C3D4E5F6 or 04:a1:b2:c3")
    tap.add_argument("--json", action="store_true", help="print the result as JSON")
    tap.set_defaults(func=tap_badge)


def tap_badge(args: argparse.Namespace, config: Config) -> int:
    want_json = bool(args.json)
    try:
        uid = send_tap(config.tap_socket_path, args.uid)
    except ValueError as exc:
        return _fail(want_json, str(exc), EXIT_USAGE)
    except NoKioskListening as exc:
        return _fail(want_json, str(exc), EXIT_NO_KIOSK)
    except (HardwareError, OSError) as exc:
        return _fail(want_json, str(exc), EXIT_FAILED)
    if want_json:
        print(json.dumps({"ok": True, "uid": uid}))
    else:
        print(f"tapped badge {uid}")
    return EXIT_OK


def _fail(want_json: bool, message: str, code: int) -> int:
    if want_json:
        print(json.dumps({"ok": False, "error": message}))
    print(f"kiosk tap: {message}", file=sys.stderr)
    return code


def hw_check(args: argparse.Namespace, config: Config) -> int:
    want_json = bool(args.json)
    # The reader and signal adapters load only for this command, never for `kiosk tap`.
    from kiosk.hardware import keep_gpio_files_in, make_reader, make_signals
    from kiosk.hardware.hwcheck import HwCheck

    interactive = sys.stdin.isatty() and not args.no_questions
    keep_gpio_files_in(config.data_dir)
    signals = make_signals(config.signals)
    try:
        check = HwCheck(
            reader=make_reader(config.reader, config.tap_socket_path),
            reader_kind=config.reader.kind,
            signals=signals,
            section=config.signals,
            out=sys.stderr if want_json else sys.stdout,
            ask=_ask_terminal if interactive else _nobody,
            tap_timeout_s=args.tap_timeout_s,
            quick=args.quick,
            screen=display.describe if args.quick else None,
        )
        results = check.run()
    finally:
        signals.close()
    if want_json:
        rows = [asdict(r) | {"status": r.status.value} for r in results]
        print(json.dumps({"ok": _passed(results), "parts": rows}, indent=2))
    return EXIT_OK if _passed(results) else EXIT_FAILED


def _passed(results: list[PartResult]) -> bool:
    from kiosk.hardware.hwcheck import Status

    return not any(r.status is Status.FAIL for r in results)


def _ask_terminal(question: str) -> bool | None:
    try:
        answer = input(f"{question} [y/n] ")
    except EOFError:
        return None
    return answer.strip().lower().startswith("y")


def _nobody(question: str) -> bool | None:
    del question
    return None
