"""Running an export for the manager: count, stream, write, and record that it happened."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kiosk.domain.types import EventKind
from kiosk.export import (
    CHUNK_ROWS,
    UNSYNCED_IN_RANGE,
    ExportRequest,
    export_sql,
    utc_bounds,
    utc_text,
    write_csv,
)
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.store.models import Event


class ExportService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, request: ExportRequest) -> int:
        sql, params = export_sql(request, self.ctx.tz)
        with self.ctx.reading() as session:
            counted = session.execute(text(f"SELECT count(*) FROM ({sql})"), params)  # noqa: S608
            return int(counted.scalar_one())

    def export(
        self, request: ExportRequest, on_progress: Callable[[int], None] | None = None
    ) -> Recorded:
        """Write the CSV, then record an `admin.export` audit event with what was exported."""
        with self.ctx.reading() as session:
            spans = self._span(session, request), self._unsynced_span(session, request)
            sql, params = export_sql(request, self.ctx.tz, *spans)
            # The driver's own cursor: rows go from SQLite to the csv module with no per-row work.
            cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(sql, params)
                rows = write_csv(request.destination, _chunks(cursor), on_progress)
            finally:
                cursor.close()
        with self.ctx.recording() as session:
            event = self.ctx.append(
                session,
                EventKind.ADMIN_EXPORT,
                payload={
                    "from": request.start.isoformat(),
                    "to": request.end.isoformat(),
                    "what": request.scope.value,
                    "rows": rows,
                    "file": request.destination.name,
                    # Where it went, so retention can remove it (`export_files_days`).
                    "path": str(request.destination.resolve()),
                    "mtime_ns": request.destination.stat().st_mtime_ns,
                },
            )
        return recorded(event, f"Exported {rows} events to {request.destination}.")

    def _span(self, session: Session, request: ExportRequest) -> tuple[datetime, datetime] | None:
        lo, hi = utc_bounds(request.start, request.end, self.ctx.tz)
        first, last = session.execute(
            select(func.min(Event.occurred_at), func.max(Event.occurred_at)).where(
                Event.occurred_at >= lo, Event.occurred_at < hi
            )
        ).one()
        return (first, last) if first is not None and last is not None else None

    def _unsynced_span(
        self, session: Session, request: ExportRequest
    ) -> tuple[datetime, datetime] | None:
        """The stored times of the rows an unset clock stamped that the range takes in."""
        lo, hi = utc_bounds(request.start, request.end, self.ctx.tz)
        query = (
            "SELECT min(e.occurred_at), max(e.occurred_at) FROM events AS e "  # noqa: S608
            f"WHERE {UNSYNCED_IN_RANGE}"
        )
        first, last = session.execute(text(query), {"lo": utc_text(lo), "hi": utc_text(hi)}).one()
        if first is None or last is None:
            return None
        return datetime.fromisoformat(first), datetime.fromisoformat(last)


def _chunks(cursor: Any) -> Iterator[list[Any]]:
    while chunk := cursor.fetchmany(CHUNK_ROWS):
        yield chunk
