"""Finding the manager's USB stick: a writable mount point under /media or /run/media.

Desktop automounters put a stick at /media/<user>/<label> or /run/media/<user>/<label>; some put
it at /media/<label>. Only mount points count, so an empty folder left behind is not offered.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

MEDIA_ROOTS = (Path("/media"), Path("/run/media"))


def find_drives(
    roots: Iterable[Path] = MEDIA_ROOTS,
    is_mount: Callable[[Path], bool] = os.path.ismount,
) -> list[Path]:
    """Writable mounted drives one or two levels under `roots`, sorted by path."""
    found: set[Path] = set()
    for root in roots:
        for candidate in _children(root):
            if is_mount(candidate):
                found.add(candidate)
                continue
            found.update(child for child in _children(candidate) if is_mount(child))
    return sorted(path for path in found if os.access(path, os.W_OK))


def _children(folder: Path) -> list[Path]:
    try:
        return [child for child in folder.iterdir() if child.is_dir()]
    except OSError:  # missing, or not ours to read
        return []
