"""`kiosk records serve | migrate | token … | manager …`: running the records service and managing
who may use it. Server modules are imported inside each handler, so the `records` extra is needed
only by the machine that runs the service."""

from __future__ import annotations

import argparse
import gc
import getpass
import ipaddress
import logging
import os
import sys
from typing import Any
from urllib.parse import urlsplit

from kiosk.cli.common import print_json, private_text
from kiosk.config import Config
from kiosk.domain.types import PolicyError
from kiosk.sync.contract import KIOSK_ID_PATTERN

DEFAULT_URL = "sqlite:///records.sqlite3"
DB_HELP = (
    "sqlite:///FILE or postgresql://… with no password in it (default: $KIOSK_RECORDS_DB, else "
    "the URL in the file $KIOSK_RECORDS_DB_FILE, else ./records.sqlite3)"
)


def register(rsub: argparse._SubParsersAction[Any]) -> None:
    serve = rsub.add_parser("serve", help="run the records service (API and manager's page)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--trusted-proxy", action="append", default=[], metavar="ADDRESS",
        help="a reverse proxy whose X-Forwarded-For/-Proto are believed (repeatable); the "
        "session cookie is Secure when it says the request came over HTTPS",
    )  # fmt: skip
    serve.set_defaults(func=cmd_serve)
    prune = rsub.add_parser("prune", help="apply the retention policy now (serve does it daily)")
    prune.set_defaults(func=cmd_prune)
    migrate = rsub.add_parser("migrate", help="create or upgrade the records database")
    migrate.set_defaults(func=cmd_migrate)
    token = rsub.add_parser("token", help="kiosks' bearer tokens")
    tsub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    add = tsub.add_parser("add", help="issue a token for a kiosk (printed once)")
    add.add_argument("kiosk_id")
    add.set_defaults(func=cmd_token_add)
    listing = tsub.add_parser("list", help="tokens issued (never their text)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_token_list)
    revoke = tsub.add_parser("revoke", help="revoke a kiosk's tokens (or one, with --id)")
    revoke.add_argument("kiosk_id")
    revoke.add_argument("--id", type=int, dest="token_id")
    revoke.set_defaults(func=cmd_token_revoke)
    manager = rsub.add_parser("manager", help="manager accounts for the web page")
    msub = manager.add_subparsers(dest="manager_command", metavar="ACTION", required=True)
    madd = msub.add_parser(
        "add", help="add an organisation admin (the first account), or set an account's password"
    )
    madd.add_argument("name")
    madd.add_argument(
        "--organisation", default="", metavar="NAME",
        help="the organisation's name, when this creates it (a group or a nursery)",
    )  # fmt: skip
    madd.set_defaults(func=cmd_manager_add)
    for parser in (serve, prune, migrate, add, listing, revoke, madd):
        parser.add_argument("--db", metavar="URL", help=DB_HELP)
    for parser in (serve, prune):
        _retention_args(parser)


def _retention_args(parser: argparse.ArgumentParser) -> None:
    for flag, default, what in (
        ("--visitor-days", 30, "visitors' names erased"),
        ("--unknown-badge-days", 30, "unknown-badge events removed"),
        ("--events-days", 400, "all events removed"),
    ):
        help_text = f"{what} this many days after they arrived (default {default})"
        parser.add_argument(flag, type=int, default=default, metavar="DAYS", help=help_text)


def _retention(args: argparse.Namespace) -> Any:
    from kiosk.sync.server.retention import Retention

    if min(args.visitor_days, args.unknown_badge_days, args.events_days) < 1:
        raise PolicyError("retention periods are whole days, at least 1")
    return Retention(
        visitor_details_days=args.visitor_days,
        unknown_badge_days=args.unknown_badge_days,
        events_days=args.events_days,
    )


def database_url(given: str | None) -> str:
    """The records database's URL. A password is never taken from the command line, where `ps`
    and the shell's history show it: from $KIOSK_RECORDS_DB, or a file only its owner reads
    ($KIOSK_RECORDS_DB_FILE), or not at all (PostgreSQL's own ~/.pgpass or peer login)."""
    if given:
        if urlsplit(given).password:
            raise PolicyError(
                "--db must not hold a password (the command line is visible to every user): "
                "put the URL in $KIOSK_RECORDS_DB or in a file only you can read, named by "
                "$KIOSK_RECORDS_DB_FILE, or use ~/.pgpass"
            )
        return given
    if os.environ.get("KIOSK_RECORDS_DB"):
        return os.environ["KIOSK_RECORDS_DB"]
    if os.environ.get("KIOSK_RECORDS_DB_FILE"):
        path = os.environ["KIOSK_RECORDS_DB_FILE"]
        return private_text(path, "KIOSK_RECORDS_DB_FILE", "the database's password")
    return DEFAULT_URL


def _engine(args: argparse.Namespace, *, migrate: bool = True) -> Any:
    try:
        from kiosk.sync.server import db
    except ImportError as exc:
        raise PolicyError(
            f"the records service is not installed ({exc.name} missing): "
            "pip install 'nursery-kiosk[records]'"
        ) from None
    engine = db.make_engine(database_url(args.db))
    if migrate:
        db.upgrade(engine)
    db.check_current(engine)
    return engine


def cmd_migrate(args: argparse.Namespace, config: Config) -> int:
    from kiosk.sync.server.db import SCHEMA_HEAD, describe

    engine = _engine(args)
    print(f"records database {describe(engine)} is at schema {SCHEMA_HEAD}")
    return 0


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    import uvicorn

    from kiosk.sync.server.access import LOGGER as ACCESS_LOGGER
    from kiosk.sync.server.app import Settings, create_app

    engine = _engine(args)
    proxies = tuple(_address(a) for a in args.trusted_proxy)
    app = create_app(engine, Settings(trusted_proxies=proxies, retention=_retention(args)))
    quieten_gc()
    # Our access log, not uvicorn's: its lines carry the query string, where filters hold names.
    # uvicorn's own proxy-header handling is off too: the service decides whom to believe.
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", server_header=False,
                access_log=False, proxy_headers=False)  # fmt: skip
    return 0


def cmd_prune(args: argparse.Namespace, config: Config) -> int:
    from kiosk.sync.server.retention import prune

    pruned = prune(_engine(args), _retention(args))
    print(
        f"visitors' details erased: {pruned.visitors_erased}; unknown-badge events removed: "
        f"{pruned.unknown_badge_events}; refused-badge and wrong-PIN events removed: "
        f"{pruned.refused_events}; events past the limit removed: {pruned.old_events}; "
        f"idempotency keys removed: {pruned.idempotency_keys}; expired web sessions removed: "
        f"{pruned.web_sessions}"
    )
    return 0


def quieten_gc() -> None:
    """Validating a batch of 1,000 events makes ~50,000 short-lived objects; at the default
    threshold (700) the collector ran ~70 times a batch, each time also walking the thousands of
    objects made at start-up, ~10 ms a batch in all. Start-up objects live for ever: freeze them,
    and collect the young generation less often (measured: 207 ms -> 5 ms of GC per 20 batches)."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise PolicyError(f"--trusted-proxy {text!r} is not an IP address") from None


def cmd_token_add(args: argparse.Namespace, config: Config) -> int:
    import re

    from kiosk.sync.server.tokens import add_token

    if not re.fullmatch(KIOSK_ID_PATTERN, args.kiosk_id):
        raise PolicyError("a kiosk id is letters, digits, '.', '_' or '-' (at most 64)")
    token = add_token(_engine(args), args.kiosk_id)
    print(token)
    print("Put this in the kiosk's sync.token_file; it is not shown again.", file=sys.stderr)
    return 0


def cmd_token_list(args: argparse.Namespace, config: Config) -> int:
    from dataclasses import asdict

    from kiosk.sync.server.tokens import list_tokens

    rows = list_tokens(_engine(args))
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    for r in rows:
        state = f"revoked {r.revoked_at}" if r.revoked_at else "live"
        print(f"{r.id:>4}  {r.kiosk_id:<24} issued {r.created_at}  {state}")
    return 0


def cmd_token_revoke(args: argparse.Namespace, config: Config) -> int:
    from kiosk.sync.server.tokens import revoke_tokens

    count = revoke_tokens(_engine(args), args.kiosk_id, args.token_id)
    if count == 0:
        raise PolicyError(f"no live token for kiosk {args.kiosk_id!r} to revoke")
    print(f"revoked {count} token(s) of {args.kiosk_id}")
    return 0


def cmd_manager_add(args: argparse.Namespace, config: Config) -> int:
    from kiosk.sync.server.managers import MIN_PASSWORD, set_password

    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            raise PolicyError("The two passwords are not the same.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < MIN_PASSWORD:
        raise PolicyError(f"a password needs at least {MIN_PASSWORD} characters")
    user = f"command line ({getpass.getuser()})"
    engine = _engine(args)
    try:
        set_password(engine, args.name, password, organisation=args.organisation, actor=user)
    finally:
        engine.dispose()  # closed here, not left to the collector (the command may run in-process)
    print(f"{args.name} can now log in at /manager (organisation admin unless set otherwise)")
    return 0
