"""The group's CSV on PostgreSQL, written by the database itself: `COPY (the CSV query) TO STDOUT
(FORMAT csv)` for each setting, two settings at a time, streamed in the settings' order.

A group's month is ~170,000 rows of 23 cells, and computing the cells is most of its time (3.1 s
one setting after another, the database busy for ~2.5 s of it): reading two settings at once
spreads that work over two of the server's cores. COPY spares the Python side a string for each
of the 3.9 million cells, so this process does not compete with the database for the cores.

COPY's CSV is the same text `csv.writer` writes, given two adjustments made here: an empty cell is
sent as NULL (COPY quotes an empty string as `""`, the csv module writes nothing), and each row
ends in CRLF, as `csv.writer` ends it (COPY ends rows in LF). The server sends exactly one CopyData
message per row, so the row's own last byte is its terminator, and a newline inside a quoted cell
is never touched. The test of the group CSV holds these bytes to the csv module's, byte for byte.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import cast
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Engine, Integer, Select, String, bindparam
from sqlalchemy.dialects import postgresql

from kiosk.export_columns import neutralise
from kiosk.sync.server import csvrows, csvsql
from kiosk.sync.server.queries import Filters, event_query, group_csv_rows
from kiosk.sync.server.tenancy import Setting

# Settings read at once, each on a connection of its own: two halved the month's time on a
# two-core server (bench/RESULTS.md); more would take connections other requests need.
AHEAD = 2


def header_line(header: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(header)
    return buffer.getvalue()


def _copy_statement(query: Select[tuple[object, ...]]) -> tuple[str, dict[str, object]]:
    """The query as COPY text with its parameters (psycopg binds them on the client: COPY takes
    no server-side parameters)."""
    compiled = query.compile(dialect=postgresql.dialect(paramstyle="pyformat"))  # type: ignore[no-untyped-call]
    return f"COPY ({compiled}) TO STDOUT (FORMAT csv)", dict(compiled.params)


def _statement(zone: str, f: Filters) -> tuple[str, dict[str, object]]:
    """The COPY for any setting in `zone`, its id and name left as parameters: compiled once
    for all of them (compiling it cost ~3 ms, a second of a group's 200 settings)."""
    setting = bindparam("setting_id", type_=Integer)
    lead = bindparam("setting_name", type_=String)
    query = csvsql.csv_query(event_query(setting, f, ZoneInfo(zone)), zone, lead=lead, copy=True)
    return _copy_statement(query)


def _setting_csv(engine: Engine, statement: str, params: dict[str, object]) -> str:
    """One setting's rows, the setting's name in front, on a connection of its own."""
    with engine.connect() as conn:
        raw = cast(psycopg.Connection[object], conn.connection.dbapi_connection)
        with raw.cursor() as cursor, cursor.copy(statement, params) as copy:
            # One message per row: its last byte is the row's LF.
            rows = [bytes(row[:-1]) + b"\r\n" for row in copy]
    return b"".join(rows).decode("utf-8")


def group_csv(engine: Engine, settings: Sequence[Setting], f: Filters) -> Iterator[str]:
    """Each setting's CSV rows in turn, as text, `AHEAD` settings read at once: the database's
    work is most of the file's time, and one query runs on one of the server's cores. Memory
    stays what a few settings' rows need (a setting's month is a few hundred KiB)."""
    statements: dict[str, tuple[str, dict[str, object]]] = {}
    with ThreadPoolExecutor(AHEAD, thread_name_prefix="group-csv") as pool:
        coming: deque[Future[str]] = deque()
        for setting in settings:
            if setting.timezone not in statements:
                statements[setting.timezone] = _statement(setting.timezone, f)
            statement, params = statements[setting.timezone]
            mine = {**params, "setting_id": setting.id, "setting_name": neutralise(setting.name)}
            coming.append(pool.submit(_setting_csv, engine, statement, mine))
            if len(coming) > AHEAD:
                yield coming.popleft().result()
        while coming:
            yield coming.popleft().result()


def group_csv_text(
    engine: Engine, settings: Sequence[Setting], f: Filters, header: Sequence[str]
) -> Iterator[str]:
    """The organisation's CSV as the download streams it: written by PostgreSQL's COPY, or on
    SQLite row by row in Python (`queries.group_csv_rows`)."""
    if engine.dialect.name != "postgresql":
        yield from csvrows.stream(group_csv_rows(engine, settings, f), list(header))
        return
    yield header_line(header)
    yield from group_csv(engine, settings, f)
