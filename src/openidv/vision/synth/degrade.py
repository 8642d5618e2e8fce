"""Capture degradations and image-level attacks applied to a rendered page.

Each function takes and returns an RGB uint8 array and draws only from the ``random.Random``
it is given, so degradations are reproducible. ``camera``, ``rotation`` and ``perspective``
place the page on a darker surface, the way a phone photo frames a document.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = [
    "HARD",
    "MILD",
    "Degradation",
    "apply_degradation",
    "encode",
    "photocopy",
    "screen_recapture",
]

Image_ = NDArray[np.uint8]


class Degradation(StrEnum):
    CLEAN = "clean"
    JPEG = "jpeg"
    NOISE = "noise"
    BLUR = "blur"
    ROTATION = "rotation"
    LOWRES = "lowres"
    PERSPECTIVE = "perspective"
    GLARE = "glare"
    CAMERA = "camera"
    HEAVY_BLUR = "heavy_blur"


# "Mild" is what a cooperative user with a decent phone produces; the benchmark's 99.5 %
# target applies to these. The rest are the hard cases the 97 % overall target covers.
MILD = frozenset(
    {Degradation.CLEAN, Degradation.JPEG, Degradation.NOISE, Degradation.BLUR, Degradation.ROTATION}
)
HARD = frozenset(set(Degradation) - MILD)


def _clip(image: NDArray[np.floating] | NDArray[np.integer]) -> Image_:
    return np.asarray(np.clip(image, 0, 255), dtype=np.uint8)


def _jpeg_roundtrip(image: Image_, quality: int) -> Image_:
    return _decode(encode(image, "jpeg", quality))


def _decode(data: bytes) -> Image_:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.uint8)


def encode(image: Image_, kind: str, quality: int = 90) -> bytes:
    """PNG or JPEG bytes of an RGB array (Pillow: deterministic output)."""
    buffer = io.BytesIO()
    pil = Image.fromarray(image, "RGB")
    if kind == "png":
        pil.save(buffer, "PNG", compress_level=3)
    else:
        pil.save(buffer, "JPEG", quality=quality, subsampling=2)
    return buffer.getvalue()


def _noise(rng: random.Random, image: Image_, sigma: float) -> Image_:
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0.0, sigma, image.shape)
    return _clip(image.astype(np.float32) + noise)


def _blur(image: Image_, sigma: float) -> Image_:
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)


def _surface(rng: random.Random, size: tuple[int, int]) -> Image_:
    """A table-like background: a dark-ish colour with a texture and a gradient."""
    width, height = size
    base = np.array(
        rng.choice([(70, 55, 45), (45, 50, 60), (95, 90, 85), (30, 30, 32)]), np.float32
    )
    generator = np.random.default_rng(rng.getrandbits(32))
    grain = cv2.GaussianBlur(generator.normal(0, 14, (height, width)).astype(np.float32), (0, 0), 3)
    ramp = np.linspace(-18, 18, width, dtype=np.float32)[None, :]
    return _clip(base[None, None, :] + (grain + ramp)[:, :, None])


def _place(
    rng: random.Random,
    page: Image_,
    frame: tuple[int, int],
    *,
    fill: float,
    angle: float,
    keystone: float,
) -> Image_:
    """Warp the page onto a surface: scale to ``fill`` of the frame width, rotate, tilt."""
    height, width = page.shape[:2]
    frame_w, frame_h = frame
    scale = fill * frame_w / width
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    # Keystone: the far edge (top) appears narrower, as when the phone is tilted.
    shrink = keystone * width * scale / 2
    target = np.array(
        [
            [shrink * rng.uniform(0.6, 1.4), rng.uniform(-1, 1) * shrink * 0.3],
            [width * scale - shrink * rng.uniform(0.6, 1.4), rng.uniform(-1, 1) * shrink * 0.3],
            [width * scale, height * scale],
            [0, height * scale],
        ],
        np.float32,
    )
    theta = math.radians(angle)
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    centre = target.mean(axis=0)
    target = (target - centre) @ rotation.T.astype(np.float32)
    offset = np.array(
        [
            frame_w / 2 + rng.uniform(-0.04, 0.04) * frame_w,
            frame_h / 2 + rng.uniform(-0.04, 0.04) * frame_h,
        ],
        np.float32,
    )
    target = (target + offset).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(page, matrix, frame, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((height, width), 255, np.uint8), matrix, frame)
    surface = _surface(rng, frame)
    alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
    return _clip(warped * alpha + surface * (1 - alpha))


def _glare(rng: random.Random, image: Image_, strength: float) -> Image_:
    """A saturated elliptical hotspot, like a lamp reflected by the laminate."""
    height, width = image.shape[:2]
    cx, cy = rng.uniform(0.25, 0.85) * width, rng.uniform(0.15, 0.6) * height
    ax, ay = rng.uniform(0.08, 0.16) * width, rng.uniform(0.06, 0.12) * height
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    dist = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2
    spot = np.clip(1.6 - dist, 0.0, 1.0) * strength
    return _clip(image + spot[:, :, None] * 255.0)


def _lighting(rng: random.Random, image: Image_) -> Image_:
    """Uneven room lighting: a smooth multiplicative gradient."""
    height, width = image.shape[:2]
    gx = np.linspace(rng.uniform(0.75, 0.95), rng.uniform(1.0, 1.1), width, dtype=np.float32)
    gy = np.linspace(rng.uniform(0.85, 1.05), rng.uniform(0.85, 1.05), height, dtype=np.float32)
    gain = gy[:, None] * gx[None, :]
    if rng.random() < 0.5:
        gain = gain[:, ::-1]
    return _clip(image * gain[:, :, None])


def _camera(rng: random.Random, page: Image_) -> Image_:
    framed = _place(
        rng,
        page,
        (1280, 960),
        fill=rng.uniform(0.62, 0.8),
        angle=rng.uniform(-6, 6),
        keystone=rng.uniform(0.0, 0.08),
    )
    framed = _lighting(rng, framed)
    framed = _blur(framed, rng.uniform(0.6, 1.0))
    framed = _noise(rng, framed, rng.uniform(2, 5))
    return _jpeg_roundtrip(framed, rng.randint(75, 88))


_Step = Callable[[random.Random, Image_], Image_]


def _lowres(rng: random.Random, page: Image_) -> Image_:
    height, width = page.shape[:2]
    factor = rng.uniform(0.5, 0.62)
    small = cv2.resize(
        page, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA
    )
    return _jpeg_roundtrip(np.asarray(small, np.uint8), rng.randint(70, 80))


def _framed(rng: random.Random, page: Image_, *, angle: float, keystone: float) -> Image_:
    height, width = page.shape[:2]
    frame = (round(width * 1.25), round(height * 1.35))
    return _place(rng, page, frame, fill=0.8, angle=angle, keystone=keystone)


_STEPS: dict[Degradation, _Step] = {
    Degradation.CLEAN: lambda rng, page: page,
    Degradation.JPEG: lambda rng, page: _jpeg_roundtrip(page, rng.randint(50, 65)),
    Degradation.NOISE: lambda rng, page: _noise(rng, page, rng.uniform(6, 10)),
    Degradation.BLUR: lambda rng, page: _jpeg_roundtrip(_blur(page, rng.uniform(0.8, 1.2)), 85),
    Degradation.HEAVY_BLUR: lambda rng, page: _jpeg_roundtrip(
        _blur(page, rng.uniform(1.8, 2.4)), 85
    ),
    Degradation.ROTATION: lambda rng, page: _framed(
        rng, page, angle=rng.choice((-1, 1)) * rng.uniform(1.5, 4.0), keystone=0.0
    ),
    Degradation.PERSPECTIVE: lambda rng, page: _framed(
        rng, page, angle=rng.uniform(-2, 2), keystone=rng.uniform(0.06, 0.12)
    ),
    Degradation.LOWRES: _lowres,
    Degradation.GLARE: lambda rng, page: _glare(rng, page, rng.uniform(0.7, 1.0)),
    Degradation.CAMERA: _camera,
}


def apply_degradation(rng: random.Random, page: Image_, degradation: Degradation) -> Image_:
    return _STEPS[degradation](rng, page)


def screen_recapture(rng: random.Random, page: Image_) -> Image_:
    """The page shown on a screen and photographed: RGB subpixels, moire, gamma, bezel."""
    height, width = page.shape[:2]
    big = np.asarray(
        cv2.resize(page, (width * 3, height * 3), interpolation=cv2.INTER_NEAREST), np.float32
    )
    # Subpixel stripes: each screen pixel is three vertical R, G, B stripes.
    stripes = np.zeros((1, width * 3, 3), np.float32)
    for channel in range(3):
        stripes[0, channel::3, channel] = 1.0
    big = np.asarray(big * (0.72 + 0.28 * stripes), np.float32)
    # The camera samples the grid at a slightly different pitch and angle -> moire.
    matrix = cv2.getRotationMatrix2D((width * 1.5, height * 1.5), rng.uniform(-2, 2), 1 / 3 * 1.02)
    matrix[:, 2] += (width / 2 - width * 1.5, height / 2 - height * 1.5)  # centre to centre
    warped = np.asarray(
        cv2.warpAffine(big, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0)),
        np.float32,
    )
    gamma = rng.uniform(0.8, 0.9)
    shot = np.asarray(255.0 * (np.clip(warped, 0, 255) / 255.0) ** gamma * 1.15, np.float32)
    shot[:, :, 2] = shot[:, :, 2] * 1.06  # screens run blue (arrays here are RGB)
    bordered = cv2.copyMakeBorder(
        _clip(shot), 30, 30, 30, 30, cv2.BORDER_CONSTANT, value=(12, 12, 14)
    )
    return _jpeg_roundtrip(_noise(rng, np.asarray(bordered, np.uint8), 3), 85)


def photocopy(rng: random.Random, page: Image_) -> Image_:
    """A grey-scale photocopy: no colour, crushed contrast, toner speckle, slight blur."""
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY).astype(np.float32)
    grey = np.clip((grey - 60.0) * 1.5 + 40.0, 0, 255)
    speckle = np.random.default_rng(rng.getrandbits(32)).random(grey.shape) < 0.002
    grey[speckle] = 30
    grey = cv2.GaussianBlur(grey, (0, 0), 0.7)
    rgb = cv2.cvtColor(_clip(grey), cv2.COLOR_GRAY2RGB)
    return _jpeg_roundtrip(np.asarray(rgb, np.uint8), 80)
