"""What the field rig needs from the host: commands, a log, verdicts, and pictures.

Every check the rig makes ends in one `Verdict` line (PASS or FAIL, what was seen); the run's exit
code is the number of FAILs (capped), so `make field-test` fails when the installed kiosk does.
Standard library only: the rig runs before, and beside, the project's own virtual environment.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# pip inside a guest reaches the registry only with the host's CA bundle and pip settings.
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
HOST_PIP_CONF = Path("/etc/pip.conf")


class RigError(RuntimeError):
    """The rig itself could not go on (a command failed, a guest did not answer)."""


@dataclass
class Verdicts:
    """PASS/FAIL lines as they happen, and a summary at the end."""

    log: Path
    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, seen: str = "") -> bool:
        self.rows.append((name, ok, seen))
        say(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {seen}" if seen else ""), self.log)
        return ok

    def summary(self) -> int:
        failed = [name for name, ok, _ in self.rows if not ok]
        say(f"field: {len(self.rows) - len(failed)} passed, {len(failed)} failed", self.log)
        for name in failed:
            say(f"  failed: {name}", self.log)
        return min(len(failed), 100)


def say(line: str, log: Path | None = None) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {line}", flush=True)
    if log is not None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"[{stamp}] {line}\n")


def run(
    command: Sequence[str], *, timeout_s: float = 1800, check: bool = True, quiet: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run a host command; its output is returned, and printed when it fails."""
    if not quiet:
        say("$ " + " ".join(command))
    done = subprocess.run(
        list(command), capture_output=True, text=True, timeout=timeout_s, check=False
    )
    if check and done.returncode != 0:
        sys.stdout.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise RigError(f"{command[0]} exited {done.returncode}")
    return done


def require_root_and_tools(tools: Sequence[str]) -> None:
    if os.geteuid() != 0:
        raise RigError("the field rig needs root (debootstrap, systemd-nspawn, mkfs, qemu)")
    missing = [tool for tool in tools if not any(
        (Path(d) / tool).exists() for d in [*os.environ.get("PATH", "").split(":"), "/usr/sbin"]
    )]  # fmt: skip
    if missing:
        raise RigError(
            "missing: " + " ".join(missing) + " (apt-get install debootstrap systemd-container "
            "qemu-system-x86 qemu-user-static e2fsprogs; or run field/host-deps.sh)"
        )


def pip_environment() -> dict[str, str]:
    """The PIP_* settings a guest needs to reach the registry the way this host does."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PIP_") and k != "PIP_FIND_LINKS"}
    env["PIP_CERT"] = "/etc/ssl/certs/field-host-ca.crt"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def copy_host_pip_settings(root: Path) -> None:
    target = root / "etc/ssl/certs/field-host-ca.crt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(HOST_CA.read_bytes())
    if HOST_PIP_CONF.exists():
        conf = HOST_PIP_CONF.read_text().replace(str(HOST_CA), str(target.relative_to(root)))
        (root / "etc/pip.conf").write_text(conf.replace("cert = etc/", "cert = /etc/"))


# --- pictures: QEMU's screendump is PPM, the kiosk's own screenshots are PNG --------------------


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    rgb: bytes  # 3 bytes a pixel, rows top to bottom

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = 3 * (y * self.width + x)
        return self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]

    def share_of(self, colour: tuple[int, int, int], tolerance: int = 8) -> float:
        """The share of pixels within `tolerance` of `colour` (sampled every 4th pixel)."""
        hits = total = 0
        for i in range(0, len(self.rgb), 12):
            total += 1
            if all(abs(self.rgb[i + c] - colour[c]) <= tolerance for c in range(3)):
                hits += 1
        return hits / max(total, 1)

    def differs_from(self, other: Picture) -> float:
        """The share of pixels (sampled) that differ by more than a little, same size only."""
        if (self.width, self.height) != (other.width, other.height):
            return 1.0
        changed = total = 0
        for i in range(0, len(self.rgb), 12):
            total += 1
            if max(abs(self.rgb[i + c] - other.rgb[i + c]) for c in range(3)) > 24:
                changed += 1
        return changed / max(total, 1)

    def most_common_colour(self) -> tuple[int, int, int]:
        counts: dict[tuple[int, int, int], int] = {}
        for i in range(0, len(self.rgb), 12):
            key = (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
            counts[key] = counts.get(key, 0) + 1
        return max(counts, key=lambda k: counts[k])


def read_ppm(path: Path) -> Picture:
    data = path.read_bytes()
    parts = data.split(maxsplit=4)  # P6 width height maxval pixels
    if parts[0] != b"P6" or parts[3] != b"255":
        raise RigError(f"{path}: not an 8-bit P6 PPM")
    width, height = int(parts[1]), int(parts[2])
    return Picture(width, height, parts[4][: width * height * 3])


def read_png(path: Path) -> Picture:
    """8-bit RGB or RGBA, not interlaced: what Kivy's screenshots are."""
    data = path.read_bytes()
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    if depth != 8 or colour not in (2, 6):
        raise RigError(f"{path}: PNG depth {depth} colour type {colour} not read here")
    channels = 3 if colour == 2 else 4
    rows = _unfilter(zlib.decompress(idat), width * channels, height, channels)
    rgb = bytearray()
    for row in rows:
        rgb += row if channels == 3 else bytes(b for i, b in enumerate(row) if i % 4 != 3)
    return Picture(width, height, bytes(rgb))


def _unfilter(raw: bytes, stride: int, height: int, bpp: int) -> list[bytes]:
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, corner = previous[x], previous[x - bpp] if x >= bpp else 0
            line[x] = (line[x] + _predict(kind, left, up, corner)) & 0xFF
        previous = bytes(line)
        rows.append(previous)
    return rows


def _predict(kind: int, left: int, up: int, corner: int) -> int:
    if kind == 0:
        return 0
    if kind == 1:
        return left
    if kind == 2:
        return up
    if kind == 3:
        return (left + up) // 2
    estimate = left + up - corner
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
    return (left, up, corner)[distances.index(min(distances))]


def write_png(picture: Picture, path: Path) -> None:
    """Save a picture as PNG, so a person (or the file viewer) can look at it."""
    stride = picture.width * 3
    raw = b"".join(
        b"\0" + picture.rgb[y * stride : (y + 1) * stride] for y in range(picture.height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", picture.width, picture.height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
