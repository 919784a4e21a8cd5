"""The records service at group scale on PostgreSQL: `python bench/bench_records_scale.py [EVENTS...]`
(default 200000 2000000).

200 settings (one group of two hundred nurseries), 400 kiosks (two per setting), and a year of a
nursery's days at each kiosk (five shifts, a phone out and back, a visitor; today's people still
on site), loaded with COPY in the shape ingest stores: events, subjects and each kiosk's kept
on-site state. The history grows backwards (older days loaded at the larger size), so what is on
site now is the same at every size and only the history differs.

At each size: the On-site page's data (`overview`) beside the old way it was read (every kiosk's
events folded, the baseline, fewer rounds), one events page unfiltered and filtered by person,
kind and date, and a month's CSV of one setting, p50/p95 over random settings; the group
admin's CSV of all 200 settings for a week and a month (~168,000 rows) beside the same events
fetched raw, with how much the process's memory grew while it streamed; then the EXPLAIN lines
that say which index each query uses. Record the figures in bench/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from bench.common import machine, median, percentile, stamp
from kiosk.domain.state import EventFact, fold
from kiosk.domain.types import StaffId, VisitorId
from kiosk.export_columns import HEADER
from kiosk.sync.server import csvcopy, csvrows, db, queries, sitestate
from kiosk.sync.server.models import KioskState
from kiosk.sync.server.overview import overview
from kiosk.sync.server.tenancy import Kiosk, Organisation, Setting
from tests.sync import pg

SETTINGS, KIOSKS_PER_SETTING, STAFF = 200, 2, 20
EVENTS_PER_DAY = 14  # five shifts (10), a phone out and back (2), a visitor in and out (2)
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
TZ = ZoneInfo("Europe/London")
ROUNDS, OLD_ROUNDS = 40, 3
# Every loaded event's clock was synchronised: it is dated by its own time (kiosk.sync.server.dating).
COLUMNS = ("id, kiosk_id, seq, kind, occurred_at, clock_synced, boot_id, mono_ns, subject_type,"
           " subject_id, payload, received_at, dated_at, dated_by")  # fmt: skip
Row = tuple[str, str, int, str, str, bool, str, int, str | None, int | None, str, str, str, str]


def _kiosk_ids() -> list[str]:
    return [f"s{s:03d}-k{k}" for s in range(SETTINGS) for k in range(KIOSKS_PER_SETTING)]


def _day(kiosk_no: int, day: int) -> Iterator[tuple[str, int, int, dict[str, object], int]]:
    """(kind, staff/visitor id, minute of the day, payload, 0 staff / 1 visitor) of one day
    `day` days ago; on today only the arrivals, so people are on site now."""
    today = day == 0
    for n in range(5):
        staff = 1 + (day * 5 + n + kiosk_no) % STAFF
        yield "shift.start", staff, 420 + n, {"locker": str(n + 1), "devices": ["phone"]}, 0
        if n == 0:
            out = {"device": "phone", "reason": "outing", "approver_id": 1 + (staff % STAFF),
                   "expected_return": None}  # fmt: skip
            yield "device.out", staff, 600, out, 0
            if not today:
                yield "device.in", staff, 660, {"device": "phone"}, 0
        if not today:
            yield "shift.end", staff, 1080 + n, {"collected": ["phone"]}, 0
    visitor = day + 1
    yield "visitor.in", visitor, 540, {"visitor_type": "contractor", "lone_working": False}, 1
    if not today:
        yield "visitor.out", visitor, 720, {}, 1


def _rows(kiosk: str, kiosk_no: int, days: range, days_total: int) -> Iterator[Row]:
    """The events of these days (counted back from today) in seq order; seqs are numbered from
    the oldest day of the largest size, so older days loaded later have lower seqs."""
    for day in sorted(days, reverse=True):
        for n, (kind, ident, minute, payload, is_visitor) in enumerate(_day(kiosk_no, day)):
            seq = (days_total - day) * 16 + n
            at = (TODAY - timedelta(days=day) + timedelta(minutes=minute)).isoformat(
                timespec="microseconds"
            )
            uuid = f"{kiosk_no:08x}-{day:04x}-4000-8000-{n:012x}"
            yield (uuid, kiosk, seq, kind, at, True, "boot", seq, ("visitor" if is_visitor
                   else "staff"), ident, json.dumps(payload), at, at, "clock")  # fmt: skip


def _copy_events(engine: Engine, rows: Iterator[Row]) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY events ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _fact(row: Row) -> EventFact:
    subject_type, ident = row[8], row[9] or 0
    return EventFact(kind=row[3], occurred_at=datetime.fromisoformat(row[4]),
                     staff_id=StaffId(ident) if subject_type == "staff" else None,
                     visitor_id=VisitorId(ident) if subject_type == "visitor" else None,
                     payload=json.loads(row[10]))  # fmt: skip


def _tenancy(engine: Engine) -> None:
    """One group of 200 nurseries: its admin's CSV is the whole service's month."""
    now = TODAY.isoformat()
    with Session(engine) as session, session.begin():
        group = Organisation(name="Group", created_at=now)
        session.add(group)
        session.flush()
        for s in range(SETTINGS):
            setting = Setting(organisation_id=group.id, name=f"Nursery {s:03d}", created_at=now)
            session.add(setting)
            session.flush()
            for k in range(KIOSKS_PER_SETTING):
                session.add(Kiosk(id=f"s{s:03d}-k{k}", setting_id=setting.id, created_at=now))


def _subjects(engine: Engine, days_total: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM subjects"))
        raw = conn.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cur,
            cur.copy(
                "COPY subjects (kiosk_id, type, id, name, role, erased, updated_at) FROM STDIN"
            ) as copy,
        ):
            for kiosk in _kiosk_ids():
                for n in range(1, STAFF + 1):
                    copy.write_row((kiosk, "staff", n, f"Staff{n} {kiosk}", "staff", False, "x"))
                for n in range(1, days_total + 2):
                    copy.write_row((kiosk, "visitor", n, f"Visitor{n} {kiosk}", None, False, "x"))


def load(engine: Engine, days: range, days_total: int) -> float:
    """Add these days' events at every kiosk, and set each kiosk's kept state to the fold of
    everything loaded (what ingest keeps); seconds taken."""
    started = time.perf_counter()
    kiosks = _kiosk_ids()
    _copy_events(
        engine, (row for no, k in enumerate(kiosks) for row in _rows(k, no, days, days_total))
    )
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM kiosk_states"))
        for no, kiosk in enumerate(kiosks):
            everything = range(0, days.stop)
            state = fold(_fact(r) for r in _rows(kiosk, no, everything, days_total))
            conn.execute(text("INSERT INTO kiosk_states VALUES (:k, :u, CAST(:s AS json), 'bench')"),
                         {"k": kiosk, "u": days_total * 16 + 16,
                          "s": json.dumps(sitestate.encode(state))})  # fmt: skip
        conn.execute(text("ANALYZE"))
    _subjects(engine, days_total)
    return time.perf_counter() - started


@dataclass
class Figures:
    name: str
    samples: list[float]

    def line(self) -> str:
        p50, p95 = median(self.samples) * 1000, percentile(self.samples, 95) * 1000
        return f"{self.name:<28} p50 {p50:9.1f} ms   p95 {p95:9.1f} ms   ({len(self.samples)} runs)"


def _timed(
    name: str, rounds: int, settings: list[Setting], work: Callable[[Setting], object]
) -> Figures:
    picks = random.Random(name).choices(settings, k=rounds)
    samples = []
    for setting in picks:
        started = time.perf_counter()
        work(setting)
        samples.append(time.perf_counter() - started)
    return Figures(name, samples)


def _month() -> queries.Filters:
    end = TODAY.date() - timedelta(days=1)
    return queries.Filters(start=end - timedelta(days=30), end=end)


def _csv(engine: Engine, setting: Setting) -> int:
    rows = (
        csvrows.row(e, names, TZ)
        for e, names in queries.all_events(engine, setting.id, _month(), TZ)
    )
    return sum(len(chunk) for chunk in csvrows.stream(rows))


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def group_csv(engine: Engine, settings: list[Setting], days: int) -> tuple[float, int, float]:
    """The organisation admin's CSV of the last `days` days of all 200 settings, as the page
    streams it: (seconds, rows, the most the process's memory grew while it ran, MiB)."""
    end = TODAY.date() - timedelta(days=1)
    found = queries.Filters(start=end - timedelta(days=days - 1), end=end)
    started, before, grew, rows = time.perf_counter(), _rss_mib(), 0.0, 0
    for chunk in csvcopy.group_csv_text(engine, settings, found, ["setting", *HEADER]):
        rows += chunk.count("\n")
        grew = max(grew, _rss_mib() - before)
    return time.perf_counter() - started, rows - 1, grew


def group_raw(engine: Engine, settings: list[Setting], days: int) -> float:
    """The baseline: the same events fetched as stored (no names, no cells, no CSV)."""
    end = TODAY.date() - timedelta(days=1)
    found = queries.Filters(start=end - timedelta(days=days - 1), end=end)
    started = time.perf_counter()
    with engine.connect() as conn:
        for setting in settings:
            query = (
                queries.event_query(setting.id, found, TZ)
                .with_only_columns(*queries.EXPORTED)
                .order_by(queries.RecordEvent.kiosk_id, queries.RecordEvent.seq)
            )
            for _ in conn.execution_options(yield_per=5000).execute(query):
                pass
    return time.perf_counter() - started


def one_at_a_time(engine: Engine, settings: list[Setting], days: int) -> float:
    """The group CSV with one setting read at a time (`csvcopy.AHEAD` 1): what reading two at
    once is measured against, in the same run."""
    ahead, csvcopy.AHEAD = csvcopy.AHEAD, 1
    try:
        return group_csv(engine, settings, days)[0]
    finally:
        csvcopy.AHEAD = ahead


def measure_group(engine: Engine, settings: list[Setting]) -> list[str]:
    lines = []
    for days in (7, 30):
        csv_runs = [group_csv(engine, settings, days) for _ in range(3)]
        raw_runs = [group_raw(engine, settings, days) for _ in range(3)]
        single = median([one_at_a_time(engine, settings, days) for _ in range(3)])
        took, raw = median([r[0] for r in csv_runs]), median(raw_runs)
        lines.append(
            f"group CSV, {days:2d} days, 200 settings: {csv_runs[0][1]:,} rows  p50 {took:5.2f} s"
            f"   one setting at a time {single:5.2f} s"
            f"   the same events fetched raw {raw:5.2f} s ({took / raw:.1f}x)"
            f"   memory grew at most {max(r[2] for r in csv_runs):5.1f} MiB"
        )
    return lines


_ONE_DAY = date.today() - timedelta(days=3)
PAGES: dict[str, queries.Filters] = {
    "events page, unfiltered": queries.Filters(),
    "events page, person": queries.Filters(person="Staff7 "),
    "events page, kind": queries.Filters(kind="device"),
    "events page, one day": queries.Filters(start=_ONE_DAY, end=_ONE_DAY),
}


def measure(engine: Engine, settings: list[Setting]) -> list[Figures]:
    found = [_timed("on-site (kept state)", ROUNDS, settings, lambda s: overview(engine, s))]
    found.append(_timed("on-site, old fold (baseline)", OLD_ROUNDS, settings,
                        lambda s: [queries.site_state(engine, k)
                                   for k in queries.kiosks(engine, s.id)]))  # fmt: skip
    for name, f in PAGES.items():
        found.append(_timed(name, ROUNDS, settings,
                            lambda s, f=f: queries.event_page(engine, s.id, f, TZ, 1)))  # fmt: skip
    found.append(_timed("month CSV, one setting", 10, settings, lambda s: _csv(engine, s)))
    return found


def _plan(engine: Engine, statement: object) -> list[str]:
    sql = str(statement.compile(dialect=postgresql.dialect(),  # type: ignore[attr-defined]
                                compile_kwargs={"literal_binds": True}))  # fmt: skip
    with engine.connect() as conn:
        lines = [r[0] for r in conn.execute(text("EXPLAIN " + sql))]
    keys = ("Scan", "Sort", "Limit", "Join", "Loop", "Merge", "Append")
    return [ln.strip() for ln in lines if any(k in ln for k in keys)][:8]


def plans(engine: Engine, setting: Setting) -> dict[str, list[str]]:
    """The plans of what the pages run: an events page's query for one of the setting's kiosks
    (the page runs one per kiosk and merges them), the CSV's, and the on-site read."""
    kiosks = queries.kiosks(engine, setting.id)
    found = {}
    for name, f in PAGES.items():
        query = (queries.event_query(setting.id, f, TZ)
                 .where(queries.RecordEvent.kiosk_id == kiosks[0])
                 .order_by(queries.RecordEvent.dated_at.desc(), queries.RecordEvent.id.desc())
                 .limit(queries.PAGE_ROWS + 1))  # fmt: skip
        found[name] = _plan(engine, query)
    csv = queries.event_query(setting.id, _month(), TZ).order_by(
        queries.RecordEvent.kiosk_id, queries.RecordEvent.seq
    )
    found["month CSV"] = _plan(engine, csv)
    kept = select(KioskState).where(KioskState.kiosk_id.in_(kiosks))
    found["on-site (kept state)"] = _plan(engine, kept)
    return found


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [200_000, 2_000_000]
    reason = pg.unavailable()
    if reason:
        print(f"skipped: {reason}")
        return 0
    per_day = len(_kiosk_ids()) * EVENTS_PER_DAY
    days_total = max(sizes) // per_day
    print(
        f"{stamp()}, {machine()}, PostgreSQL 15 (fsync on), {SETTINGS} settings, "
        f"{len(_kiosk_ids())} kiosks"
    )
    cluster = pg.start_cluster(durable=True)
    try:
        engine = db.make_engine(cluster.url())
        db.upgrade(engine)
        _tenancy(engine)
        with Session(engine) as session:
            settings = list(session.scalars(select(Setting)))
        loaded = 0
        for size in sorted(sizes):
            days = size // per_day
            seconds = load(engine, range(loaded, days), days_total)
            loaded = days
            with engine.connect() as conn:
                count = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
            print(f"\n-- {count:,} events ({days} days at each kiosk), loaded in {seconds:.0f} s")
            for figures in measure(engine, settings):
                print(figures.line(), flush=True)
            for line in measure_group(engine, settings):
                print(line, flush=True)
            for name, lines in plans(engine, settings[7]).items():
                print(f"  plan, {name}:")
                for ln in lines:
                    print(f"    {ln}")
        engine.dispose()
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
