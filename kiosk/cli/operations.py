"""`kiosk backup`, `restore`, `check`, `erase` and `sar`: keeping the data safe and answering
a person's erasure or access request."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.cli.common import app_for, check_destination, write_private
from kiosk.config import Config

if TYPE_CHECKING:
    from kiosk.domain.privacy_notice import NoticeFacts
    from kiosk.services.operations import OperationsService


def register(sub: argparse._SubParsersAction[Any]) -> None:
    backup = sub.add_parser("backup", help="write a checked backup of the database")
    backup.add_argument("--list", action="store_true", help="list the backups kept, newest first")
    backup.set_defaults(func=cmd_backup)
    restore_p = sub.add_parser("restore", help="put a backup in place (stop the kiosk first)")
    restore_p.add_argument("file", type=Path)
    restore_p.set_defaults(func=cmd_restore)
    check = sub.add_parser(
        "check", help="check the database for damage and the event log's hash chain for tampering"
    )
    check.set_defaults(func=cmd_check)
    erase = sub.add_parser("erase", help="erase a person's details on request; counts are kept")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--visitor", metavar="NAME", help="the visitor's full name")
    who.add_argument("--staff", metavar="NAME", help="a member of staff who has left")
    erase.set_defaults(func=cmd_erase)
    sar = sub.add_parser("sar", help="a subject access request: all held about one person")
    sar.add_argument("name", help="the person's full name (as staff, visitor or parent)")
    sar.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    sar.add_argument("--force", action="store_true", help="replace FILE if it exists")
    sar.set_defaults(func=cmd_sar)
    notice = sub.add_parser("privacy-notice", help="print the privacy notice to hand to a parent")
    notice.add_argument("-o", "--output", type=Path, metavar="FILE", help="write it to FILE")
    notice.add_argument("--force", action="store_true", help="replace FILE if it exists")
    notice.set_defaults(func=cmd_privacy_notice)


def _operations(config: Config) -> OperationsService:
    from kiosk.services.operations import OperationsService

    return OperationsService(app_for(config).ctx)


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    if args.list:
        from kiosk.store.backup import list_backups

        for path in list_backups(config.backup_dir):
            print(path)
        return 0
    _, done = _operations(config).backup()
    print(done.message)
    return 0


def cmd_restore(args: argparse.Namespace, config: Config) -> int:
    from kiosk.app import restore

    app, done = restore(config, args.file)
    app.close()
    print(done.message)
    return 0


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from kiosk.app import check_integrity
    from kiosk.store.chain_check import check_chains

    check_integrity(config)
    print(f"database {config.database_path}: ok")
    app = app_for(config)
    try:
        with app.ctx.reading() as session:
            reports = check_chains(session, config.kiosk.id)
    finally:
        app.close()
    for report in reports:
        print(report.summary())
        for found in report.breaks:
            print(f"  {found}" + (f" (event {found.event_id})" if found.event_id else ""))
    return 1 if any(r.breaks for r in reports) else 0


def cmd_erase(args: argparse.Namespace, config: Config) -> int:
    operations = _operations(config)
    done = (
        operations.erase_visitor(args.visitor)
        if args.visitor
        else operations.erase_staff(args.staff)
    )
    print(done.message)
    return 0


def cmd_sar(args: argparse.Namespace, config: Config) -> int:
    from kiosk.domain.subject_access import render
    from kiosk.services.access import AccessService

    check_destination(args.output, force=args.force)
    app = app_for(config)
    access = AccessService(app.ctx)
    holding = access.gather(args.name)
    held_by = f"{config.kiosk.setting_name} (kiosk {config.kiosk.id})"
    write_private(args.output, render(holding, held_by, app.ctx.tz, app.ctx.clock.now()))
    print(access.record(holding, args.output).message)
    return 0


def notice_facts(config: Config) -> NoticeFacts:
    """A stand-alone kiosk's notice: from its own [privacy] and [retention]."""
    from kiosk.domain.privacy_notice import NoticeFacts

    p, days = config.privacy, config.retention
    return NoticeFacts(
        config.kiosk.setting_name, p.controller, p.contact, p.dpo, p.ico_registration,
        p.lawful_basis, days.visitor_details_days, days.unknown_badge_days,
        days.refused_attempts_days, days.staff_events_days, days.export_files_days,
        config.backup.keep,
    )  # fmt: skip


def cmd_privacy_notice(args: argparse.Namespace, config: Config) -> int:
    from kiosk.domain.privacy_notice import plain_text

    text = plain_text(notice_facts(config))
    if args.output is None:
        print(text)
        return 0
    check_destination(args.output, force=args.force)
    args.output.write_text(text, encoding="utf-8")  # public: meant to be handed out
    print(f"Privacy notice written to {args.output}.")
    return 0
