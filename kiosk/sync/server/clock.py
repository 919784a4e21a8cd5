"""The service's own clock as stored text: UTC ISO-8601 with microseconds, so text order is time
order in SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
