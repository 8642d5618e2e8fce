"""Compression history of liveness frames: the JPEG quality read from the frames' own tables."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from openidv.vision.liveness.compression import (
    MIN_JPEG_QUALITY,
    frames_jpeg_quality,
    jpeg_quality,
)
from openidv.vision.synth import liveness as synth


def _jpeg(quality: int, seed: int = 0) -> bytes:
    image = np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return bytes(data.tobytes())


@pytest.mark.parametrize("quality", [30, 50, 70, 88, 90, 95])
def test_quality_is_read_from_the_tables(quality: int) -> None:
    assert jpeg_quality(_jpeg(quality)) == quality


def test_not_a_jpeg_is_not_measured() -> None:
    ok, png = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))
    assert ok
    assert jpeg_quality(png.tobytes()) is None
    assert jpeg_quality(b"") is None
    assert frames_jpeg_quality([np.zeros((8, 8, 3), np.uint8)]) is None


def test_a_recording_encoded_again_at_a_lower_quality_is_seen() -> None:
    """The page encodes at 90; the benchmark's re-encoded replay at 70 falls below the bar,
    a frame at the page's quality does not, and the lowest frame counts."""
    page = [_jpeg(90, seed) for seed in range(3)]
    assert (frames_jpeg_quality(page) or 0.0) >= MIN_JPEG_QUALITY
    again = synth.reencode(page, seed=1, quality=70)
    assert frames_jpeg_quality(again) == 70
    assert frames_jpeg_quality([*page, again[0]]) == 70
