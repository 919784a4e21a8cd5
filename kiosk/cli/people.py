"""`kiosk staff …` and `kiosk manager pin`: who works here, their badges and managers' PINs."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from kiosk.cli.common import app_for, print_json, read_pin, staff_named
from kiosk.config import Config
from kiosk.domain.types import Role


def register(sub: argparse._SubParsersAction[Any]) -> None:
    staff = sub.add_parser("staff", help="add, list and manage staff and their badges")
    ssub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = ssub.add_parser("add", help="add a member of staff")
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.STAFF.value)
    add.add_argument("--locker", help="their usual locker")
    add.set_defaults(func=cmd_add)
    lst = ssub.add_parser("list", help="list staff")
    lst.add_argument("--all", action="store_true", help="include people who have left")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)
    badge = ssub.add_parser("badge", help="enrol a badge to a person")
    badge.add_argument("name")
    badge.add_argument("uid", help="badge UID in hex, e.g. 04A1B2C3")
    badge.set_defaults(func=cmd_badge)
    revoke = ssub.add_parser("revoke", help="cancel a lost or returned badge")
    revoke.add_argument("uid")
    revoke.set_defaults(func=cmd_revoke)
    leave = ssub.add_parser("leave", help="a person leaves: inactive, badges revoked")
    leave.add_argument("name")
    leave.set_defaults(func=cmd_leave)
    manager = sub.add_parser("manager", help="managers' PINs")
    msub = manager.add_subparsers(dest="manager_command", metavar="ACTION", required=True)
    pin = msub.add_parser("pin", help="set a manager's PIN (asked for, never on the command line)")
    pin.add_argument("name")
    pin.set_defaults(func=cmd_pin)


def cmd_add(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    print(app.admin.add_staff(args.name, Role(args.role), args.locker).message)
    return 0


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    rows = app_for(config).admin.list_staff(include_inactive=args.all)
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    for r in rows:
        flags = [r.role] + ([] if r.active else ["left"]) + (["PIN set"] if r.has_pin else [])
        locker = f"locker {r.locker}" if r.locker else "no usual locker"
        badges = ", ".join(r.badges) or "no badge"
        print(f"{r.staff_id:>4}  {r.name:<30} {'/'.join(flags):<18} {locker:<16} {badges}")
    return 0


def cmd_badge(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    print(app.admin.enrol_badge(staff_named(app, args.name), args.uid).message)
    return 0


def cmd_revoke(args: argparse.Namespace, config: Config) -> int:
    print(app_for(config).admin.revoke_badge(args.uid).message)
    return 0


def cmd_leave(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    print(app.admin.staff_leaves(staff_named(app, args.name)).message)
    return 0


def cmd_pin(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    staff_id = staff_named(app, args.name)
    pin = read_pin("New PIN (6-8 digits): ", confirm=True)
    print(app.kiosk.approvals.set_pin(staff_id, pin).message)
    return 0
