"""What a run of polls means: when a card has been presented, when two cards are in the field, and
when the field is empty again.

A card at the edge of the field (a lanyard swinging, a badge read through a case) answers some
polls and not others, and a second card in the same wallet can hide behind lost frames for a poll
or two. This module owns the hysteresis that turns those noisy polls into one report per
presentation. It is pure: the reader tells it what each poll saw and reports what it returns.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# A card must be missing from this many polls in a row (each already retrying the wake-up) before
# it counts as gone: with 20% of frames lost, 3 still let a held card go about once in 1,800 polls
# (bench/bench_held_card.py); 4 cost a card lifted off 0.1 s more before it counts as gone.
ABSENT_POLLS = 4
# A collision in this many polls in a row is two cards; one alone is noise, and is retried.
COLLISION_POLLS = 2
# After two cards, this many polls in a row without a sign of the second card before the one left
# counts as presented: at 10% frame loss the second card hides from a poll about one time in four.
CLEAR_POLLS = 8


class Seen(enum.Enum):
    """What one poll found in the field."""

    NOTHING = "nothing"
    UNREADABLE = "unreadable"  # something answered but the exchange failed
    TWO_CARDS = "two cards"


TWO = b""  # `current` while two cards are in the field (no UID is empty)


@dataclass
class Presence:
    """Feeds on one poll at a time; `see` returns the new presentation, if this poll made one."""

    absent_polls: int = ABSENT_POLLS
    collision_polls: int = COLLISION_POLLS
    clear_polls: int = CLEAR_POLLS
    current: bytes | None = None  # the card presented, TWO, or None: the field is empty
    _missing: int = ABSENT_POLLS  # polls in a row that found nothing
    _collisions: int = 0
    _quiet: int = 0

    @property
    def expecting(self) -> bool:
        """Whether something answered lately, so that a silent wake-up is worth trying again.

        A card left READY by a failed exchange (a collision, a lost frame) falls back silently on
        the next WUPA and only answers the one after."""
        return self.current is not None or self._missing == 0

    def see(self, seen: bytes | Seen) -> bytes | None:
        """One poll's finding (a UID, or what else it saw); a UID or TWO when it is news."""
        if seen is Seen.TWO_CARDS:
            return self._two_cards()
        self._collisions = 0
        self._quiet += 1
        if seen is Seen.NOTHING:
            self._nothing()
            return None
        self._missing = 0
        return self._card(seen) if isinstance(seen, bytes) else None

    def forget(self) -> None:
        """The reader lost the chip: whatever is in the field is new once it is back."""
        self.current, self._missing = None, self.absent_polls
        self._collisions = self._quiet = 0

    def _nothing(self) -> None:
        self._missing += 1
        if self._missing >= self.absent_polls:
            self.current = None

    def _two_cards(self) -> bytes | None:
        self._missing, self._quiet = 0, 0
        self._collisions += 1
        if self.current == TWO or self._collisions < self.collision_polls:
            return None
        self.current = TWO
        return TWO

    def _card(self, uid: bytes) -> bytes | None:
        if self.current == TWO and self._quiet < self.clear_polls:
            return None  # the other card may only be hiding behind a lost frame
        if uid == self.current:
            return None
        self.current = uid
        return uid
