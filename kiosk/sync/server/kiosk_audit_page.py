"""The kiosks' audit trail as the Audit page shows it and as its CSV download writes it (the
figures come from kiosk.sync.server.kiosk_audit)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from kiosk.export_columns import neutralise
from kiosk.sync.server import kiosk_audit
from kiosk.sync.server.chain import ALTERED, BROKEN, GAP, OK, UNCHAINED


def kiosk_audit_context(engine: Engine, organisation_id: int, page: int) -> dict[str, Any]:
    """The kiosk part of the Audit page: chains, problems, one page of administration."""
    entries = kiosk_audit.entries(engine, organisation_id, page)
    chains = [
        [s.kiosk_id, s.setting, s.counts.get(OK, 0), s.counts.get(UNCHAINED, 0),
         sum(s.counts.get(state, 0) for state in (GAP, ALTERED, BROKEN))]
        for s in kiosk_audit.chain_summaries(engine, organisation_id)
    ]  # fmt: skip
    problems = [
        [p.kiosk_id, p.seq, p.kind, p.occurred_at[:19].replace("T", " "), p.why]
        for p in kiosk_audit.chain_problems(engine, organisation_id)
    ]
    rows = [
        [e.occurred_at[:19].replace("T", " "), e.kiosk_id, e.seq, e.kind, e.actor, e.detail,
         e.chain]
        for e in entries[: kiosk_audit.PAGE_ROWS]
    ]  # fmt: skip
    return {"chains": chains, "problems": problems, "kiosk_rows": rows,
            "more_kiosk_rows": len(entries) > kiosk_audit.PAGE_ROWS}  # fmt: skip


def kiosk_audit_csv_rows(engine: Engine, organisation_id: int) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(kiosk_audit.HEADER)
    for e in kiosk_audit.all_entries(engine, organisation_id):
        writer.writerow([e.occurred_at, neutralise(e.kiosk_id), e.seq, e.kind,
                         neutralise(e.actor), neutralise(e.detail), e.chain])  # fmt: skip
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
