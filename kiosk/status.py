"""The kiosk's health at a glance (`kiosk status`, the home screen's marks, the manager's screen):
events and the sync queue, the database, the clock. Standard library only, so the command answers
quickly; see `kiosk.store.figures`."""

from __future__ import annotations

from typing import Any

from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.store.figures import read_figures


def kiosk_status(config: Config, clock: Clock) -> dict[str, Any]:
    path = config.database_path
    figures = read_figures(path)
    return {
        "kiosk_id": config.kiosk.id,
        "database": str(path),
        "database_bytes": path.stat().st_size if path.exists() else 0,
        "staff": figures.staff,
        "events": sum(figures.by_state.values()),
        "last_seq": figures.last_seq,
        "last_event_at": figures.last_event_at,
        "sync": {
            "enabled": bool(config.sync.url),
            "pending": figures.by_state.get("pending", 0),
            "sent": figures.by_state.get("sent", 0),
            "dead": figures.by_state.get("dead", 0),
            # The setting's snapshot in use: managed when sync is on and there is one.
            "setting_version": figures.setting_version if config.sync.url else None,
        },
        "clock_synced": clock.synced(),
    }
