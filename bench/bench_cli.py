"""Start-up of everyday commands: `kiosk --help`, `kiosk status` and `kiosk onsite` on the demo
database, each a new process, beside `python -c pass` (the interpreter alone) and
`python -c 'import sqlalchemy'` (what every command used to pay first), in the same run.
Run: python bench/bench_cli.py [ROUNDS]"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, median, stamp

ROUNDS = 15
PY = sys.executable
COMMANDS = {
    "python -c pass": [PY, "-c", "pass"],
    "python -c 'import sqlalchemy'": [PY, "-c", "import sqlalchemy"],
    "kiosk --help": [PY, "-m", "kiosk", "--help"],
    "kiosk status": [PY, "-m", "kiosk", "status"],
    "kiosk onsite": [PY, "-m", "kiosk", "onsite"],
}


def wall(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "KIOSK_DATA_DIR": data}
        env.pop("KIOSK_CONFIG", None)
        subprocess.run([PY, "-m", "kiosk", "init", "--demo"], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(rounds):  # interleaved, so a burst of load hits every command alike
            for name, cmd in COMMANDS.items():
                samples[name].append(wall(cmd, env))
    base = median(samples["python -c pass"])
    print(f"# command start-up, median of {rounds} ({stamp()}; {machine()})")
    for name, times in samples.items():
        print(f"{name:<32} {median(times):6.3f} s  ({median(times) / base:4.1f}x python -c pass)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
