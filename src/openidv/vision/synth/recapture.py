"""Real document images captured again as a phone would: turned, tilted, seen in
perspective, smaller, compressed harder, in poor light.

The generator's degradations (`degrade`) draw on our own pages; these apply to any image,
so that the real specimens (whose fonts, layouts and print the generator does not know) are
also read turned ±30° and a quarter, in perspective and small. The document is laid on a
table-coloured surround, as on a desk, so that its outline stays visible. Deterministic:
the same image and name give the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["RECAPTURES", "recapture"]

Image = NDArray[np.uint8]

# A dark wooden desk (BGR): darker than paper and card stock, as phone photos show them.
_TABLE = (62, 74, 86)


def _turned(image: Image, degrees: float) -> Image:
    """Rotated about its centre on a canvas that holds all of it."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    out_w, out_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += out_w / 2 - width / 2
    matrix[1, 2] += out_h / 2 - height / 2
    turned = cv2.warpAffine(
        image, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC, borderValue=_TABLE
    )
    return np.asarray(turned, np.uint8)


def _keystone(image: Image, share: float = 0.12) -> Image:
    """Seen from below its bottom edge: the top edge shorter by ``share`` of the width on
    each side, on a surround of 8% of the longer side."""
    height, width = image.shape[:2]
    pad = int(0.08 * max(height, width))
    canvas = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=_TABLE)
    corners = np.array(
        [[pad, pad], [pad + width, pad], [pad + width, pad + height], [pad, pad + height]],
        np.float32,
    )
    seen = corners.copy()
    seen[0, 0] += share * width
    seen[1, 0] -= share * width
    matrix = cv2.getPerspectiveTransform(corners, seen)
    size = (canvas.shape[1], canvas.shape[0])
    warped = cv2.warpPerspective(canvas, matrix, size, flags=cv2.INTER_CUBIC, borderValue=_TABLE)
    return np.asarray(warped, np.uint8)


def _jpeg(image: Image, quality: int) -> Image:
    encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR), np.uint8)


def _dim(image: Image) -> Image:
    """Under half the light, with the sensor noise that brings (seeded)."""
    noise = np.random.default_rng(7).normal(0.0, 5.0, image.shape)
    return np.clip(image.astype(np.float32) * 0.45 + noise, 0, 255).astype(np.uint8)


def _quarter(turns: int) -> Callable[[Image], Image]:
    return lambda image: np.ascontiguousarray(np.rot90(image, turns))


RECAPTURES: dict[str, Callable[[Image], Image]] = {
    "turned 90": _quarter(1),
    "turned 180": _quarter(2),
    "turned 270": _quarter(3),
    "rotated +12": lambda image: _turned(image, 12),
    "rotated -20": lambda image: _turned(image, -20),
    "rotated +30": lambda image: _turned(image, 30),
    "perspective": _keystone,
    "half size": lambda image: np.asarray(
        cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), np.uint8
    ),
    "jpeg 40": lambda image: _jpeg(image, 40),
    "poor light": _dim,
}


def recapture(data: bytes, name: str) -> bytes:
    """The encoded image ``data`` recaptured as ``name`` (one of `RECAPTURES`), as PNG."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("not an image")
    return bytes(cv2.imencode(".png", RECAPTURES[name](np.asarray(image, np.uint8)))[1])
