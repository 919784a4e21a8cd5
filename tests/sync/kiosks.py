"""Kiosk databases for the sync tests: the demo setting plus as many events as a test needs, and
a TOML config pointing `kiosk sync` at a records service."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from kiosk.app import App, initialise
from kiosk.clock import ManualClock
from kiosk.config import Config, KioskSection, SyncSection
from kiosk.domain.types import EventKind
from kiosk.store import events
from kiosk.store.models import Event, Staff
from tests.conftest import MORNING


def make_kiosk(root: Path, kiosk_id: str, url: str = "", token: str = "") -> App:
    token_file = root / f"{kiosk_id}.token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)  # `kiosk sync` refuses a token file others can read
    config = Config(
        kiosk=KioskSection(id=kiosk_id, data_dir=str(root / kiosk_id)),
        sync=SyncSection(url=url, token_file=str(token_file), batch_size=100),
    )
    app, _ = initialise(config, ManualClock(MORNING), demo=True)
    return app


def add_events(app: App, count: int, *, per_tx: int = 5000) -> None:
    """`count` more events, alternately about each demo staff member (so subjects are named)."""
    clock = ManualClock(MORNING)
    with app.store.reading() as session:
        staff = list(session.scalars(select(Staff.id)))
    done = 0
    while done < count:
        with app.store.transaction() as session:
            for i in range(done, min(count, done + per_tx)):
                clock.advance(1)
                kind = EventKind.BADGE_REFUSED
                events.append(
                    session,
                    clock,
                    app.config.kiosk.id,
                    kind,
                    staff_id=staff[i % len(staff)],
                    payload={"uid": f"{i:08X}", "why": "test"},
                )
        done = min(count, done + per_tx)


def kiosk_ids(app: App) -> set[str]:
    with app.store.reading() as session:
        return set(session.scalars(select(Event.id)))


def sync_counts(app: App) -> dict[str, int]:
    with app.store.reading() as session:
        rows = session.execute(select(Event.sync_state, func.count()).group_by(Event.sync_state))
        return {state: int(n) for state, n in rows}


def write_config(app: App, path: Path, url: str, **sync: object) -> Path:
    lines = [
        "[kiosk]",
        f'id = "{app.config.kiosk.id}"',
        f'data_dir = "{app.config.kiosk.data_dir}"',
        "[sync]",
        f'url = "{url}"',
        f'token_file = "{app.config.sync.token_file}"',
        *(f"{k} = {v!r}".replace("'", '"') for k, v in sync.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path
