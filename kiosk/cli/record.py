"""`kiosk record …`: every kiosk action from the command line, for a manager recording on someone's
behalf (marked as such in the log) and for scripts. The same rules apply as at the screen."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli.common import acting_person, app_for, local_datetime, read_pin, staff_named
from kiosk.config import Config
from kiosk.domain.types import PolicyError, Reason, VisitorType


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("record", help="record an action on someone's behalf")
    parser.add_argument("--by", help="who is recording this (default: your login name)")
    rsub = parser.add_subparsers(dest="record_command", metavar="ACTION", required=True)
    start = rsub.add_parser("shift-start", help="start a shift, storing devices in a locker")
    start.add_argument("name")
    group = start.add_mutually_exclusive_group(required=True)
    group.add_argument("--devices", help="comma-separated: phone,smartwatch,tablet,other")
    group.add_argument("--no-device", action="store_true", help="no personal device with them")
    start.add_argument("--locker", help="default: their usual locker, else the first free one")
    start.set_defaults(func=cmd_shift_start)
    end = rsub.add_parser("shift-end", help="end a shift and collect devices")
    end.add_argument("name")
    end.set_defaults(func=cmd_shift_end)
    out = rsub.add_parser("device-out", help="take a device out under an exception")
    out.add_argument("name")
    out.add_argument("--device", required=True)
    out.add_argument("--reason", required=True, choices=[r.value for r in Reason])
    out.add_argument("--approver", required=True, help="the approving manager (PIN asked for)")
    out.add_argument("--back-by", help="expected return, HH:MM today or YYYY-MM-DDTHH:MM")
    out.set_defaults(func=cmd_device_out)
    back = rsub.add_parser("device-in", help="put a device back in the locker")
    back.add_argument("name")
    back.add_argument("--device", required=True)
    back.set_defaults(func=cmd_device_in)
    close = rsub.add_parser(
        "close-exception", help="close a device's open exception (not back at shift end)"
    )
    close.add_argument("name", help="whose device it is")
    close.add_argument("--device", required=True)
    close.add_argument("--approver", required=True, help="the closing manager (PIN asked for)")
    close.add_argument("--note", default="", help="what happened to it, e.g. 'returned next day'")
    close.set_defaults(func=cmd_close_exception)
    vin = rsub.add_parser("visitor-in", help="sign a visitor in")
    vin.add_argument("--name", required=True)
    vin.add_argument("--type", choices=[t.value for t in VisitorType], default="visitor")
    vin.add_argument("--organisation", default="")
    vin.add_argument("--visiting", default="")
    vin.add_argument("--lone-working", action="store_true", help="their organisation requires it")
    vin.add_argument("--acknowledged", action="store_true", required=True,
                     help="they have read the phone notice and agreed")  # fmt: skip
    vin.set_defaults(func=cmd_visitor_in)
    vout = rsub.add_parser("visitor-out", help="sign a visitor out by part of their name")
    vout.add_argument("name", help="the first letters of their name")
    vout.set_defaults(func=cmd_visitor_out)


def cmd_shift_start(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    staff_id = staff_named(app, args.name)
    devices = [d.strip() for d in (args.devices or "").split(",") if d.strip()]
    locker = args.locker
    if devices and locker is None:
        locker = app.kiosk.suggest_locker(staff_id)
    done = app.kiosk.start_shift(
        staff_id, devices, no_device=args.no_device, locker=locker, on_behalf=acting_person(args)
    )
    print(done.message)
    return 0


def cmd_shift_end(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    print(app.kiosk.end_shift(staff_named(app, args.name), on_behalf=acting_person(args)).message)
    return 0


def cmd_device_out(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    staff_id = staff_named(app, args.name)
    approver = staff_named(app, args.approver)
    back_by = None
    if args.back_by:
        today = app.ctx.clock.now().astimezone(app.ctx.tz).date()
        back_by = local_datetime(args.back_by, config, today)
    app.kiosk.check_device_out(staff_id, args.device, Reason(args.reason))
    approval = app.kiosk.approvals.verify(approver, read_pin(f"PIN for {args.approver}: "))
    done = app.kiosk.device_out(
        staff_id, args.device, Reason(args.reason), approval,
        expected_return=back_by, on_behalf=acting_person(args),
    )  # fmt: skip
    print(done.message)
    return 0


def cmd_device_in(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    staff_id = staff_named(app, args.name)
    print(app.kiosk.device_in(staff_id, args.device, on_behalf=acting_person(args)).message)
    return 0


def cmd_close_exception(args: argparse.Namespace, config: Config) -> int:
    app = app_for(config)
    owner = staff_named(app, args.name)
    approver = staff_named(app, args.approver)
    approval = app.kiosk.approvals.verify(approver, read_pin(f"PIN for {args.approver}: "))
    done = app.kiosk.close_exception(
        owner, args.device, approval, note=args.note, on_behalf=acting_person(args)
    )
    print(done.message)
    return 0


def cmd_visitor_in(args: argparse.Namespace, config: Config) -> int:
    done = app_for(config).kiosk.visitors.sign_in(
        VisitorType(args.type), args.name, args.organisation, args.visiting,
        acknowledged=args.acknowledged, lone_working=args.lone_working,
        on_behalf=acting_person(args),
    )  # fmt: skip
    print(done.message)
    if args.lone_working:
        print(f"Quiet space shown: {config.notice.quiet_space}")
    return 0


def cmd_visitor_out(args: argparse.Namespace, config: Config) -> int:
    visitors = app_for(config).kiosk.visitors
    matches = visitors.find(args.name)
    if len(matches) != 1:
        raise PolicyError(
            f"{len(matches) or 'No'} signed-in visitors match {args.name!r}; type more of the name."
            if matches else f"No signed-in visitor matches {args.name!r} (type at least "
            f"{config.policy.visitor_search_min_chars} letters; too many matches also finds none)."
        )  # fmt: skip
    print(visitors.sign_out(matches[0].visitor_id, on_behalf=acting_person(args)).message)
    return 0
