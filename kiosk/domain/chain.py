"""The event log's hash chain: each event's hash covers its content and the hash of the event
before it from the same kiosk, so an edited, deleted, inserted or reordered row shows, with where.

Only content is hashed: the sync bookkeeping (`sync_state`, attempts, error) changes after the
fact and is left out. The kiosk and the records service compute the same hash from the same
fields (`Link`), so the service can check a kiosk's chain as it arrives. There is no secret key:
anyone who can write the database can recompute every hash after the row they change, which is
why the records service keeps its own copy and checks that it continues (docs/privacy.md).

Retention removes old events legitimately; each purge records the seqs it removed (`removed` in
the `admin.purge` payload, as ranges), so a gap is a problem only if no purge accounts for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of a kiosk's first event
# The payload key of the event a kiosk records right after re-hashing its own chain (a one-time,
# deliberate rewrite such as renumbering its staff): the head before, which the service holds.
REHASHED_FROM = "rehashed_from"
# Payload keys the law may require rewritten in place: a leaver's erasure takes their name out of
# `recorded_by` in the database and in every backup. Left out of the hash, so an erasure does not
# read as tampering; the erasure itself is an event in the chain.
ERASABLE = frozenset({"recorded_by"})


@dataclass(frozen=True)
class Link:
    """One event as the chain sees it: its content, and the hashes stored with it."""

    kiosk_id: str
    seq: int
    id: str
    kind: str
    occurred_at: datetime
    clock_synced: bool
    boot_id: str
    mono_ns: int
    staff_id: int | None
    visitor_id: int | None
    payload: Mapping[str, Any]
    prev_hash: str | None = None
    hash: str | None = None


def canonical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(link: Link, prev_hash: str) -> str:
    """SHA-256 over the previous hash and the event's content as canonical JSON."""
    content = {
        "kiosk_id": link.kiosk_id, "seq": link.seq, "id": link.id, "kind": link.kind,
        "occurred_at": canonical_time(link.occurred_at), "clock_synced": link.clock_synced,
        "boot_id": link.boot_id, "mono_ns": link.mono_ns, "staff_id": link.staff_id,
        "visitor_id": link.visitor_id,
        "payload": {k: v for k, v in link.payload.items() if k not in ERASABLE},
    }  # fmt: skip
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """One place the chain does not hold: the seq (and event id, if the row exists) and what."""

    seq: int
    event_id: str | None
    problem: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.problem}"


def seq_ranges(seqs: Iterable[int]) -> list[list[int]]:
    """[1, 2, 3, 7, 9, 10] -> [[1, 3], [7, 7], [9, 10]]: how a purge records what it removed."""
    ranges: list[list[int]] = []
    for seq in sorted(set(seqs)):
        if ranges and seq == ranges[-1][1] + 1:
            ranges[-1][1] = seq
        else:
            ranges.append([seq, seq])
    return ranges


def purged_seqs(purge_payloads: Iterable[Mapping[str, Any]], kiosk_id: str) -> set[int]:
    """Every seq of `kiosk_id` that a recorded purge says it removed."""
    found: set[int] = set()
    for payload in purge_payloads:
        removed = payload.get("removed")
        if not isinstance(removed, Mapping):
            continue
        for pair in removed.get(kiosk_id, []):
            found.update(range(int(pair[0]), int(pair[1]) + 1))
    return found


def content_break(link: Link) -> Break | None:
    """A row whose content no longer matches the hash stored with it."""
    if link.hash is None or link.prev_hash is None:
        return Break(link.seq, link.id, f"{link.kind} has no hash (its chain data was removed)")
    if event_hash(link, link.prev_hash) != link.hash:
        return Break(link.seq, link.id, f"{link.kind} was changed after it was recorded")
    return None


def _missing(first: int, last: int, purged: set[int]) -> Break | None:
    unaccounted = [s for s in range(first, last + 1) if s not in purged]
    if not unaccounted:
        return None
    shown = f"{unaccounted[0]}" if len(unaccounted) == 1 else f"{unaccounted[0]}-{unaccounted[-1]}"
    return Break(unaccounted[0], None, f"event(s) {shown} missing: deleted, not purged")


def _link_break(before: Link, after: Link, purged: set[int]) -> list[Break]:
    # A link across a gap in seq is one the chain was built with (the upgrade that introduced
    # the chain linked the rows then present), so the gap is older than the chain.
    if after.prev_hash == before.hash:
        return []
    if after.seq == before.seq + 1:
        why = f"{after.kind} does not follow seq {before.seq}: replaced, reordered or inserted"
        return [Break(after.seq, after.id, why)]
    gap = _missing(before.seq + 1, after.seq - 1, purged)
    return [gap] if gap else []


def verify(
    links: Sequence[Link], purged: set[int], *, complete: bool, head: tuple[int, str] | None = None
) -> list[Break]:
    """Check one kiosk's chain (its rows in seq order). `complete` is for the kiosk's own chain:
    every seq from the first must be present or purged, up to `head` (the last seq and hash
    handed out). Other kiosks' chains held here may have gaps; only rows and links are checked."""
    breaks = [b for b in map(content_break, links) if b is not None]
    for before, after in pairwise(links):
        breaks.extend(_link_break(before, after, purged) if complete else _adjacent(before, after))
    if complete and links:
        breaks.extend(_ends(links, purged, head))
    return sorted(breaks, key=lambda b: b.seq)


def _adjacent(before: Link, after: Link) -> list[Break]:
    return _link_break(before, after, set()) if after.seq == before.seq + 1 else []


def _ends(links: Sequence[Link], purged: set[int], head: tuple[int, str] | None) -> list[Break]:
    found: list[Break] = []
    first = links[0]
    if first.prev_hash != GENESIS:
        # The first row continues from an earlier one: that one, and all before, were purged.
        if first.seq - 1 not in purged:
            found.append(Break(first.seq, first.id, "the events before it are missing"))
        else:
            gap = _missing(min(purged), first.seq - 1, purged)
            found += [gap] if gap else []
    if head is not None:
        last_seq, last_hash = head
        last = links[-1]
        if last_seq > last.seq:
            gap = _missing(last.seq + 1, last_seq, purged)
            found += [gap] if gap else []
        elif last.seq == last_seq and last.hash != last_hash:
            found.append(Break(last.seq, last.id, "the newest event was replaced"))
    return found
