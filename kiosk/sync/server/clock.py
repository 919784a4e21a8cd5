"""The service's own clock as stored text: UTC ISO-8601 with microseconds, so text order is time
order in SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime


def stored_text(moment: datetime) -> str:
    """Any aware time in the stored form (an event's `occurred_at`, `dated_at`, a bound)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def now_text() -> str:
    return stored_text(datetime.now(UTC))
