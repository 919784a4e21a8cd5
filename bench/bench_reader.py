"""RC522 reader benchmarks on the emulated chip (issue 3): `python bench/bench_reader.py`.

1. Idle CPU with no card: our Rc522Reader's thread beside the `mfrc522` package's own `read_id()`
   loop, each for the same number of seconds over the same emulated chip in the same run, three
   interleaved rounds, medians printed. CPU is per-thread (pthread CPU clock), so the measuring
   thread's own work is not counted; the emulator's work is charged to both alike.
2. Card-placed-to-callback latency, p50 and p99 over many placements at random points of the poll
   cycle, at the configured default poll interval. Aim: within one poll interval plus 10 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import statistics
import sys
import threading
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hardware.fake_pi import FakeGpio, SpiBus, make_gpio_module, make_spidev_module
from tests.hardware.mfrc522_emulator import Card, EmulatedMfrc522


class _StopLoop(Exception):
    """Raised from the emulated SPI bus to end the package's never-ending read_id()."""


def install_fakes() -> EmulatedMfrc522:
    bus, chip = SpiBus(), EmulatedMfrc522()
    bus.chips[(0, 0)] = chip
    gpio = make_gpio_module(FakeGpio())
    rpi = types.ModuleType("RPi")
    rpi.GPIO = gpio  # type: ignore[attr-defined]
    sys.modules.update({"RPi": rpi, "RPi.GPIO": gpio, "spidev": make_spidev_module(bus)})
    return chip


def thread_cpu_s(thread: threading.Thread) -> float:
    assert thread.ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def reader_thread() -> threading.Thread:
    return next(t for t in threading.enumerate() if t.name == "RC522 badge reader")


def ours_idle(chip: EmulatedMfrc522, seconds: float, poll_s: float) -> tuple[float, int]:
    from kiosk.hardware.rc522 import Rc522Reader

    ready = threading.Event()
    reader = Rc522Reader(poll_interval_s=poll_s)
    reader.start(lambda uid: None, lambda state, msg: ready.set())
    ready.wait(5)
    time.sleep(0.2)  # past start-up
    thread, transfers = reader_thread(), chip.transfers
    before = thread_cpu_s(thread)
    time.sleep(seconds)
    used = thread_cpu_s(thread) - before
    transfers = chip.transfers - transfers
    reader.stop()
    return used, transfers


def package_idle(chip: EmulatedMfrc522, seconds: float) -> tuple[float, int]:
    from mfrc522 import SimpleMFRC522

    package = SimpleMFRC522()

    def loop() -> None:
        with contextlib.suppress(_StopLoop):
            package.read_id()  # never returns with no card

    thread = threading.Thread(target=loop, name="package read_id", daemon=True)
    thread.start()
    time.sleep(0.2)
    before, transfers = thread_cpu_s(thread), chip.transfers
    time.sleep(seconds)
    used, transfers = thread_cpu_s(thread) - before, chip.transfers - transfers
    chip.stop_with = _StopLoop()
    thread.join(5)
    chip.stop_with = None
    return used, transfers


def latency(chip: EmulatedMfrc522, placements: int, poll_s: float) -> list[float]:
    from kiosk.hardware.rc522 import Rc522Reader

    seen = threading.Event()
    stamps: list[float] = []

    def on_badge(uid: str) -> None:
        stamps.append(time.monotonic())
        seen.set()

    reader = Rc522Reader(poll_interval_s=poll_s)
    reader.start(on_badge)
    time.sleep(0.3)
    result = []
    rng = random.Random(1)
    for index in range(placements):
        time.sleep(rng.uniform(0, poll_s))
        seen.clear()
        placed = time.monotonic()
        chip.place(Card(bytes([4, index % 256, 1, 2, 3, 4, 5]), sak=0))
        if not seen.wait(2):
            raise RuntimeError(f"placement {index} was never reported")
        result.append(stamps[-1] - placed)
        chip.clear()
        time.sleep(3 * poll_s)  # long enough to be seen gone
    reader.stop()
    return result


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="idle CPU window per loop")
    parser.add_argument("--placements", type=int, default=60)
    parser.add_argument("--poll", type=float, default=0.1, help="poll interval (config default)")
    args = parser.parse_args()
    chip = install_fakes()
    print(f"# bench_reader  {time.strftime('%Y-%m-%d')}  {platform.machine()}  ", end="")
    print(f"{os.cpu_count()} cpus  {cpu_model()}  python {platform.python_version()}")
    seconds = args.seconds
    rounds = [(ours_idle(chip, seconds, args.poll), package_idle(chip, seconds)) for _ in range(3)]
    ours, ours_xfers = (statistics.median(r[0][i] for r in rounds) for i in (0, 1))
    theirs, their_xfers = (statistics.median(r[1][i] for r in rounds) for i in (0, 1))
    print(f"idle CPU, no card, median of 3 interleaved {seconds:.0f} s windows each", end="")
    print(f" (poll {args.poll * 1000:.0f} ms):")
    for name, cpu, xfers in (
        ("Rc522Reader", ours, ours_xfers),
        ("mfrc522 read_id()", theirs, their_xfers),
    ):
        share, rate = 100 * cpu / seconds, xfers / seconds
        print(f"  {name:18} {cpu:8.4f} s CPU {share:6.2f}% of a core {rate:8.0f} SPI xfer/s")
    cpu_ratio, xfer_ratio = theirs / max(ours, 1e-9), their_xfers / max(ours_xfers, 1)
    print(f"  ratio package/ours {cpu_ratio:8.0f}x CPU, {xfer_ratio:.0f}x SPI transfers")
    waits = [1000 * w for w in latency(chip, args.placements, args.poll)]
    p50, p99 = statistics.median(waits), percentile(waits, 99)
    print(f"card placed -> on_badge, {len(waits)} placements, poll {args.poll * 1000:.0f} ms:")
    print(f"  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {max(waits):6.1f} ms", end="")
    print(f"  (aim: p99 <= {1000 * args.poll + 10:.0f} ms)")


if __name__ == "__main__":
    main()
