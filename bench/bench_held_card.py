"""A badge held at the edge of the field (issue 15): `python bench/bench_held_card.py`.

One card is held to the reader for a minute of polls while each frame, either way, is lost with
chance 0, 5, 10 or 20%. It should be one presentation however long it is held. Our Rc522Reader
and the `mfrc522` package's own `read_id_no_block()` (called at the same interval, a presentation
counted whenever it returns an id after returning nothing or another id, as the simplest loop
around it does; and again with our reader's absence rule applied to its answers) run side by side
in the same run, each on its own emulated chip with the same loss. A minute of polls is 600 polls (the default 100 ms interval); they are run at a shorter
interval to save time, which changes nothing the readers count: both see the chip poll by poll.
Three rounds (seeds) per loss; medians printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, stamp
from tests.hardware.fake_pi import install_fake_pi
from tests.hardware.mfrc522_emulator import Card, EmulatedMfrc522

UID = bytes.fromhex("04A1B2C3D4E5F6")
LOSSES = (0.0, 0.05, 0.10, 0.20)


def ours(polls: int, poll_s: float, started: threading.Event) -> int:
    from kiosk.hardware.rc522 import Rc522Reader
    from kiosk.hardware.reader import ReaderHealth

    def on_health(state: ReaderHealth, message: str) -> None:
        if state is ReaderHealth.OK:
            started.set()

    badges: list[str] = []
    reader = Rc522Reader(spi_device=1, poll_interval_s=poll_s)
    reader.start(badges.append, on_health)
    deadline = time.monotonic() + 600
    while reader.polls < polls and time.monotonic() < deadline:
        time.sleep(0.01)
    reader.stop()
    if reader.polls < polls:
        raise RuntimeError(f"our reader polled only {reader.polls} times: {reader.health}")
    return len(badges)


def package(polls: int, poll_s: float) -> tuple[int, int]:
    """Presentations the package's reads make: counted naively, and with our absence rule (an id
    is new only after ABSENT_POLLS polls without it), to show what the rule alone buys."""
    from mfrc522 import SimpleMFRC522

    from kiosk.hardware.presence import ABSENT_POLLS

    reader = SimpleMFRC522()
    last, naive, missing, with_rule = None, 0, ABSENT_POLLS, 0
    for _ in range(polls):
        uid = reader.read_id_no_block()
        naive += uid is not None and uid != last
        with_rule += uid is not None and missing >= ABSENT_POLLS
        missing = 0 if uid is not None else missing + 1
        last = uid
        time.sleep(poll_s)
    return naive, with_rule


def one_round(
    chips: tuple[EmulatedMfrc522, EmulatedMfrc522],
    loss: float,
    seed: int,
    polls: int,
    poll_s: float,
) -> tuple[int, int, int]:
    """Presentations counted by ours and by the package (naive, with our rule) while one card is
    held through `polls`."""
    for chip in chips:
        chip.clear()
        chip.lose_frames(loss, seed)
        chip.place(Card(UID, sak=0))
    result: dict[str, int] = {}
    started = threading.Event()
    mine = threading.Thread(target=lambda: result.update(ours=ours(polls, poll_s, started)))
    mine.start()
    started.wait(10)  # ours sets BCM numbering first; the package then keeps it, not BOARD
    naive, with_rule = package(polls, poll_s)
    mine.join()
    return result["ours"], naive, with_rule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=600, help="polls per round (600: a minute)")
    parser.add_argument("--poll", type=float, default=0.01, help="poll interval, seconds")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    patch = pytest.MonkeyPatch()
    pi = install_fake_pi(patch)
    chips = (pi.chip, EmulatedMfrc522())
    pi.bus.chips[(0, 1)] = chips[1]  # ours on SPI 0.1, the package on 0.0
    print(f"# bench_held_card  {stamp()}  {machine()}  python {sys.version.split()[0]}")
    print(f"one card held for {args.polls} polls at {args.poll * 1000:.0f} ms each, the same loss")
    print(f"on both chips; presentations counted, median of {args.rounds} rounds (seeds):")
    print("  frames lost   Rc522Reader   read_id_no_block()   package/ours   package + our rule")
    for loss in LOSSES:
        rounds = [
            one_round(chips, loss, seed, args.polls, args.poll) for seed in range(args.rounds)
        ]
        mine, naive, ruled = (statistics.median(r[i] for r in rounds) for i in range(3))
        spread = ", ".join("/".join(str(n) for n in r) for r in rounds)
        print(
            f"  {loss:>10.0%}   {mine:>11.0f}   {naive:>18.0f}   {naive / max(mine, 1):>11.0f}x"
            f"   {ruled:>17.0f}   (rounds ours/package/package+rule: {spread})"
        )
    patch.undo()


if __name__ == "__main__":
    main()
