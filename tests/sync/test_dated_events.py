"""The console dates an event whose kiosk's clock was not set (issue 14): a kiosk pushes an event
stamped 1970 with `clock_synced` false, over the real push API, and the manager's events page for
today lists it where it happened, marked, and today's CSVs (the setting's and the group's) hold
its row. Its time is worked out from a later synchronised event of the same boot, whether that
came in the same push or a later one; without one it is dated by its receipt ("before ..."); a
synchronised event of another boot never dates it. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.export_columns import HEADER
from kiosk.sync.server.models import RecordEvent
from tests.sync.console import Client, Org, push

TZ = ZoneInfo("Europe/London")  # the settings' zone (the default)
SAID = "1970-01-01T00:03:00+00:00"  # what a Pi without network time stamps
SAID_SHOWN = "1970-01-01 01:03"  # ... as the page shows it in London (BST all of 1970)
GAP = timedelta(seconds=20)
GROUP_CSV = "/manager/group/events.csv"  # between the unset clock's event and its boot's anchor


class Kiosk:
    """a-door's events, numbered in order, stamped with real times around now."""

    def __init__(self) -> None:
        self.seq = 0
        self.now = datetime.now(UTC).replace(microsecond=0)

    def event(self, uid: str, *, at: datetime | None, boot: str, mono_s: float) -> dict[str, Any]:
        """An unknown badge `uid`, stamped `at` by a synchronised clock, or by an unset one."""
        return self.stamped("badge.unknown", {"uid": uid}, at=at, boot=boot, mono_s=mono_s)

    def stamped(
        self, kind: str, payload: dict[str, Any], *, at: datetime | None, boot: str,
        mono_s: float, subject: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        self.seq += 1
        return {"id": str(uuid.uuid4()), "seq": self.seq, "kind": kind,
                "occurred_at": at.isoformat() if at else SAID, "clock_synced": at is not None,
                "boot_id": boot, "mono_ns": int(mono_s * 1e9), "payload": payload,
                "subject": subject}  # fmt: skip

    def day(self) -> dict[str, str]:
        """The date range of today in the setting's zone (from the earliest time used, should
        the test run across local midnight)."""
        first = (self.now - 2 * GAP).astimezone(TZ).date()
        return {"start": first.isoformat(), "end": datetime.now(TZ).date().isoformat()}


def page_rows(client: Client, org: Org, dates: dict[str, str]) -> list[list[str]]:
    answer = client.get(org.url(org.a, "/events"), **dates)
    assert answer.status_code == 200
    body = answer.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def csv_uids(client: Client, path: str, dates: dict[str, str]) -> list[str]:
    answer = client.get(path, **dates)
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    return [row["detail"].removeprefix("uid=") for row in rows]


def dated(org: Org, uid: str) -> tuple[str | None, str | None]:
    query = select(RecordEvent.dated_at, RecordEvent.dated_by).where(
        RecordEvent.payload["uid"].as_string() == uid
    )
    with Session(org.records.engine) as s:
        row = s.execute(query).one()
        return row.dated_at, row.dated_by


def local(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


def logged_in(org: Org, name: str) -> Client:
    """anna manages setting A (a-door); root is the organisation's admin."""
    client = Client(org.records)
    assert client.login(name).status_code == 303
    return client


def _three(k: Kiosk) -> list[dict[str, Any]]:
    """A synchronised event, then one stamped 1970 by a new boot, then that boot's first
    synchronised one (its clock set by then): the 1970 one happened GAP before it."""
    return [
        k.event("EARLY", at=k.now - 2 * GAP, boot="boot-1", mono_s=500),
        k.event("UNSET", at=None, boot="boot-2", mono_s=30),
        k.event("ANCHOR", at=k.now, boot="boot-2", mono_s=30 + GAP.total_seconds()),
    ]


@pytest.mark.parametrize("pushes", [[3], [2, 1]], ids=["same-push", "anchor-later"])
def test_an_event_stamped_1970_is_in_today_where_it_happened(org: Org, pushes: list[int]) -> None:
    k = Kiosk()
    events = _three(k)
    for n in pushes:
        assert push(org.records, "a-door", events[:n]).ok
        events = events[n:]
    worked_out = k.now - GAP
    assert dated(org, "UNSET") == (worked_out.isoformat(timespec="microseconds"), "boot")

    rows = page_rows(logged_in(org, "anna"), org, k.day())
    assert [r[4] for r in rows] == ["badge: ANCHOR", "badge: UNSET", "badge: EARLY"]
    assert rows[1][0] == (
        f"{local(worked_out)} (worked out: the kiosk's clock was not set; it said {SAID_SHOWN})"
    )
    assert rows[0][0] == local(k.now)  # a synchronised time is shown as it is, unmarked
    setting_csv = csv_uids(logged_in(org, "anna"), org.url(org.a, "/events.csv"), k.day())
    group_csv = csv_uids(logged_in(org, "root"), org.records.url + GROUP_CSV, k.day())
    assert setting_csv == group_csv == ["EARLY", "UNSET", "ANCHOR"]  # kiosk and seq order


def test_an_anchor_stored_before_it_arrives_dates_it(org: Org) -> None:
    """Pushed out of order (a retried batch): its boot's synchronised event is stored first."""
    k = Kiosk()
    early, unset, anchor = _three(k)
    assert push(org.records, "a-door", [early, anchor]).ok
    assert push(org.records, "a-door", [unset]).ok
    assert dated(org, "UNSET") == ((k.now - GAP).isoformat(timespec="microseconds"), "boot")


def test_its_csv_row_keeps_the_time_the_kiosk_stored(org: Org) -> None:
    """Only which rows are in a range changes: the row says what the kiosk said, and that its
    clock was not set, as the kiosk's own export does."""
    k = Kiosk()
    assert push(org.records, "a-door", _three(k)).ok
    answer = logged_in(org, "anna").get(org.url(org.a, "/events.csv"), **k.day())
    row = next(r for r in csv.DictReader(io.StringIO(answer.text)) if r["detail"] == "uid=UNSET")
    assert list(row) == HEADER
    assert (row["time_local"], row["clock_synced"]) == ("1970-01-01 01:03:00", "no")


def test_unanchored_it_is_dated_by_its_receipt_until_its_boot_is_synchronised(org: Org) -> None:
    k = Kiosk()
    before = datetime.now(UTC)
    assert push(org.records, "a-door", [k.event("UNSET", at=None, boot="boot-2", mono_s=30)]).ok
    after = datetime.now(UTC)
    received, how = dated(org, "UNSET")
    assert how == "received" and received is not None
    assert before <= datetime.fromisoformat(received) <= after

    rows = page_rows(logged_in(org, "anna"), org, k.day())
    assert rows[0][0] == (
        f"before {local(datetime.fromisoformat(received))} "
        f"(the kiosk's clock was not set; it said {SAID_SHOWN})"
    )
    assert csv_uids(logged_in(org, "anna"), org.url(org.a, "/events.csv"), k.day()) == ["UNSET"]
    group = csv_uids(logged_in(org, "root"), org.records.url + GROUP_CSV, k.day())
    assert group == ["UNSET"]


def test_another_boots_synchronised_event_never_dates_it(org: Org) -> None:
    k = Kiosk()
    assert push(org.records, "a-door", [k.event("UNSET", at=None, boot="boot-2", mono_s=30)]).ok
    received = dated(org, "UNSET")
    assert received[1] == "received"
    later = [k.event("REBOOTED", at=k.now, boot="boot-3", mono_s=50)]  # the Pi restarted
    assert push(org.records, "a-door", later).ok
    assert dated(org, "UNSET") == received
    same_push = [
        k.event("UNSET-2", at=None, boot="boot-4", mono_s=30),
        k.event("OTHER", at=k.now, boot="boot-5", mono_s=40),
    ]
    assert push(org.records, "a-door", same_push).ok
    assert dated(org, "UNSET-2")[1] == "received"


def test_the_day_its_clock_said_does_not_list_it(org: Org) -> None:
    """Dated once, by the time worked out: neither the page nor the CSVs of 1970 list it."""
    k = Kiosk()
    assert push(org.records, "a-door", _three(k)).ok
    day_1970 = {"start": "1970-01-01", "end": "1970-01-01"}
    anna = logged_in(org, "anna")
    assert csv_uids(anna, org.url(org.a, "/events.csv"), day_1970) == []
    assert csv_uids(logged_in(org, "root"), org.records.url + GROUP_CSV, day_1970) == []
    assert "No events match." in anna.get(org.url(org.a, "/events"), **day_1970).text
