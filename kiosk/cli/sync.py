"""`kiosk sync` (the kiosk's pusher) and `kiosk records …` (the records service and its keys).

The records commands import the server package only when run, so a kiosk installed without the
`records` extra still has every other command; without it they say what to install.
"""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import replace
from typing import Any

from kiosk.cli.common import app_for, print_json, private_text
from kiosk.cli.progress import ProgressBar
from kiosk.config import Config
from kiosk.domain.types import PolicyError
from kiosk.sync.backoff import Backoff

# `kiosk sync --once` gives up after ONCE_MAX_UNREACHABLE tries in a row that made no connection
# (refused, unknown host, connect timeout, untrusted certificate: about a second when offline,
# plus a connect timeout each where packets vanish), or ONCE_MAX_FAILURES failures in a row of
# any kind (a busy service, a flaky link). Every batch that gets through starts the count again.
ONCE_MAX_UNREACHABLE = 3
ONCE_MAX_FAILURES = 12


def register(sub: argparse._SubParsersAction[Any]) -> None:
    sync = sub.add_parser("sync", help="push events to the records service (a loop, or --once)")
    sync.add_argument("--once", action="store_true",
                      help="push what is pending now, then exit (1 if it had to stop: after "
                           f"{ONCE_MAX_UNREACHABLE} tries in a row that cannot connect, or "
                           f"{ONCE_MAX_FAILURES} failures in a row)")  # fmt: skip
    sync.add_argument("--retry-dead", action="store_true", help="requeue dead letters first")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(func=cmd_sync)
    records = sub.add_parser("records", help="the manager's records service")
    rsub = records.add_subparsers(dest="records_command", metavar="ACTION", required=True)
    from kiosk.cli import records as records_cli

    records_cli.register(rsub)


def push_settings(config: Config) -> Any:
    from kiosk.sync.pusher import PushSettings

    sync = config.sync
    if not sync.url:
        raise PolicyError("sync is not configured: set sync.url and sync.token_file")
    return PushSettings(url=sync.url, kiosk_id=config.kiosk.id, token=read_token(sync.token_file),
                        ca_file=sync.ca_file, allow_plain_http=sync.allow_plain_http,
                        batch_size=sync.batch_size)  # fmt: skip


def read_token(path: str) -> str:
    """The kiosk's bearer token, from a file only its owner can read: anyone who can read it can
    write this kiosk's records, so a file open to the group or others is refused, not used."""
    return private_text(path, "sync.token_file", "this kiosk's secret")


def cmd_sync(args: argparse.Namespace, config: Config) -> int:
    from kiosk.sync.pusher import Pusher

    settings = push_settings(config)
    if args.once:  # someone is waiting: retry sooner, give up sooner (the loop is the patient one)
        settings = replace(settings, backoff=Backoff(base_s=0.5, cap_s=30.0))
    from kiosk.sync import outbox

    app = app_for(config)
    pusher = Pusher(app.store, settings)
    try:
        if args.retry_dead:
            print(f"requeued {outbox.requeue_dead(app.store)} dead letters", file=sys.stderr)
        if not args.once:
            return _loop(pusher, config.sync.interval_s)
        return _once(pusher, app.store, args.json)
    finally:
        pusher.close()
        app.close()


def _once(pusher: Any, store: Any, as_json: bool) -> int:
    from kiosk.sync import outbox

    total = outbox.counts(store)["pending"]
    bar = ProgressBar(total, sys.stderr) if sys.stderr.isatty() and not as_json else None
    # Patient enough to ride out a busy service (429/503) or a lossy link, but not to hang on
    # one that cannot be reached: see ONCE_* above.
    result = pusher.push(max_failures=ONCE_MAX_FAILURES, max_unreachable=ONCE_MAX_UNREACHABLE,
                         on_progress=bar.update if bar else None)  # fmt: skip
    if bar:
        bar.finish()
    figures = {"sent": result.sent, "dead": result.dead, "retries": result.retries,
               "finished": result.finished, "last_error": result.last_error,
               **{f"now_{k}": v for k, v in outbox.counts(store).items()}}  # fmt: skip
    if as_json:
        print_json(figures)
    else:
        print(f"sent {result.sent}, dead {result.dead}, still pending {figures['now_pending']}")
    if not result.finished:
        print(f"kiosk: sync stopped: {result.last_error}; the {figures['now_pending']} pending "
              "events are kept and will be sent later", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def _loop(pusher: Any, interval_s: float) -> int:
    # Runs as its own service (docs/sync.md): SIGTERM from systemd ends the current wait at once.
    signal.signal(signal.SIGTERM, lambda *_: pusher.stopped.set())
    while not pusher.stopped.is_set():
        pusher.push()
        pusher.stopped.wait(interval_s)
    return 0
