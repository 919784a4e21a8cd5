"""The columns of the manager's CSV, each defined once.

Both exports derive their rows from this table: `kiosk export` turns each column into SQL
(`kiosk.export`, one query over SQLite), and the records service turns each into Python
(`kiosk.sync.server.csvrows`, because its database may be PostgreSQL). So a column, the event kinds
that carry it, and whether its text is neutralised against spreadsheet formulas are written here
and nowhere else; a test exports the same events both ways and compares them cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.types import EventKind as K

# Cells a spreadsheet would run as a formula (OWASP's list): such text gets a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Source(StrEnum):
    """Where a cell's value comes from (each export knows how to read each source)."""

    EVENT = "event"  # a field of the event itself, named by `key`
    LOCAL_TIME = "local_time"  # when it happened, in the setting's time zone
    SYNCED = "synced"  # was the clock synchronised: yes / no
    PERSON_TYPE = "person_type"  # staff, or the visitor's type
    PERSON = "person"  # the subject's name; "(erased)" once a visitor's details are gone
    VISITOR = "visitor"  # a visitor's detail named by `key`
    DEVICES = "devices"  # the devices the event is about, "; " between them
    APPROVER = "approver"  # the name of the staff member whose id is the payload's `key`
    PAYLOAD = "payload"  # the payload's `key` as text
    PAYLOAD_LIST = "payload_list"  # the payload's `key` (a list) joined with "; "
    PAYLOAD_YES_NO = "payload_yes_no"  # the payload's `key` (true / false) as yes / no
    PAYLOAD_LOCAL_TIME = "payload_local_time"  # the payload's `key` (a UTC time) in local time
    DETAIL = "detail"  # "uid=… why=…": which badge, and why it was refused


# Sources whose cells this code formats (numbers, times, yes/no): never formula text.
FORMATTED = {Source.LOCAL_TIME, Source.SYNCED, Source.PAYLOAD_YES_NO, Source.PAYLOAD_LOCAL_TIME}


@dataclass(frozen=True)
class Column:
    name: str
    source: Source
    key: str = ""
    kinds: tuple[str, ...] = ()  # the event kinds that carry the value; empty: every kind
    formatted: bool = False  # a number or time from the event itself, not text from anyone

    @property
    def neutralised(self) -> bool:
        """Every text cell gets the same protection, in both exports."""
        return not self.formatted and self.source not in FORMATTED


STAFF_ACTIONS = (K.SHIFT_START, K.SHIFT_END, K.DEVICE_OUT, K.DEVICE_IN)
# Which payload key lists the devices, per kind.
DEVICE_KEYS: dict[str, str] = {
    K.SHIFT_START: "devices",
    K.SHIFT_END: "collected",
    K.DEVICE_OUT: "device",
    K.DEVICE_IN: "device",
    K.EXCEPTION_CLOSE: "device",
    K.EQUIPMENT_OUT: "equipment",  # the setting's own: the kind column tells it from a personal one
    K.EQUIPMENT_IN: "equipment",
}
# Kinds whose payload says which badge, or why something was refused.
DETAILED = (K.BADGE_UNKNOWN, K.BADGE_REFUSED, K.ADMIN_BADGE_ENROL, K.ADMIN_BADGE_REVOKE,
            K.APPROVAL_REFUSED)  # fmt: skip
DETAIL_KEYS = ("uid", "why")

COLUMNS = (
    Column("seq", Source.EVENT, "seq", formatted=True),
    Column("event_id", Source.EVENT, "id"),
    Column("kiosk_id", Source.EVENT, "kiosk_id"),
    Column("time_utc", Source.EVENT, "occurred_at", formatted=True),
    Column("time_local", Source.LOCAL_TIME),
    Column("clock_synced", Source.SYNCED),
    Column("kind", Source.EVENT, "kind"),
    Column("person_type", Source.PERSON_TYPE),
    Column("person", Source.PERSON),
    Column("organisation", Source.VISITOR, "organisation"),
    Column("visiting", Source.VISITOR, "visiting"),
    Column("devices", Source.DEVICES, kinds=tuple(DEVICE_KEYS)),
    Column("locker", Source.PAYLOAD, "locker", STAFF_ACTIONS),
    Column("reason", Source.PAYLOAD, "reason", (K.DEVICE_OUT,)),
    Column("approver", Source.APPROVER, "approver_id", (K.DEVICE_OUT, K.EXCEPTION_CLOSE)),
    Column("expected_return_local", Source.PAYLOAD_LOCAL_TIME, "expected_return", (K.DEVICE_OUT,)),
    # A device not back at shift end: the open exception a manager later closes (with a note).
    Column("still_out", Source.PAYLOAD_LIST, "still_out", (K.SHIFT_END,)),
    Column("note", Source.PAYLOAD, "note", (K.EXCEPTION_CLOSE,)),
    Column("purpose", Source.PAYLOAD, "purpose", (K.EQUIPMENT_OUT,)),
    Column("agreement", Source.PAYLOAD, "agreement", (K.AGREEMENT_ACK, K.AGREEMENT_DEFER)),
    Column("agreement_version", Source.PAYLOAD, "version", (K.AGREEMENT_ACK, K.AGREEMENT_DEFER)),
    Column("notice_version", Source.PAYLOAD, "notice_version", (K.VISITOR_IN,)),
    # "usual", or "event: <title>" on a day with its own notice (e.g. a Christmas concert).
    Column("notice", Source.PAYLOAD, "notice", (K.VISITOR_IN,)),
    Column("lone_working", Source.PAYLOAD_YES_NO, "lone_working", (K.VISITOR_IN,)),
    Column("quiet_space_shown", Source.PAYLOAD, "quiet_space", (K.VISITOR_IN,)),
    Column("on_behalf", Source.PAYLOAD_YES_NO, "on_behalf"),
    Column("recorded_by", Source.PAYLOAD, "recorded_by"),
    Column("detail", Source.DETAIL, kinds=DETAILED),
)
HEADER = [column.name for column in COLUMNS]


def neutralise(cell: str) -> str:
    """Text a spreadsheet would run as a formula, made plain text (the SQL twin is in export)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
