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
    UPSIDE_DOWN = "upside_down"  # a camera shot of the page held upside down
    QUARTER_TURN = "quarter_turn"  # a camera shot with the phone turned 90 degrees


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
    interpolation: int = cv2.INTER_AREA,
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
    warped = cv2.warpPerspective(page, matrix, frame, flags=interpolation)
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
    Degradation.UPSIDE_DOWN: lambda rng, page: np.ascontiguousarray(_camera(rng, page)[::-1, ::-1]),
    Degradation.QUARTER_TURN: lambda rng, page: np.ascontiguousarray(
        np.rot90(_camera(rng, page), rng.choice((1, 3)))
    ),
}


def apply_degradation(rng: random.Random, page: Image_, degradation: Degradation) -> Image_:
    return _STEPS[degradation](rng, page)


def _screen_pixels(rng: random.Random, page: Image_) -> tuple[Image_, int]:
    """The page as an emitting screen: letterboxed, each pixel drawn as R, G, B stripes
    separated by the black matrix; returns the physical image and its subpixel factor."""
    height, width = page.shape[:2]
    shown_w = rng.randint(620, 900)  # screen pixels across the displayed document
    shown_h = round(height * shown_w / width)
    shown = cv2.resize(page, (shown_w, shown_h), interpolation=cv2.INTER_AREA)
    # Display transfer: brighter mid-tones, a blue white point, a slightly wider gamut.
    gamma = rng.uniform(0.78, 0.9)
    linear = (shown.astype(np.float32) / 255.0) ** gamma
    grey = linear.mean(axis=2, keepdims=True)
    linear = grey + (linear - grey) * rng.uniform(1.1, 1.3)
    white = np.array([rng.uniform(0.88, 0.95), rng.uniform(0.96, 1.0), 1.0], np.float32)
    shown = _clip(linear * white * 255.0)
    pad = rng.randint(int(0.04 * shown_w), int(0.1 * shown_w))
    screen = cv2.copyMakeBorder(shown, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(4, 4, 6))
    factor = 3
    big = cv2.resize(
        screen,
        (screen.shape[1] * factor, screen.shape[0] * factor),
        interpolation=cv2.INTER_NEAREST,
    ).astype(np.float32)
    mask = np.full((factor, factor, 3), rng.uniform(0.15, 0.3), np.float32)
    for channel in range(3):
        mask[:, channel, channel] = 1.0
    mask[factor - 1, :, :] *= 0.35  # black matrix between pixel rows
    tiled = np.tile(mask, (screen.shape[0], screen.shape[1], 1))
    # Stripes carry all the light of a pixel in a third of its width.
    return _clip(big * tiled * (3.0 / (1.0 + 2.0 * float(mask[0, 0, 1])) / 0.8)), factor


def screen_recapture(rng: random.Random, page: Image_) -> Image_:
    """The page shown on a phone or monitor and photographed with another phone.

    The screen is drawn physically (RGB subpixel stripes and black matrix, letterbox, a
    dark bezel, a display gamma and blue white point); the camera then samples it at about
    one sensor pixel per screen pixel, in perspective, through slightly soft optics, so the
    subpixel grid beats with the sensor grid (moire), and adds a specular band from the
    glass, sensor noise and JPEG.
    """
    physical, factor = _screen_pixels(rng, page)
    bezel = rng.randint(18, 40) * factor
    physical = np.asarray(
        cv2.copyMakeBorder(
            physical, bezel, bezel, bezel, bezel, cv2.BORDER_CONSTANT, value=(20, 20, 22)
        ),
        np.uint8,
    )
    # Optics: softer than a subpixel, sharper than a pixel, so the grid aliases.
    physical = _blur(physical, rng.uniform(0.5, 1.2))
    framed = _place(
        rng,
        physical,
        (1280, 960),
        fill=rng.uniform(0.7, 0.92),
        angle=rng.uniform(-5, 5),
        keystone=rng.uniform(0.0, 0.07),
        interpolation=cv2.INTER_LINEAR,
    )
    height, width = framed.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    slope = rng.uniform(-1.0, 1.0)
    band = np.exp(-(((xx + slope * yy) / width - rng.uniform(0.2, 0.8)) ** 2) / 0.02)
    framed = _clip(framed.astype(np.float32) + (band * rng.uniform(10, 30))[:, :, None])
    framed = _noise(rng, framed, rng.uniform(2, 4))
    return _jpeg_roundtrip(framed, rng.randint(80, 92))


def photocopy(rng: random.Random, page: Image_) -> Image_:
    """A photocopy of the page, then scanned or photographed.

    Half are grey-scale, half colour copies with most of the colour gone. Either way the
    copier's tone curve whitens the pale underprint (the fine guilloche is lost), the toner
    leaves grain and speckle on the ink, and the copy is a little soft.
    """
    pixels = page.astype(np.float32)
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY).astype(np.float32)[:, :, None]
    if rng.random() < 0.5:
        pixels = np.repeat(grey, 3, axis=2)
    else:
        pixels = grey + (pixels - grey) * rng.uniform(0.2, 0.4)
    # Tone curve: paper white above ~200, ink pushed darker.
    low, high = rng.uniform(50, 70), rng.uniform(195, 215)
    pixels = np.clip((pixels - low) / (high - low), 0.0, 1.0) ** 1.2 * 255.0
    generator = np.random.default_rng(rng.getrandbits(32))
    darkness = 1.0 - pixels.mean(axis=2, keepdims=True) / 255.0
    toner = generator.normal(0.0, 1.0, page.shape[:2])[:, :, None] * 40.0 * darkness
    pixels = pixels + toner
    speckle = generator.random(page.shape[:2]) < 0.002
    pixels[speckle] = 35.0
    copy = _blur(_clip(pixels), rng.uniform(0.5, 0.9))
    if rng.random() < 0.5:  # scanned
        return _jpeg_roundtrip(copy, rng.randint(75, 88))
    return _camera(rng, copy)  # photographed on a table
