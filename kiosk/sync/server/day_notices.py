"""Event-day notices on the console: the manager schedules a different visitor notice for a date
(e.g. the Christmas concert: parents may photograph their own child, for personal use only, not
shared on social media); the kiosks show it on that day instead of the usual one. Same rules as
the notices (setting_admin.py): a version names one text, so a version already used for other
words is refused; the roster version is bumped and the change audited."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.notices import DayNotice, check_day_notices
from kiosk.domain.types import PolicyError
from kiosk.sync.server import audit
from kiosk.sync.server.clock import now_text
from kiosk.sync.server.registry import bump_roster
from kiosk.sync.server.setting_admin import VERSION
from kiosk.sync.server.tenancy import EventDayNotice, Setting


def today_in(setting: Setting) -> date:
    return datetime.now(ZoneInfo(setting.timezone)).date()


def day_notices_of(session: Session, setting_id: int, *, from_day: date) -> list[EventDayNotice]:
    mine = EventDayNotice.setting_id == setting_id
    query = select(EventDayNotice).where(mine, EventDayNotice.on_date >= from_day.isoformat())
    return list(session.scalars(query.order_by(EventDayNotice.on_date)))


def schedule(
    session: Session, setting: Setting, actor: audit.Actor, *,
    on_date: str, title: str, version: str, body: str,
) -> None:  # fmt: skip
    try:
        day = date.fromisoformat(on_date.strip())
    except ValueError:
        raise PolicyError("The date is a date, e.g. 2026-12-18.") from None
    if day < today_in(setting):
        raise PolicyError("That day has passed: an event-day notice is for today or later.")
    version, body = version.strip(), body.replace("\r\n", "\n").strip()
    if not VERSION.fullmatch(version):
        raise PolicyError("A version is letters, digits, '.', '_' or '-' (at most 32).")
    check_day_notices([DayNotice(day, " ".join(title.split()), version, body)])
    same = select(EventDayNotice).where(EventDayNotice.setting_id == setting.id)
    for other in session.scalars(same):
        if other.on_date == day.isoformat():
            raise PolicyError(f"{day} has a notice already: cancel it first.")
        if other.version == version and other.body != body:
            raise PolicyError(
                f"Version {version} is another text: a changed text needs a new version."
            )
    session.add(EventDayNotice(setting_id=setting.id, on_date=day.isoformat(),
                               title=" ".join(title.split()), version=version, body=body,
                               created_at=now_text(), created_by=actor.name))  # fmt: skip
    bump_roster(session, setting.id)
    audit.record(session, actor, "day_notice_schedule", setting.id, date=day.isoformat(),
                 version=version)  # fmt: skip


def cancel(session: Session, setting: Setting, actor: audit.Actor, notice_id: int) -> bool:
    row = session.get(EventDayNotice, notice_id)
    if row is None or row.setting_id != setting.id:
        return False
    session.delete(row)
    bump_roster(session, setting.id)
    audit.record(session, actor, "day_notice_cancel", setting.id, date=row.on_date)
    return True
