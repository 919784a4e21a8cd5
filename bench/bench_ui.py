"""The touchscreen kiosk as it runs: `kiosk run` as a child process on SDL's offscreen driver.

Badge presented on the simulated reader (`send_tap`) to the first frame flipped that shows the
greeting screen, as the kiosk's own frame log reports it over the control socket (`DRAWN`: the
monotonic time of the flip, one clock for every process on Linux); CPU of the idle kiosk over
60 s beside a bare Kivy app showing one label, both idle in the same window; start-up to the first
frame flipped; resident memory. Run: python bench/bench_ui.py [IDLE_SECONDS]
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, median, percentile, stamp
from kiosk.app import initialise
from kiosk.config import load_config
from kiosk.hardware.simulated import send_tap
from kiosk.ui.control import control_socket_path, request

TAPS = 60
IDLE_S = 60.0
SETTLE_S = 12.0
BADGES = ["5A3F9C21", "7B2E4D10", "9C8D7E6F"]  # Ben, Chloé, Priya: none on shift
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The idle return home brings the kiosk back between taps; no debounce, so every tap counts.
CONFIG = """
[kiosk]
data_dir = "{data}"
idle_timeout_s = 0.3
[policy]
debounce_s = 0.0
[signals]
enabled = false
"""

# Kivy's defaults, the same offscreen window size, one label; says when its first frame flipped.
BARE_APP = """
import os, time
os.environ.update(SDL_VIDEODRIVER="offscreen", KIVY_WINDOW="sdl2", KIVY_NO_ARGS="1",
    KIVY_NO_CONFIG="1", KIVY_NO_FILELOG="1", KIVY_NO_CONSOLELOG="1",
    KCFG_GRAPHICS_WIDTH="800", KCFG_GRAPHICS_HEIGHT="480")
from kivy.app import App
from kivy.core.window import Window
from kivy.uix.label import Label

def first(*_):
    Window.unbind(on_flip=first)
    print(time.monotonic_ns(), flush=True)

Window.bind(on_flip=first)

class Bare(App):
    def build(self):
        return Label(text="Tap your badge")

Bare().run()
"""


def child_env(config_file: Path) -> dict[str, str]:
    """This environment minus any display and Kivy/SDL settings: the kiosk chooses its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env = {k: v for k, v in env.items() if not k.startswith(("KIVY_", "KCFG_", "SDL_"))}
    return {**env, "KIOSK_CONFIG": str(config_file)}


def cpu_s(pid: int) -> float:
    """User + system CPU of the process (all its threads) so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB from /proc/PID/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def drawn(control: Path, screen: str, after_ns: int) -> int:
    """The monotonic time of the first frame showing `screen` flipped after `after_ns`."""
    return int(request(control, f"DRAWN {screen} {after_ns}", timeout_s=15))


def start_kiosk(env: dict[str, str], control: Path) -> tuple[subprocess.Popen[bytes], float]:
    begun = time.monotonic_ns()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 30
    while not control.exists():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("the kiosk did not start")
        time.sleep(0.01)
    return proc, (drawn(control, "home", begun) - begun) / 1e9


def start_bare(env: dict[str, str], folder: Path) -> tuple[subprocess.Popen[str], float]:
    script = folder / "bare.py"  # a file: Kivy's App exits at once under `python -c`
    script.write_text(BARE_APP)
    begun = time.monotonic_ns()
    proc = subprocess.Popen([sys.executable, str(script)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    assert proc.stdout is not None
    return proc, (int(proc.stdout.readline()) - begun) / 1e9


def idle_cpu(pids: list[int], seconds: float) -> list[float]:
    """Each process's CPU as % of one core over the same `seconds` of wall time."""
    before = [cpu_s(pid) for pid in pids]
    started = time.monotonic()
    time.sleep(seconds)
    wall = time.monotonic() - started
    return [(cpu_s(pid) - was) / wall * 100 for pid, was in zip(pids, before, strict=True)]


def taps(tap_socket: Path, control: Path, count: int) -> list[float]:
    """Milliseconds from presenting a badge to the greeting screen's first frame flipped."""
    samples, last = [], 0
    for i in range(count):
        drawn(control, "home", last)  # back home after the idle time
        time.sleep(random.uniform(0.05, 0.1))  # a random point in the frame cycle
        begun = time.monotonic_ns()
        send_tap(tap_socket, BADGES[i % len(BADGES)])
        last = drawn(control, "shift_start", begun)
        samples.append((last - begun) / 1e6)
    return samples


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=15)


def main() -> None:
    idle_s = float(sys.argv[1]) if len(sys.argv) > 1 else IDLE_S
    with tempfile.TemporaryDirectory(dir=Path.cwd() / "bench") as tmp:
        folder = Path(tmp)
        config_file = folder / "kiosk.toml"
        config_file.write_text(CONFIG.format(data=folder / "data"))
        config = load_config(str(config_file))
        initialise(config, demo=True)[0].close()
        env, control = child_env(config_file), control_socket_path(config.tap_socket_path)
        kiosk, kiosk_start_s = start_kiosk(env, control)
        try:
            bare, bare_start_s = start_bare(env, folder)
            try:
                time.sleep(SETTLE_S)  # both past start-up, the kiosk resting (kivyapp.FrameRate)
                kiosk_cpu, bare_cpu = idle_cpu([kiosk.pid, bare.pid], idle_s)
                bare_mem = memory_mib(bare.pid)
            finally:
                stop(bare)
            idle_mem = memory_mib(kiosk.pid)
            latency = taps(config.tap_socket_path, control, TAPS)
            tapped_mem = memory_mib(kiosk.pid)
        finally:
            stop(kiosk)
    report(idle_s, latency, (kiosk_cpu, bare_cpu), (kiosk_start_s, bare_start_s),
           (idle_mem, tapped_mem, bare_mem))  # fmt: skip


def report(
    idle_s: float,
    latency: list[float],
    cpu: tuple[float, float],
    start_s: tuple[float, float],
    mem: tuple[tuple[float, float], tuple[float, float], tuple[float, float]],
) -> None:
    print(f"# touchscreen kiosk, offscreen ({stamp()}; {machine()})")
    print(
        f"badge -> greeting frame flipped, {len(latency)} taps:  p50 {median(latency):.1f} ms"
        f"  p99 {percentile(latency, 99):.1f} ms  max {max(latency):.1f} ms  (aim p99 < 100 ms)"
    )
    print(f"idle CPU over the same {idle_s:.0f} s (% of one core; aim < 2%):")
    print(f"  kiosk run            {cpu[0]:.2f}%")
    print(f"  bare Kivy, 1 label   {cpu[1]:.2f}%")
    print("start-up, process spawned -> first frame flipped:")
    print(f"  kiosk run (home)     {start_s[0]:.2f} s")
    print(f"  bare Kivy, 1 label   {start_s[1]:.2f} s")
    print("resident memory, VmRSS / VmHWM:")
    print(f"  kiosk run, idle      {mem[0][0]:.0f} / {mem[0][1]:.0f} MiB")
    print(f"  kiosk run, {len(latency)} taps   {mem[1][0]:.0f} / {mem[1][1]:.0f} MiB")
    print(f"  bare Kivy, 1 label   {mem[2][0]:.0f} / {mem[2][1]:.0f} MiB")


if __name__ == "__main__":
    main()
