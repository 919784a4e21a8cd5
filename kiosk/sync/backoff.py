"""When to try again: capped exponential backoff with jitter, and the server's Retry-After.

Jitter keeps fifty kiosks that lost the network together from all retrying in the same second
when it comes back. A Retry-After from the server wins over our own guess (capped, so a wrong
date on either side cannot park the outbox for days).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Backoff:
    base_s: float = 1.0
    cap_s: float = 300.0
    retry_after_cap_s: float = 3600.0  # a server may ask for longer than our own cap, not forever

    def delay_s(self, failures: int, rng: random.Random | None = None) -> float:
        """The pause after `failures` failures in a row (1 = the first): none after the first,
        since on a lossy link one lost request is the common case and the next usually gets
        through; then `base_s` doubling to `cap_s`, half fixed, half random."""
        if failures <= 1:
            return 0.0
        # The exponent is capped: after ~1,000 failures in a row (days offline) 2.0**n overflows.
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(failures - 2, 60))
        jitter: float = (rng or random).uniform(0, ceiling / 2)
        return ceiling / 2 + jitter


@dataclass
class Streak:
    """Failures in a row since an event was last settled (sent or dead), and of those the
    latest run that could not reach the service. Any settled batch starts a new row, so failures
    scattered over a long push on a lossy link never add up to a long wait or a give-up."""

    failures: int = 0
    unreachable: int = 0
    settled: int = 0

    def failed(self, settled: int, *, unreachable: bool) -> None:
        """One more failure, after `settled` events were sent or dead in this push."""
        if settled > self.settled:
            self.failures = self.unreachable = 0
            self.settled = settled
        self.failures += 1
        self.unreachable = self.unreachable + 1 if unreachable else 0

    def exhausted(self, max_failures: int | None, max_unreachable: int | None) -> bool:
        return (max_failures is not None and self.failures >= max_failures) or (
            max_unreachable is not None and self.unreachable >= max_unreachable
        )


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
