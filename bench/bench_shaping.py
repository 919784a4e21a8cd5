"""What shaping costs a label: drawing a line with Kivy's own SDL2 label (the baseline) beside
the kiosk's shaping label, for an English line (the fast path: no runs) and for lines that are
cut into runs (Arabic with a name and year, Bengali), each the median of many redraws in the
same run. Run: python bench/bench_shaping.py [ROUNDS]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.ui import env

os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
env.prepare(headless=True, size=(800, 480))

from bench.common import machine, median, stamp

ROUNDS = 200
LINES = {
    "English": "Does your organisation need you to phone your office during your visit?",
    "Arabic": "شكرًا لك يا Jo. تم تسجيل دخولك في 2026.",
    "Bengali": "আপনার প্রতিষ্ঠান কি চায় যে আপনি সফরের সময় আপনার অফিসে ফোন করবেন?",
}


def redraw_ms(cls: type, text: str, rounds: int) -> float:
    """Median time to lay out and draw `text` (a new label each time, as a changed text is)."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        label = cls(text=text, font_size=24, text_size=(760, None))
        label.refresh()
        samples.append((time.perf_counter() - started) * 1000)
    return median(samples)


def main() -> None:
    from kivy.base import EventLoop
    from kivy.core.text.text_sdl2 import LabelSDL2

    from kiosk.ui import shaping

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    EventLoop.ensure_window()
    print(f"# {stamp()}  {machine()}  (median of {rounds} draws each)")
    for name, text in LINES.items():
        shaping.set_base_direction(shaping.RTL if name == "Arabic" else shaping.LTR)
        plain = redraw_ms(LabelSDL2, text, rounds)
        shaped = redraw_ms(shaping.ShapedLabel, text, rounds)
        print(f"{name:8} Kivy's label {plain:6.3f} ms   shaping label {shaped:6.3f} ms   "
              f"ratio {shaped / plain:.2f}x")  # fmt: skip
    os._exit(0)


if __name__ == "__main__":
    main()
