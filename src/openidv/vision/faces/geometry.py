"""Where a face is: centres, regions around a box, the same face found again, descreening.

Pure geometry on :class:`~openidv.vision.faces.engine.Face` boxes and one image filter, shared
by the subject policy and the document side of :mod:`openidv.vision.faces.match`.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from openidv.vision.faces.engine import Face, ImageArray

__all__ = [
    "DESCREEN_SIGMA",
    "REGION_MARGIN",
    "TRACK_MAX_SHIFT",
    "centre",
    "descreen",
    "mirrored",
    "moved",
    "region",
    "same_face",
]

# Across frames the subject is the face whose centre is nearest the previous subject's, if it
# is within this many of the previous face's widths (a head moves, it does not jump).
TRACK_MAX_SHIFT = 0.6
# Gaussian sigma (px) that removes a 2.5-5 px dot screen yet keeps a 40 px face recognisable.
DESCREEN_SIGMA = 1.5
# The document's face is found a second time in a region around its first box: the box grown
# by this fraction of its size on each side (the whole head, and the context the detector
# needs: it misses faces that fill its whole input), searched at the page's own resolution.
REGION_MARGIN = 0.6


def centre(face: Face) -> tuple[float, float]:
    x, y, w, h = face.box
    return x + w / 2, y + h / 2


def same_face(face: Face, found: Sequence[Face]) -> Face:
    """The face in ``found`` (detected again on a cleaned copy of the image) nearest ``face``,
    if one is within ``TRACK_MAX_SHIFT`` of its width; else ``face`` itself."""
    cx, cy = centre(face)
    near = [f for f in found if np.hypot(centre(f)[0] - cx, centre(f)[1] - cy)
            <= TRACK_MAX_SHIFT * face.box[2]]  # fmt: skip
    return min(near, key=lambda f: np.hypot(centre(f)[0] - cx, centre(f)[1] - cy), default=face)


def region(face: Face, width: int, height: int) -> tuple[int, int, int, int]:
    """The face's box grown by ``REGION_MARGIN`` of its size on every side, inside the image."""
    x, y, w, h = face.box
    mx, my = REGION_MARGIN * w, REGION_MARGIN * h
    x0, y0 = max(0, int(x - mx)), max(0, int(y - my))
    return x0, y0, min(width, int(x + w + mx)), min(height, int(y + h + my))


def moved(face: Face, dx: float, dy: float) -> Face:
    """``face`` found in a crop whose corner is at (dx, dy), in the whole image's pixels."""
    x, y, w, h = face.box
    points = tuple((px + dx, py + dy) for px, py in face.landmarks)
    return Face((x + dx, y + dy, w, h), points, face.score)


def mirrored(face: Face, width: int) -> Face:
    """``face`` as found in the image flipped left to right (``width``: the image's width).

    The landmarks keep YuNet's order of the subject's sides: the flipped image's right eye is
    the original's left one, and so for the mouth corners.
    """
    x, y, w, h = face.box
    points = [(width - 1 - px, py) for px, py in face.landmarks]
    order = (1, 0, 2, 4, 3)
    return Face((width - 1 - x - w, y, w, h), tuple(points[i] for i in order), face.score)


def descreen(image: ImageArray) -> ImageArray:
    """Smoothed over about one printing dot, as a scanner's descreen filter does."""
    return np.asarray(cv2.GaussianBlur(image, (0, 0), DESCREEN_SIGMA), dtype=np.uint8)
