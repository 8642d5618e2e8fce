"""The shared image measurements: each moves the way its name says on images built for it."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.image_measures import (
    brightness,
    chroma,
    crop_resized,
    grey,
    laplacian_variance,
    texture_ratio,
)


def _scene(seed: int = 3) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    # Blocks of random colour with sharp edges, then a little smoothing: "a photo".
    blocks = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
    image = cv2.resize(blocks, (192, 192), interpolation=cv2.INTER_NEAREST)
    return np.asarray(cv2.GaussianBlur(image, (0, 0), 0.8), dtype=np.uint8)


def test_blur_lowers_laplacian_variance() -> None:
    sharp = _scene()
    blurred = np.asarray(cv2.GaussianBlur(sharp, (0, 0), 3.0), dtype=np.uint8)
    assert laplacian_variance(blurred) < 0.2 * laplacian_variance(sharp)
    # Pre-smoothing discounts pixel noise, not edges: noise raises the raw figure far more.
    noise = np.random.default_rng(1).normal(0, 12, sharp.shape)
    noisy = np.clip(sharp + noise, 0, 255).astype(np.uint8)
    raw_gain = laplacian_variance(noisy) / laplacian_variance(sharp)
    smooth_gain = laplacian_variance(noisy, 1.0) / laplacian_variance(sharp, 1.0)
    assert raw_gain > 1.5 * smooth_gain


def test_brightness_and_chroma() -> None:
    image = _scene()
    assert brightness(np.full((8, 8), 200, np.uint8)) == 200.0
    assert brightness((image // 2).astype(np.uint8)) < brightness(image)
    assert chroma(np.asarray(cv2.cvtColor(grey(image), cv2.COLOR_GRAY2BGR), np.uint8)) < 1.0
    assert chroma(image) > 10.0
    assert chroma(grey(image)) == 0.0


def test_texture_ratio_sees_dots() -> None:
    image = grey(_scene())
    dots = image.copy()
    dots[::2, ::2] = 0  # a fine screen over the same picture
    assert texture_ratio(dots) > 2 * texture_ratio(image)


def test_crop_resized_clips_and_normalises() -> None:
    image = _scene()
    patch = crop_resized(image, -10, -10, 100, 100, 64)
    assert patch.shape == (64, 64, 3)
    assert crop_resized(grey(image), 10, 10, 60, 60).shape == (128, 128)
    assert not crop_resized(image, 500, 500, 600, 600, 32).any()
