"""Helpers the benchmarks share: percentiles, a machine line, and timing."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in handle if ln.startswith("model name")), ""
            )
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores, {model or platform.processor()}"


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


PEAK_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Run a command in a fresh wrapper process: (wall seconds, peak resident MiB of the command)."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *cmd], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1]) / 1024
