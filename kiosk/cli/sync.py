"""`kiosk sync` (the kiosk's pusher) and `kiosk records …` (the records service and its keys).

The records commands import the server package only when run, so a kiosk installed without the
`records` extra still has every other command; without it they say what to install.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
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
# How often the loop looks for new taps to push: one indexed read of the kiosk's own database,
# no network, so a tap reaches the service (and the other doors) within about this long.
PENDING_CHECK_S = 0.2


def register(sub: argparse._SubParsersAction[Any]) -> None:
    sync = sub.add_parser(
        "sync", help="push events to the records service and fetch the setting (a loop, or --once)"
    )
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
    from kiosk.clock import SystemClock
    from kiosk.sync.feed import FeedPuller
    from kiosk.sync.pusher import Pusher
    from kiosk.sync.roster import RosterPuller

    settings = push_settings(config)
    if args.once:  # someone is waiting: retry sooner, give up sooner (the loop is the patient one)
        settings = replace(settings, backoff=Backoff(base_s=0.5, cap_s=30.0))
    from kiosk.sync import outbox

    app = app_for(config)
    pusher = Pusher(app.store, settings)
    puller = RosterPuller(pusher, config, SystemClock())
    doors = FeedPuller(app.store, settings)
    try:
        if args.retry_dead:
            print(f"requeued {outbox.requeue_dead(app.store)} dead letters", file=sys.stderr)
        if not args.once:
            return _loop(pusher, puller, doors, config.sync.interval_s)
        code = _once(pusher, puller, app.store, args.json)
        return code or _pull_once(doors)
    finally:
        pusher.close()
        doors.close()
        app.close()


def _once(pusher: Any, puller: Any, store: Any, as_json: bool) -> int:
    from kiosk.sync import outbox

    total = outbox.counts(store)["pending"]
    bar = ProgressBar(total, sys.stderr) if sys.stderr.isatty() and not as_json else None
    # Patient enough to ride out a busy service (429/503) or a lossy link, but not to hang on
    # one that cannot be reached: see ONCE_* above.
    result = pusher.push(max_failures=ONCE_MAX_FAILURES, max_unreachable=ONCE_MAX_UNREACHABLE,
                         on_progress=bar.update if bar else None)  # fmt: skip
    if bar:
        bar.finish()
    # Pushed first: a kiosk's first snapshot waits until its earlier events are all there.
    pulled = puller.pull() if result.finished else None
    if pulled is not None and pulled.outcome == "applied":  # its roster.applied event goes too
        more = pusher.push(max_failures=ONCE_MAX_FAILURES, max_unreachable=ONCE_MAX_UNREACHABLE)
        result.sent += more.sent
        result.dead += more.dead
        result.retries += more.retries
        result.finished, result.last_error = more.finished, more.last_error or result.last_error
    figures = {"sent": result.sent, "dead": result.dead, "retries": result.retries,
               "finished": result.finished, "last_error": result.last_error,
               **{f"now_{k}": v for k, v in outbox.counts(store).items()},
               **_setting_figures(pulled)}  # fmt: skip
    if as_json:
        print_json(figures)
    else:
        print(f"sent {result.sent}, dead {result.dead}, still pending {figures['now_pending']}")
        if pulled is not None:
            print(_setting_line(pulled))
    if not result.finished:
        print(f"kiosk: sync stopped: {result.last_error}; the {figures['now_pending']} pending "
              "events are kept and will be sent later", file=sys.stderr)  # fmt: skip
        return 1
    if pulled is not None and pulled.outcome == "refused":
        print(f"kiosk: the setting's snapshot was refused: {pulled.reason}", file=sys.stderr)
        return 1
    return 0


def _setting_figures(pulled: Any) -> dict[str, Any]:
    if pulled is None:
        return {"setting": None, "setting_version": None, "setting_reason": ""}
    return {"setting": str(pulled.outcome), "setting_version": pulled.version,
            "setting_reason": pulled.reason}  # fmt: skip


def _setting_line(pulled: Any) -> str:
    version = f"version {pulled.version}" if pulled.version else "none (stand-alone)"
    why = f": {pulled.reason}" if pulled.reason else ""
    return f"setting {pulled.outcome}{why}; in use: {version}"


def _pull_once(puller: Any) -> int:
    """The other doors' events, after the push (`--once`)."""
    from kiosk.sync.feed import FeedUnavailable
    from kiosk.sync.feedcheck import FeedRefused

    try:
        puller.pull_all()
    except (FeedUnavailable, FeedRefused) as exc:
        # Not a failed push: the events are sent; a service before API 1.1 has no feed (404).
        print(f"kiosk: the other doors' events were not fetched: {exc}", file=sys.stderr)
    return 0


def _loop(pusher: Any, puller: Any, doors: Any, interval_s: float) -> int:
    """Push new taps as soon as they are recorded, the rest every `interval_s`, then fetch the
    setting (so a badge revoked on the console stops within one interval); the other doors'
    events come in their own thread. SIGTERM from systemd ends both at once (docs/sync.md)."""
    from kiosk.sync import outbox

    def stop(*_: object) -> None:
        pusher.stopped.set()
        doors.stopped.set()

    signal.signal(signal.SIGTERM, stop)
    feed = threading.Thread(target=doors.run, name="sync-feed", daemon=True)
    feed.start()
    reported = float("-inf")
    while not pusher.stopped.is_set():
        # A tap is pushed at once; the status report and the setting's fetch every interval_s.
        due = time.monotonic() - reported >= interval_s
        if due or outbox.has_pending(pusher.store):
            finished = pusher.push(report=due).finished
            if due:
                reported = time.monotonic()
                if finished:  # a first snapshot waits for its events (roster.applied: next)
                    puller.pull()
        pusher.stopped.wait(PENDING_CHECK_S)
    stop()
    with doors.storing:  # a page being stored is stored whole; a long-poll is left behind
        return 0
