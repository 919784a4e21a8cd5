"""The export's progress bar, as a terminal shows it."""

from __future__ import annotations

import io

from kiosk.cli.progress import ProgressBar


def test_progress_bar_draws_on_one_line_and_finishes() -> None:
    stream = io.StringIO()
    bar = ProgressBar(200, stream)
    bar.update(50)
    bar.update(100)
    bar.finish()
    frames = stream.getvalue().split("\r")[1:]
    assert frames[0].startswith("[#######" + " " * 23 + "]  25% 50 rows")
    assert "  50% 100 rows" in frames[1]
    assert frames[-1] == "[" + "#" * 30 + "] 100% 200 rows\n"
