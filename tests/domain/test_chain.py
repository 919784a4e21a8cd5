"""The hash chain's rules on plain values: every kind of tampering is named at its seq, and what
retention removes (recorded by the purge) is not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kiosk.domain.chain import GENESIS, Link, event_hash, purged_seqs, seq_ranges, verify

T0 = datetime(2026, 11, 24, 7, 45, tzinfo=UTC)


def chain(count: int, *, kiosk: str = "door-1", first_seq: int = 1) -> list[Link]:
    links: list[Link] = []
    prev = GENESIS
    for n in range(count):
        seq = first_seq + n
        link = Link(kiosk, seq, f"id-{seq}", "shift.start", T0 + timedelta(minutes=seq), True,
                    "boot", seq * 1000, seq % 3 or None, None, {"locker": str(seq)})  # fmt: skip
        link = replace(link, prev_hash=prev, hash=event_hash(link, prev))
        links.append(link)
        prev = link.hash or ""
    return links


def problems(links: list[Link], purged: frozenset[int] = frozenset(), **kw: object) -> list[str]:
    head = (links[-1].seq, links[-1].hash) if links else None
    found = verify(links, set(purged), complete=True, head=kw.get("head", head))  # type: ignore[arg-type]
    return [str(b) for b in found]


def test_an_untouched_chain_is_intact() -> None:
    assert problems(chain(6)) == []


def test_an_edited_payload_is_named_at_its_seq() -> None:
    links = chain(6)
    links[2] = replace(links[2], payload={"locker": "9"})
    assert problems(links) == ["seq 3: shift.start was changed after it was recorded"]


def test_an_edited_time_or_subject_is_caught_too() -> None:
    links = chain(6)
    links[1] = replace(links[1], occurred_at=T0)
    links[4] = replace(links[4], staff_id=7)
    assert [p.split(":")[0] for p in problems(links)] == ["seq 2", "seq 5"]


def test_a_deleted_row_is_named() -> None:
    links = chain(6)
    del links[3]
    assert problems(links) == ["seq 4: event(s) 4 missing: deleted, not purged"]


def test_a_row_removed_by_a_recorded_purge_is_not_a_problem() -> None:
    links = chain(6)
    del links[3]
    del links[0]
    assert problems(links, frozenset({1, 4})) == []


def test_removing_the_first_rows_unrecorded_is_named() -> None:
    links = chain(6)[2:]
    assert problems(links) == ["seq 3: the events before it are missing"]


def test_swapped_rows_are_named() -> None:
    links = chain(6)
    a, b = links[2], links[3]
    links[2], links[3] = replace(b, seq=3), replace(a, seq=4)
    found = problems(links)
    assert "seq 3: shift.start was changed after it was recorded" in found
    assert "seq 4: shift.start was changed after it was recorded" in found


def test_a_rewritten_row_with_a_fresh_hash_breaks_the_next_link() -> None:
    links = chain(6)
    forged = replace(links[2], payload={"locker": "9"})
    links[2] = replace(forged, hash=event_hash(forged, forged.prev_hash or ""))
    assert problems(links) == [
        "seq 4: shift.start does not follow seq 3: replaced, reordered or inserted"
    ]


def test_the_newest_rows_deleted_are_caught_by_the_head() -> None:
    links = chain(6)
    head = (6, links[-1].hash)
    assert problems(links[:4], head=head) == ["seq 5: event(s) 5-6 missing: deleted, not purged"]


def test_a_hash_blanked_out_is_named() -> None:
    links = chain(3)
    links[1] = replace(links[1], hash=None)
    assert "seq 2: shift.start has no hash (its chain data was removed)" in problems(links)


def test_a_gap_older_than_the_chain_is_accepted() -> None:
    """The upgrade that introduced the chain linked the rows then present across old gaps."""
    links = chain(2) + [replace(link, seq=link.seq + 5) for link in chain(1, first_seq=3)]
    relinked = replace(links[2], prev_hash=links[1].hash)
    links[2] = replace(relinked, hash=event_hash(relinked, relinked.prev_hash or ""))
    assert problems(links) == []


def test_a_peers_chain_may_have_gaps_but_not_edits() -> None:
    links = chain(6, kiosk="door-2")
    del links[2]
    assert verify(links, set(), complete=False) == []
    links[3] = replace(links[3], payload={})
    assert [b.seq for b in verify(links, set(), complete=False)] == [5]


def test_purges_are_recorded_as_ranges_per_kiosk() -> None:
    assert seq_ranges([9, 1, 2, 3, 7, 10]) == [[1, 3], [7, 7], [9, 10]]
    payloads = [{"removed": {"door-1": [[1, 3], [7, 7]], "door-2": [[5, 5]]}}, {"staff": 1}]
    assert purged_seqs(payloads, "door-1") == {1, 2, 3, 7}
