"""The presence rules on their own: what a run of poll findings means."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.hardware.presence import ABSENT_POLLS, CLEAR_POLLS, TWO, Presence, Seen

A, B = bytes.fromhex("DEADBEEF"), bytes.fromhex("04A1B2C3D4E5F6")
N, U, T = Seen.NOTHING, Seen.UNREADABLE, Seen.TWO_CARDS


def news(findings: list[bytes | Seen]) -> list[bytes]:
    presence = Presence()
    return [n for seen in findings if (n := presence.see(seen)) is not None]


@pytest.mark.parametrize(
    ("findings", "reported"),
    [
        ([A, A, N, A, N, N, A, U, A], [A]),  # gaps shorter than ABSENT_POLLS: one presentation
        ([A, *[N] * ABSENT_POLLS, A], [A, A]),  # gone, then back: a new tap
        ([A, B], [A, B]),  # swapped: each a presentation
        ([T, A, A], [A]),  # one collision alone is noise
        ([T, U, T, T, T], [TWO]),  # two in a row are two cards, reported once
        ([T, T, *[A] * (CLEAR_POLLS - 1)], [TWO]),  # the second card may be hiding
        ([T, T, *[A] * CLEAR_POLLS], [TWO, A]),  # ... until it has stayed away long enough
        ([T, T, *[N] * ABSENT_POLLS, T, T], [TWO, TWO]),  # both taken away and held again
    ],
)
def test_findings_become_presentations(findings: list[bytes | Seen], reported: list[bytes]) -> None:
    assert news(findings) == reported


@given(st.lists(st.sampled_from([A, N, U]), max_size=300))
def test_a_held_card_that_never_misses_absent_polls_in_a_row_is_one_presentation(
    polls: list[bytes | Seen],
) -> None:
    findings: list[bytes | Seen] = [A]
    for seen in polls:
        missing = 0
        for earlier in reversed(findings):
            if earlier is not N:
                break
            missing += 1
        findings.append(A if seen is N and missing == ABSENT_POLLS - 1 else seen)
    assert news(findings) == [A]
