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
        """The pause after `failures` failures in a row (1 = the first): half fixed, half random."""
        # The exponent is capped: after ~1,000 failures in a row (days offline) 2.0**n overflows.
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(max(failures - 1, 0), 60))
        jitter: float = (rng or random).uniform(0, ceiling / 2)
        return ceiling / 2 + jitter


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
