"""`kiosk equipment …` and `kiosk policy load`: the setting's own cameras and tablets, and its
policy reference data, on a stand-alone kiosk (a kiosk with a records service gets them from the
setting's console). Every change goes through the same check-all-then-write path."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kiosk.cli.common import app_for, print_json
from kiosk.config import Config
from kiosk.domain.equipment import KINDS
from kiosk.domain.types import PolicyError


def register(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "equipment", help="the setting's own cameras and tablets (never personal)"
    )
    esub = parser.add_subparsers(dest="equipment_command", metavar="ACTION", required=True)
    listing = esub.add_parser("list", help="the register, and who has each piece now")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    add = esub.add_parser("add", help="add a piece to the register")
    add.add_argument("kind", choices=KINDS)
    add.add_argument("label", help="what it says on it, e.g. 'Camera 1'")
    add.add_argument("--asset-tag", default="", help="the setting's asset number")
    add.add_argument("--tag", help="the RFID tag stuck on it (tap it to sign it out or in)")
    add.set_defaults(func=cmd_add)
    retire = esub.add_parser("retire", help="take a piece out of the register (its records stay)")
    retire.add_argument("label")
    retire.set_defaults(func=cmd_retire)
    policy = sub.add_parser("policy", help="the setting's policy reference data")
    psub = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    load = psub.add_parser("load", help="apply a policy reference file (JSON), all or nothing")
    load.add_argument("file", type=Path)
    load.set_defaults(func=cmd_load)


def _current(config: Config) -> list[dict[str, Any]]:
    app = app_for(config)
    return [{"id": line.item.equipment_id, "kind": line.item.kind, "label": line.item.label,
             "asset_tag": line.item.asset_tag, "tag_uid": line.item.tag_uid}
            for line in app.kiosk.equipment.lines()]  # fmt: skip


def _apply(config: Config, data: dict[str, Any]) -> int:
    from kiosk.services.reference import apply_policy_reference

    print(apply_policy_reference(app_for(config).ctx, data).message)
    return 0


def cmd_list(args: argparse.Namespace, config: Config) -> int:
    lines = app_for(config).kiosk.equipment.lines()
    rows = [{"label": x.item.label, "kind": x.item.kind, "asset_tag": x.item.asset_tag,
             "tag": x.item.tag_uid, "with": x.holder, "purpose": x.purpose, "since": x.since,
             "overdue": x.late} for x in lines]  # fmt: skip
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        where = f"with {row['with']} ({row['purpose']})" if row["with"] else "in the office"
        late = f"  OVERDUE: {row['overdue']}" if row["overdue"] else ""
        print(f"{row['label']:<20} {row['kind']:<8} {row['asset_tag']:<10} {where}{late}")
    return 0


def cmd_add(args: argparse.Namespace, config: Config) -> int:
    current = _current(config)
    ident = max((row["id"] for row in current), default=0) + 1
    entry = {"id": ident, "kind": args.kind, "label": args.label, "asset_tag": args.asset_tag,
             "tag_uid": args.tag}  # fmt: skip
    return _apply(config, {"equipment": [*current, entry]})


def cmd_retire(args: argparse.Namespace, config: Config) -> int:
    current = _current(config)
    kept = [row for row in current if row["label"].casefold() != args.label.casefold()]
    if len(kept) == len(current):
        raise PolicyError(f"No piece of the setting's equipment is labelled {args.label!r}.")
    return _apply(config, {"equipment": kept})


def cmd_load(args: argparse.Namespace, config: Config) -> int:
    try:
        data = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PolicyError(f"Cannot read {args.file}: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{args.file} must hold a JSON object (the policy reference section).")
    return _apply(config, data)
