"""The wire format of the API as pydantic models: what the OpenAPI document is generated from and
what every pushed event is checked against (one event at a time, so a 422 can name each bad one).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

from kiosk.sync.contract import DATE_TIME_PATTERN, FIRST_YEAR, LAST_YEAR, MAX_BATCH_EVENTS


def _whole(value: Any) -> Any:
    """JSON has one number type: 3.0 is the integer 3, but true is not 1 (as JSON Schema says)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _date_time_text(value: Any) -> Any:
    """Only RFC 3339 text in the contract's years: pydantic alone takes a number, or digits in a
    string, as seconds since 1970, and years its UTC conversion cannot hold."""
    if not (isinstance(value, str) and _DATE_TIME.fullmatch(value)):
        raise PydanticCustomError(
            "date_time_text",
            "must be RFC 3339 text with seconds and a zone, in the years {first} to {last} "
            "(e.g. 2026-11-24T07:45:00Z)",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


_DATE_TIME = re.compile(DATE_TIME_PATTERN)
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
WholeInt = Annotated[StrictInt, BeforeValidator(_whole)]
VisitorId = Annotated[Annotated[StrictInt, Ge(1), Le(2**62)], BeforeValidator(_whole)]

# PostgreSQL cannot store U+0000 in text, so no text in the contract may hold one: otherwise such
# an event would fail at the database (a 503, retried for ever) instead of being named in a 422.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]
Text80 = Annotated[str, StringConstraints(max_length=80, pattern=NO_NUL)]
Text120 = Annotated[str, StringConstraints(max_length=120, pattern=NO_NUL)]
Ident = Annotated[str, StringConstraints(max_length=16, pattern=NO_NUL)]
ChainHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
JsonValue = TypeAliasType(
    "JsonValue",
    "Text | int | float | bool | list[JsonValue] | dict[Text, JsonValue] | None",
)


class SubjectIn(BaseModel):
    """Who an event is about, as the kiosk knew them when it pushed (name null once erased)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["staff", "visitor"]
    id: WholeInt = Field(ge=1, le=2**62)
    # A visit's identity at every door of the setting (kiosks before issue 11 send none).
    uuid: Annotated[str, StringConstraints(pattern=UUID_PATTERN)] | None = None
    name: Text80 | None = None
    role: Ident | None = None
    visitor_type: Ident | None = None
    organisation: Text120 | None = None
    visiting: Text120 | None = None
    erased: StrictBool = False


class EventIn(BaseModel):
    # A payload number must be finite: NaN and Infinity are not JSON (PostgreSQL refuses them).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    id: Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
    seq: WholeInt = Field(ge=1, le=2**62)
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,15}\.[a-z_]{1,16}$")]
    occurred_at: Annotated[AwareDatetime, BeforeValidator(_date_time_text)] = Field(
        json_schema_extra={"pattern": DATE_TIME_PATTERN},
        description=f"RFC 3339 text with a zone, years {FIRST_YEAR} to {LAST_YEAR}",
    )
    clock_synced: StrictBool
    boot_id: Annotated[str, StringConstraints(min_length=1, max_length=36, pattern=NO_NUL)]
    mono_ns: WholeInt = Field(ge=0, le=2**62)
    payload: dict[Text, JsonValue] = Field(default_factory=dict)
    subject: SubjectIn | None = None
    prev_hash: ChainHash | None = Field(
        default=None,
        description="since 1.1.0: the hash of this kiosk's event before this one (64 zeros for "
        "its first); sent with `hash`: an event with only one of them is stored as unchained",
    )
    hash: ChainHash | None = Field(
        default=None,
        description="since 1.1.0: SHA-256 over prev_hash and this event's content (see "
        "docs/sync.md, 'The hash chain'); a mismatch is stored and shown, not refused",
    )


class BatchIn(BaseModel):
    """A batch of events from one kiosk, in `seq` order."""

    model_config = ConfigDict(extra="forbid")

    # The size limit is not a maxItems: a batch over it is 413 (split it), not a malformed 422.
    events: list[EventIn] = Field(
        min_length=1,
        description=f"at most {MAX_BATCH_EVENTS} events, else 413 (split the batch); an event "
        "may appear twice (stored once), but two events with the same id and different content "
        "are a 422 naming both, and nothing of the batch is stored",
    )


class BatchResult(BaseModel):
    accepted: int = Field(description="events stored by this request")
    duplicates: int = Field(description="events already stored before (a replay); not changed")


class InvalidEvent(BaseModel):
    index: int
    id: str | None
    errors: list[str]


class Problem(BaseModel):
    """Every refusal: a sentence for a person, and for 422 the events that failed."""

    detail: str
    invalid_events: list[InvalidEvent] = Field(default_factory=list)


class DeadEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(max_length=36)]
    seq: WholeInt = Field(ge=0, le=2**62)
    kind: Annotated[str, StringConstraints(max_length=32)]
    error: Annotated[str, StringConstraints(max_length=500)]


class KioskStatusIn(BaseModel):
    """What a kiosk reports about its own queue, so dead letters reach the manager's page."""

    model_config = ConfigDict(extra="forbid")
    pending: WholeInt = Field(ge=0, le=2**62)
    dead: WholeInt = Field(ge=0, le=2**62)
    dead_events: list[DeadEvent] = Field(default_factory=list, max_length=100)
    erased_visitors: list[VisitorId] = Field(default_factory=list, max_length=10000)


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    time: datetime


class StaffOut(BaseModel):
    id: int = Field(description="the setting's person id: the kiosk's staff id, at every door")
    name: str
    role: Literal["staff", "manager"]
    usual_locker: str | None
    pin_hash: str | None = Field(description="a manager's kiosk PIN, as kiosk.security hashes it")
    active: bool = Field(description="false for a leaver (kept so old records keep the name)")


class BadgeOut(BaseModel):
    uid: str
    staff_id: int


class NoticeOut(BaseModel):
    version: str
    text: str


class SettingSections(BaseModel):
    """The named sections; a kiosk ignores a section it does not know (a newer service)."""

    model_config = ConfigDict(extra="allow")
    staff: list[StaffOut]
    badges: list[BadgeOut] = Field(description="live badges only")
    notices: dict[str, NoticeOut] = Field(description="visitor_notice, staff_notice: current")
    policy: dict[str, Any] = Field(description="kiosk config key -> the setting's value")
    links: dict[str, int] = Field(
        description="this kiosk's own earlier staff numbers -> the person each was linked to"
    )


class SettingSnapshot(BaseModel):
    """What a kiosk runs on: its setting's roster and values, as of `version`."""

    format: int = Field(description="the document's shape; a kiosk refuses one it does not know")
    setting_id: int
    version: int = Field(description="the setting's roster version; the ETag names it too")
    sections: SettingSections


class FeedSubject(BaseModel):
    """Who a feed event is about, with the least a door needs: a member of staff's id (the
    setting's person id), or a visit's uuid, the visitor's type and the name they gave (null
    once erased), so the other door can find them to sign out."""

    type: Literal["staff", "visitor"]
    id: int | None = None
    uuid: str | None = None
    visitor_type: str | None = None
    name: str | None = None


class FeedEvent(BaseModel):
    receipt: int = Field(description="the feed's number for this event: grows per setting")
    kiosk_id: str
    id: str
    seq: int = Field(description="the seq of the kiosk that recorded it")
    kind: str
    occurred_at: str
    payload: dict[str, Any]
    subject: FeedSubject | None


class FeedPage(BaseModel):
    events: list[FeedEvent] = Field(description="in receipt order; empty when none came in time")
    next: int = Field(description="the `after` for the next request")
