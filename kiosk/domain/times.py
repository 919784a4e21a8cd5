"""When did it really happen? Judging an event's time for retention and date ranges.

A Pi has no battery clock: until NTP answers, its wall clock may say 1970. Such an event is
stored with `clock_synced` false, its boot's id and the monotonic clock. Its real time is known
exactly once a later event of the same boot was stamped by a synchronised clock (the monotonic
clock counts on across the correction), and bounded above by any later synchronised event (it
happened before that one). Without either, nobody knows, and retention must keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Anchor:
    """A later event stamped by a synchronised clock."""

    occurred_at: datetime
    mono_ns: int


def right_time(
    occurred_at: datetime,
    clock_synced: bool,
    mono_ns: int,
    same_boot: Anchor | None,
    later: datetime | None,
) -> datetime | None:
    """The event's real time, or a time it certainly happened before; None if unknown.

    `same_boot`: the first synchronised event after it in the same boot; `later`: the time of
    the first synchronised event after it in any boot."""
    if clock_synced:
        return occurred_at
    if same_boot is not None:
        return same_boot.occurred_at - timedelta(microseconds=(same_boot.mono_ns - mono_ns) / 1000)
    return later


def older_than(moment: datetime | None, cutoff: datetime) -> bool:
    """Safe to treat as older than the cutoff? An unknown time never is."""
    return moment is not None and moment < cutoff
