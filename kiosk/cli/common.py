"""Small helpers the subcommands share: opening the app, printing JSON, reading dates and PINs."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import stat
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import Config, ConfigError
from kiosk.domain.types import PolicyError, StaffId

if TYPE_CHECKING:
    from kiosk.app import App


def app_for(config: Config) -> App:
    # Imported here, with SQLAlchemy, only by the commands that open the database.
    from kiosk.app import open_app

    return open_app(config)


def staff_named(app: App, name: str) -> StaffId:
    """The staff member a command names (full name or a unique start of it)."""
    from kiosk.services.lookup import find_staff

    with app.ctx.reading() as session:
        return StaffId(find_staff(session, name).id)


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from exc


def read_pin(prompt: str, *, confirm: bool = False) -> str:
    """A PIN from the terminal (hidden), or from stdin for scripts: one line, or with `confirm`
    the PIN once or twice (as the terminal asks), every line read and a second one checked."""
    if not sys.stdin.isatty():
        if not confirm:
            return sys.stdin.readline().strip()
        return _piped_pin(sys.stdin.read())
    pin = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != pin:
        raise PolicyError("The two PINs are not the same.")
    return pin


def _piped_pin(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > 2:
        raise PolicyError(
            f"Give the PIN on one line, or twice to confirm it (got {len(lines)} lines)."
        )
    if len(lines) == 2 and lines[0] != lines[1]:
        raise PolicyError("The two PINs are not the same.")
    return lines[0]


def acting_person(args: argparse.Namespace) -> str:
    """Who is recording on someone's behalf, for the log: --by, else the login name."""
    by: str | None = getattr(args, "by", None)
    return by or f"cli:{getpass.getuser()}"


def local_datetime(text: str, config: Config, today: date) -> datetime:
    """'HH:MM' today or a full ISO date-time, in the setting's time zone."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(config.kiosk.timezone)
    try:
        if len(text) <= 5 and ":" in text:
            hh, mm = text.split(":")
            return datetime(today.year, today.month, today.day, int(hh), int(mm), tzinfo=tz)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise PolicyError(f"{text!r} is not a time (use HH:MM or YYYY-MM-DDTHH:MM)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def private_text(path: str, name: str, holds: str) -> str:
    """A secret from a file only its owner may read (a file open to others is refused)."""
    try:
        with open(path, encoding="utf-8") as handle:
            mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
            if mode & 0o077:
                raise ConfigError(
                    f"{name} {path!r} is mode {mode:04o}, readable by others: it holds "
                    f"{holds}, so only its owner may read it (chmod 600 {path})"
                )
            return handle.read().strip()
    except OSError as exc:
        raise PolicyError(f"cannot read {name} {path!r}: {exc.strerror}") from None


def check_destination(path: Path, *, force: bool) -> None:
    """A file a command is about to write: a regular file, replaced only when asked."""
    if path.exists() and not path.is_file():
        raise PolicyError(f"{path} is not a regular file; choose a file name")
    if path.exists() and not force:
        raise PolicyError(f"{path} exists; use --force to replace it")
    if not path.parent.is_dir():
        raise PolicyError(f"folder {path.parent} does not exist")


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (it holds personal data), complete or not at all."""
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
