"""What every service needs (store, config, clock) and the one way they write: `recording`, which
turns a database or disk failure into `NotRecorded` so no caller ever shows a tick for it."""

from __future__ import annotations

import getpass
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.domain.actors import Actor, by_command_line
from kiosk.domain.shifts import OutLimits
from kiosk.domain.types import EventKind, PolicyError
from kiosk.errors import NotRecorded, StoreError
from kiosk.store import events
from kiosk.store.db import Store
from kiosk.store.models import Event

log = logging.getLogger(__name__)

# What a screen shows as "not saved": a failed write, or a database that cannot be read. Named
# here so the UI can catch them without importing the store.
NOT_SAVED_ERRORS: tuple[type[Exception], ...] = (NotRecorded, StoreError)


@dataclass(frozen=True)
class Recorded:
    """Proof that an event is durably committed: only this may turn into a tick on screen."""

    event_id: str
    seq: int
    kind: str
    occurred_at: datetime
    message: str = ""
    subject_id: int | None = None  # the staff member or visitor the event is about


def os_user() -> str:
    """The operating-system user running this process (its uid if it has no name)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid {os.getuid()}"


@dataclass
class ServiceContext:
    store: Store
    config: Config
    clock: Clock
    # Who administrative events name as having done them: the command line as this process's
    # user, until a manager enters manager mode at the screen (ApprovalService).
    actor: Actor = field(default_factory=lambda: by_command_line(os_user()))
    # The setting snapshot version this kiosk runs on; None: stand-alone, administered here.
    setting_version: int | None = None

    def refuse_if_managed(self) -> None:
        """A managed kiosk's staff, badges and PINs are the console's: changed there only."""
        if self.setting_version is not None:
            console = self.config.sync.url.rstrip("/") + "/manager"
            raise PolicyError(
                "This kiosk takes its staff from the records service: make this change on "
                f"the console ({console})."
            )

    @property
    def kiosk_id(self) -> str:
        return self.config.kiosk.id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.kiosk.timezone)

    @property
    def closing(self) -> time:
        hh, mm = self.config.kiosk.closing_time.split(":")
        return time(int(hh), int(mm))

    def out_limits(self) -> OutLimits:
        policy = self.config.policy
        return OutLimits(
            emergency=timedelta(minutes=policy.emergency_max_min),
            home_visit=timedelta(minutes=policy.home_visit_max_min),
            virtual_course=timedelta(minutes=policy.virtual_course_max_min),
        )

    def local_hhmm(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%H:%M")

    def local_day_hhmm(self, moment: datetime) -> str:
        """For what may be days old (an open exception): 'Tue 24 Nov 17:05'."""
        return moment.astimezone(self.tz).strftime("%a %d %b %H:%M")

    @contextmanager
    def recording(self) -> Iterator[Session]:
        """A write transaction whose storage failures surface as NotRecorded."""
        try:
            with self.store.transaction() as session:
                yield session
        except (SQLAlchemyError, OSError) as exc:
            log.error("write failed, nothing recorded: %s", type(exc).__name__)
            raise NotRecorded(str(exc)) from exc

    @contextmanager
    def reading(self) -> Iterator[Session]:
        try:
            with self.store.reading() as session:
                yield session
        except SQLAlchemyError as exc:
            log.error("read failed: %s", type(exc).__name__)
            raise StoreError(f"cannot read the database: {exc}") from exc

    def append(self, session: Session, kind: EventKind, **fields: Any) -> Event:
        if kind.value.startswith("admin."):
            fields["payload"] = {**(fields.get("payload") or {}), "actor": dict(self.actor)}
        return events.append(session, self.clock, self.kiosk_id, kind, **fields)


def recorded(event: Event, message: str = "") -> Recorded:
    subject = event.staff_id if event.staff_id is not None else event.visitor_id
    return Recorded(event.id, event.seq, event.kind, event.occurred_at, message, subject)


def mark_on_behalf(payload: dict[str, object], on_behalf: str | None) -> None:
    """Actions recorded for someone else (by a manager, from the CLI) say so in the log."""
    if on_behalf:
        payload["on_behalf"] = True
        payload["recorded_by"] = on_behalf
