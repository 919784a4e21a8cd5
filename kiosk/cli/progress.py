"""A one-line progress bar for long exports on a terminal (never written to a pipe)."""

from __future__ import annotations

from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = max(total, 1)
        self.stream = stream

    def update(self, done: int) -> None:
        filled = min(WIDTH, WIDTH * done // self.total)
        percent = min(100, 100 * done // self.total)
        self.stream.write(f"\r[{'#' * filled}{' ' * (WIDTH - filled)}] {percent:3d}% {done:,} rows")
        self.stream.flush()

    def finish(self) -> None:
        self.update(self.total)
        self.stream.write("\n")
