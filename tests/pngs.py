"""Small PNG images made in the test (zlib + struct): no image library needed."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel] | None = None) -> bytes:
    """An RGB PNG; ``pixel(x, y)`` gives each pixel's colour (a gradient by default)."""
    colour = pixel or (lambda x, y: (40 + 200 * x // width, 90, 40 + 200 * y // height))
    rows = b"".join(
        b"\x00" + b"".join(bytes(colour(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def noise_to_image(width: int = 48, height: int = 24) -> bytes:
    """A picture worth a caption: noise on the left clearing into a disc on the right,
    as a diffusion model's reverse process does."""

    def pixel(x: int, y: int) -> Pixel:
        t = x / (width - 1)  # 0: pure noise, 1: the clean image
        cx, cy, r = width * 0.5, height * 0.5, height * 0.38
        inside = (x - cx) ** 2 + ((y - cy) * 2) ** 2 <= (r * 2) ** 2 / 1.0
        clean = (230, 160, 40) if inside else (30, 60, 120)
        seed = (x * 7919 + y * 104729) % 251
        noisy = (seed, (seed * 3) % 251, (seed * 7) % 251)
        return tuple(round(n * (1 - t) + c * t) for n, c in zip(noisy, clean, strict=True))  # type: ignore[return-value]

    return png(width, height, pixel)
