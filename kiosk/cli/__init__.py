"""The `kiosk` command: one entry point, a subcommand per job, the same services as the screen.

Errors become one clear line on stderr and an exit code a script can test: 1 for something the
policy or the input does not allow, 2 for a mistake in the command line, 3 for a configuration or
database problem. Nothing is half-written: each action is one transaction.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from kiosk.cli import hardware, operations, people, policy, record, reports, setup, sync, ui
from kiosk.config import ConfigError, load_config
from kiosk.domain.types import PolicyError
from kiosk.errors import NotRecorded, StoreError

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_BROKEN = 3


class OneLineParser(argparse.ArgumentParser):
    """A mistake on the command line is one line on stderr, as for every other refusal; the
    whole usage is a `--help` away. Subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="kiosk",
        description="Device check-in kiosk for early-years settings.",
        epilog="Config: --config, else $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml, else defaults.",
    )
    parser.add_argument("--config", metavar="FILE", help="TOML configuration file")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (setup, people, record, reports, policy, operations, hardware, sync, ui):
        module.register(sub)
    return parser


# What each kind of failure means for a script reading the exit code.
FAILURES: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigError, EXIT_BROKEN),
    (PolicyError, EXIT_REFUSED),
    (NotRecorded, EXIT_BROKEN),
    (StoreError, EXIT_BROKEN),
    (OSError, EXIT_BROKEN),  # a file the command writes or reads (export destination)
    (KeyboardInterrupt, EXIT_REFUSED),
)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="kiosk: %(levelname)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage and the error (or --help)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        config = load_config(args.config)
        return int(args.func(args, config))
    except (ConfigError, PolicyError, NotRecorded, StoreError, OSError, KeyboardInterrupt) as exc:
        return _fail(describe(exc), next(code for kind, code in FAILURES if isinstance(exc, kind)))


def describe(exc: BaseException) -> str:
    if isinstance(exc, ConfigError):
        return f"configuration: {exc}"
    if isinstance(exc, NotRecorded):
        return f"{exc} ({exc.detail})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename or 'file'}: {exc.strerror}"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted; nothing half-written"
    return str(exc)


def _fail(message: str, code: int) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def run() -> None:
    sys.exit(main())
