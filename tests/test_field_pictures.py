"""The field rig's pictures: what it reads from QEMU (PPM) and from the kiosk (PNG), and how it
compares them. Checked against Kivy-independent files made here, byte for byte."""

from __future__ import annotations

import zlib
from pathlib import Path

from field.host import Picture, read_png, read_ppm, write_png


def _gradient(width: int, height: int) -> Picture:
    rgb = bytes(
        v for y in range(height) for x in range(width) for v in (x * 7 % 256, y * 5 % 256, 90)
    )
    return Picture(width, height, rgb)


def test_png_written_by_the_rig_reads_back_pixel_for_pixel(tmp_path: Path) -> None:
    picture = _gradient(37, 11)
    write_png(picture, tmp_path / "p.png")
    assert read_png(tmp_path / "p.png") == picture


def test_every_png_row_filter_is_undone(tmp_path: Path) -> None:
    """Kivy's PNGs use any of the five filters; encode each row with another, by hand."""
    picture = _gradient(9, 5)
    stride, rows, previous = 9 * 3, [], bytes(9 * 3)
    for y in range(5):
        row = picture.rgb[y * stride : (y + 1) * stride]
        kind = y % 5
        encoded = bytearray()
        for x in range(stride):
            left = row[x - 3] if x >= 3 else 0
            up, corner = previous[x], previous[x - 3] if x >= 3 else 0
            estimate = left + up - corner
            paeth = min((abs(estimate - v), i, v) for i, v in enumerate((left, up, corner)))[2]
            predicted = (0, left, up, (left + up) // 2, paeth)[kind]
            encoded.append((row[x] - predicted) & 0xFF)
        rows.append(bytes([kind]) + bytes(encoded))
        previous = row
    write_png(picture, tmp_path / "plain.png")
    data = (tmp_path / "plain.png").read_bytes()
    start = data.index(b"IDAT") - 4
    end = data.index(b"IEND") - 4
    body = zlib.compress(b"".join(rows))
    chunk = len(body).to_bytes(4, "big") + b"IDAT" + body
    chunk += (zlib.crc32(b"IDAT" + body) & 0xFFFFFFFF).to_bytes(4, "big")
    (tmp_path / "filtered.png").write_bytes(data[:start] + chunk + data[end:])
    assert read_png(tmp_path / "filtered.png") == picture


def test_a_screendump_is_read_and_compared(tmp_path: Path) -> None:
    picture = _gradient(20, 10)
    (tmp_path / "d.ppm").write_bytes(b"P6\n20 10\n255\n" + picture.rgb)
    dumped = read_ppm(tmp_path / "d.ppm")
    assert dumped == picture
    assert dumped.differs_from(picture) == 0.0
    black = Picture(20, 10, bytes(600))
    assert black.differs_from(picture) > 0.9
    assert black.share_of((0, 0, 0)) == 1.0
    assert black.most_common_colour() == (0, 0, 0)
