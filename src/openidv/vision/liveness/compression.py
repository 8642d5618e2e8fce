"""Compression history read from the frames' own bytes: the JPEG quality they were encoded at.

Pure computation on the uploaded bytes. The capture page encodes every frame once, from the
camera, with the browser's JPEG encoder at quality 0.9 (``capture/static/camera.js``); the
shared real bursts are JPEG at quality 90 too. A recording pushed to the server after being
decoded and encoded again (a screen recorder, a converter, a virtual camera's own stream sent
at the wire) usually carries another encoder's tables, most often at a lower quality.

``jpeg_quality`` estimates the IJG quality of the luminance quantisation table (the first
DQT table): the quality whose standard table, scaled as libjpeg scales it, is nearest. Encoders
with their own tables (Apple's ImageIO) land near their nominal quality, not on it.

HONEST STATUS: this is a claim in the file, not a trace in the pixels: an injector who encodes
at quality 90 with standard tables passes it. It stops a re-encode that does not mimic the
page's encoder, nothing more (see benchmarks/liveness.py, species reencoded_replay_q90).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["MIN_JPEG_QUALITY", "frames_jpeg_quality", "jpeg_quality"]

# The page encodes at 90; 80 leaves room for encoders whose tables are not libjpeg's.
MIN_JPEG_QUALITY = 80.0

# ITU-T T.81 Annex K, table K.1 (luminance), in zig-zag order as DQT stores it.
_LUMINANCE_ZIGZAG = np.array([
    16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35,
    37, 29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109,
    81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
], dtype=np.float64)  # fmt: skip


def _table(quality: int) -> np.ndarray:
    scale = 5000.0 / quality if quality < 50 else 200.0 - 2.0 * quality
    return np.clip(np.floor((_LUMINANCE_ZIGZAG * scale + 50.0) / 100.0), 1, 255)


_TABLES = {q: _table(q) for q in range(1, 101)}


def _luminance_table(data: bytes) -> np.ndarray | None:
    """The first quantisation table of a baseline/progressive JPEG (zig-zag order)."""
    if len(data) < 4 or data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker == 0xDB:
            body = data[i + 4 : i + 2 + length]
            if not body:
                return None
            precision = body[0] >> 4
            if precision == 0 and len(body) >= 65:
                return np.frombuffer(body[1:65], dtype=np.uint8).astype(np.float64)
            if precision == 1 and len(body) >= 129:
                return np.frombuffer(body[1:129], dtype=">u2").astype(np.float64)
            return None
        if marker == 0xDA:  # start of scan: no table before it
            return None
        i += 2 + length
    return None


def jpeg_quality(data: bytes) -> float | None:
    """Estimated IJG quality (1-100) of one JPEG's luminance table; None if not a JPEG."""
    table = _luminance_table(data)
    if table is None:
        return None
    errors = {q: float(np.abs(np.log(t) - np.log(table)).mean()) for q, t in _TABLES.items()}
    return float(min(errors, key=lambda q: errors[q]))


def frames_jpeg_quality(frames: Sequence[object]) -> float | None:
    """The lowest estimated quality over the frames given as bytes (arrays are not read)."""
    qualities = [q for f in frames if isinstance(f, bytes) and (q := jpeg_quality(f)) is not None]
    return min(qualities) if qualities else None
