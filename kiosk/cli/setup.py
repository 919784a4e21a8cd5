"""`kiosk init`: create or upgrade the database, optionally with the demo setting."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.config import Config


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("init", help="create or upgrade the database (safe to run again)")
    parser.add_argument("--demo", action="store_true", help="add demo staff, badges and a manager")
    parser.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace, config: Config) -> int:
    from kiosk.app import initialise

    app, done = initialise(config, demo=args.demo)
    app.close()
    print(done.message)
    if args.demo:
        from kiosk.demo import DEMO_MANAGER_PIN, DEMO_STAFF

        print("Demo staff (badge UID): " + ", ".join(f"{n} ({uid})" for n, _, _, uid in DEMO_STAFF))
        print(f"Demo manager PIN: {DEMO_MANAGER_PIN} (change it: kiosk manager pin NAME)")
    return 0
