"""Geometry of detected text lines (quadrilaterals, corners in reading order) and of ink."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents.skew import ink_box

__all__ = [
    "INK_CROP_SHARE",
    "MRZ_LINE_SHARE",
    "bounds",
    "extent",
    "has_mrz_long_line",
    "ink_crop",
    "iou",
    "line_length",
    "standing_share",
]

Array = NDArray[np.uint8]

# The straightened search (`_read_straightened`) crops to the ink when it spans less than
# this share of the page along an axis (a card lying small on a white table).
INK_CROP_SHARE = 0.8
# Share of the page width an MRZ line spans at least (as `band.find_mrz_lines` requires).
MRZ_LINE_SHARE = 0.45


def ink_crop(page: Array) -> Array:
    """The part of the page its ink occupies, when that is clearly less than the page."""
    box = ink_box(page)
    if box is None:
        return page
    x0, y0, x1, y1 = box
    height, width = page.shape[:2]
    if x1 - x0 >= INK_CROP_SHARE * width and y1 - y0 >= INK_CROP_SHARE * height:
        return page
    return np.ascontiguousarray(page[y0:y1, x0:x1])


def extent(quad: NDArray[np.float32]) -> tuple[float, float]:
    """Width and height of a text line's bounding box."""
    return float(np.ptp(quad[:, 0])), float(np.ptp(quad[:, 1]))


def bounds(quad: NDArray[np.float32]) -> tuple[float, float, float, float]:
    return (
        float(quad[:, 0].min()),
        float(quad[:, 1].min()),
        float(quad[:, 0].max()),
        float(quad[:, 1].max()),
    )


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def line_length(quad: NDArray[np.float32]) -> float:
    return sum(extent(quad))


def has_mrz_long_line(quads: list[NDArray[np.float32]], page: Array) -> bool:
    """Some text line spans as much of the page as the morphological MRZ finder requires
    of an MRZ line, lying or (a page turned a quarter) standing."""
    height, width = page.shape[:2]
    return any(
        w >= MRZ_LINE_SHARE * width or h >= MRZ_LINE_SHARE * height for w, h in map(extent, quads)
    )


def standing_share(quads: list[NDArray[np.float32]]) -> float:
    """Share of the clearly elongated text lines that are taller than wide."""
    elongated = [(w, h) for w, h in map(extent, quads) if max(w, h) >= 3 * min(w, h)]
    if not elongated:
        return 0.0
    return sum(h > w for w, h in elongated) / len(elongated)
