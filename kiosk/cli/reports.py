"""`kiosk onsite`, `status`, `export` and `purge`: what the manager reads and keeps."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kiosk.cli.common import app_for, check_destination, parse_date, print_json
from kiosk.cli.progress import ProgressBar
from kiosk.config import Config
from kiosk.domain.types import PolicyError
from kiosk.export import ExportRequest, ExportScope

if TYPE_CHECKING:
    from kiosk.services.rollcall import RollCall


def register(sub: argparse._SubParsersAction[Any]) -> None:
    onsite = sub.add_parser("onsite", help="who is on site now, and which devices are out")
    onsite.add_argument("--json", action="store_true")
    onsite.set_defaults(func=cmd_onsite)
    status = sub.add_parser("status", help="the kiosk's health: database, sync queue, clock")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    export = sub.add_parser("export", help="export events to a CSV file for Excel")
    export.add_argument("--from", dest="start", type=parse_date, required=True, metavar="DATE")
    export.add_argument("--to", dest="end", type=parse_date, required=True, metavar="DATE")
    export.add_argument("--what", choices=[s.value for s in ExportScope], default="all")
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
    export.set_defaults(func=cmd_export)
    purge = sub.add_parser("purge", help="apply the retention policy (erase what is due)")
    purge.add_argument("--dry-run", action="store_true", help="only say what would be purged")
    purge.add_argument("--json", action="store_true")
    purge.set_defaults(func=cmd_purge)


def cmd_onsite(args: argparse.Namespace, config: Config) -> int:
    roll = app_for(config).kiosk.roll_call.now()
    if args.json:
        print_json(roll.as_json())
    else:
        print_roll_call(roll, ZoneInfo(config.kiosk.timezone))
    return 0


def print_roll_call(roll: RollCall, tz: ZoneInfo) -> None:
    def hhmm(moment: Any) -> str:
        return str(moment.astimezone(tz).strftime("%H:%M")) if moment else "-"

    print(f"On site at {hhmm(roll.at)}: {len(roll.staff)} staff, {len(roll.visitors)} visitors")
    for s in roll.staff:
        stored = ", ".join(s.stored) or "none"
        locker = f"locker {s.locker}" if s.locker else "no locker"
        print(f"  staff    {s.name:<28} since {hhmm(s.since)}  {locker}: {stored}")
        for d in s.out:
            late = "  OVERDUE" if d.overdue else ""
            print(f"           {d.device} OUT ({d.reason}, approved by {d.approver}) "
                  f"back by {hhmm(d.expected_return)}{late}")  # fmt: skip
    for v in roll.visitors:
        lone = "  [lone working: quiet space]" if v.lone_working else ""
        org = f" ({v.organisation})" if v.organisation else ""
        print(f"  {v.visitor_type:<8} {v.name}{org} since {hhmm(v.since)}{lone}")
    for o in roll.overdue:
        print(f"  OVERDUE  {o.name}: {o.device} ({o.kind}) due {hhmm(o.due)}")
    for e in roll.equipment:
        late = f"  OVERDUE ({e.late})" if e.late else ""
        what = f"{e.kind} {e.label}: with {e.name} ({e.purpose})"
        print(f"  SETTING'S {what} since {hhmm(e.since)}{late}")
    for x in roll.exceptions:
        ended = x.since.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        print(
            f"  OPEN     {x.name}: {x.device} not back at shift end {ended} (a manager closes it)"
        )


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    # Not through the app: the figures need neither SQLAlchemy nor the services (issue 16).
    from kiosk.clock import SystemClock
    from kiosk.status import kiosk_status

    status = kiosk_status(config, SystemClock())
    if args.json:
        print_json(status)
        return 0
    sync = status["sync"]
    print(f"kiosk {status['kiosk_id']}: {status['events']} events, last seq {status['last_seq']}")
    print(f"database {status['database']} ({status['database_bytes'] // 1024} KiB)")
    if sync["enabled"]:
        print(f"sync on: {sync['pending']} waiting, {sync['sent']} sent, {sync['dead']} refused")
        version = sync["setting_version"]
        own = "staff and policy: this kiosk's own (no setting fetched from the service yet)"
        print(f"staff and policy from the records service, version {version}" if version else own)
    else:
        print("sync off: every event is kept on this kiosk only (set [sync] url to send them)")
    print(f"clock {'synchronised' if status['clock_synced'] else 'NOT synchronised (check NTP)'}")
    return 0


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    if args.end < args.start:
        raise PolicyError("--to is before --from")
    check_destination(args.output, force=args.force)
    request = ExportRequest(args.start, args.end, ExportScope(args.what), args.output)
    from kiosk.services.exports import ExportService

    exports = ExportService(app_for(config).ctx)
    bar = ProgressBar(exports.count(request), sys.stderr) if sys.stderr.isatty() else None
    done = exports.export(request, bar.update if bar else None)
    if bar:
        bar.finish()
    print(done.message)
    return 0


def cmd_purge(args: argparse.Namespace, config: Config) -> int:
    from kiosk.retention import RetentionService

    counts, done = RetentionService(app_for(config).ctx).purge(dry_run=args.dry_run)
    if args.json:
        print_json({"dry_run": args.dry_run, **asdict(counts)})
    elif done is None:
        print(f"Would erase {counts.visitors_erased} visitors' details and remove "
              f"{counts.unknown_badge_events_removed} unknown-badge, "
              f"{counts.staff_events_removed} staff and {counts.refused_events_removed} "
              f"refused-badge or wrong-PIN events and {counts.export_files_removed} "
              "old export files.")  # fmt: skip
    else:
        print(done.message)
    return 0
