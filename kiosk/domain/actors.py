"""Who did an administrative action, as the audit trail names them.

Every `admin.*` event carries an `actor` in its payload: the manager's badge (manager mode at
the kiosk, after badge and PIN), a console account (a change made on the records service's web
page), or the command line as an operating-system user. Staff are named by their number, not
their name, so an erasure of the name leaves the audit trail true and nameless.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Actor = dict[str, Any]


def by_badge(staff_id: int) -> Actor:
    return {"by": "badge", "staff_id": staff_id}


def by_console(account: str) -> Actor:
    return {"by": "console", "account": account}


def by_command_line(user: str) -> Actor:
    return {"by": "command_line", "user": user}


def describe(actor: Mapping[str, Any] | None) -> str:
    """The actor in words, for the audit page and exports."""
    if not actor:
        return "not recorded (before actors were kept)"
    by = actor.get("by")
    if by == "badge":
        return f"manager's badge (staff #{actor.get('staff_id')})"
    if by == "console":
        return f"console account {actor.get('account')}"
    if by == "command_line":
        return f"command line as user {actor.get('user')}"
    return str(by)
