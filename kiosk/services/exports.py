"""Running an export for the manager: count, stream, write, and record that it happened."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import func, select

from kiosk.domain.types import EventKind
from kiosk.export import CHUNK_ROWS, ExportRequest, RowFormatter, build_query, write_csv
from kiosk.services.context import Recorded, ServiceContext, recorded
from kiosk.services.lookup import staff_names


class ExportService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, request: ExportRequest) -> int:
        query = build_query(request, self.ctx.tz).order_by(None)
        with self.ctx.reading() as session:
            return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def export(
        self, request: ExportRequest, on_progress: Callable[[int], None] | None = None
    ) -> Recorded:
        """Write the CSV, then record an `admin.export` audit event with what was exported."""
        with self.ctx.reading() as session:
            formatter = RowFormatter(staff_names(session), self.ctx.tz)
            result = session.execute(
                build_query(request, self.ctx.tz).execution_options(yield_per=CHUNK_ROWS)
            )
            rows = write_csv(request.destination, _formatted(result, formatter), on_progress)
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
                },
            )
        return recorded(event, f"Exported {rows} events to {request.destination}.")


def _formatted(result: Any, formatter: RowFormatter) -> Iterator[list[Any]]:
    for row in result:
        yield formatter(row)
