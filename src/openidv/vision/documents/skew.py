"""Straighten a page whose MRZ the upright search missed: the dominant text direction, and
the part of a frame the document's ink occupies (OpenCV + NumPy, ~15-30 ms).

`band.find_mrz_lines` copes with a few degrees of tilt, but a line tilted 15-30 degrees
fuses with its neighbours under the horizontal closing, and a card lying small in a white
frame (no outline to flatten it by) has MRZ lines shorter than the share of the page width
the finder requires. Neither needs OCR to fix:

* ``text_angle``: text lines are the strongest periodic structure of a document. Project the
  dark-stroke pixels onto the normal of every candidate direction: at the text direction the
  profile alternates between lines and gaps, and its energy (sum of squared bin counts)
  peaks. A coarse search over the half turn, then a fine one around the best, finds the
  direction to a fraction of a degree whatever the text size; a page turned a quarter turn
  comes back near +/-90 degrees.
* ``ink_box``: the box holding nearly all dark strokes, so that a small document can be
  cut out of a plain background and read at the working width.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["ink_box", "rotate_page", "text_angle", "text_angles"]

Array = NDArray[np.uint8]

_WORK_SIDE = 480  # resolution of the angle search: text lines stay several pixels apart
_MAX_POINTS = 20000
_COARSE_STEP = 2.0
_FINE_STEP = 0.25
# Candidate text directions closer than this are one peak of the projection energy.
_MIN_PEAK_SEPARATION = 10.0
# Share of the working side along each edge of the frame whose ink `ink_box` ignores.
_EDGE_SHARE = 0.012


def _ink(image: Array, side: int) -> tuple[Array, float]:
    """Dark strokes (locally darker than their surroundings) at ``side`` px, and the scale."""
    factor = side / max(image.shape[:2])
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    mask = cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12
    )
    return np.asarray(mask, np.uint8), factor


def _energy(xs: NDArray[np.float32], ys: NDArray[np.float32], degrees: float) -> float:
    rad = np.deg2rad(degrees)
    offsets = -xs * np.sin(rad) + ys * np.cos(rad)
    bins = np.bincount((offsets - offsets.min()).astype(np.int64))
    return float(np.dot(bins, bins))


def text_angle(image: Array) -> float | None:
    """Direction of the text lines in degrees, in (-90, 90]: the angle from the image's x
    axis towards its y axis (down), so rotating the image by it (OpenCV's sense) lays the
    lines flat. None when the image holds too little ink to tell."""
    angles = text_angles(image, limit=1)
    return angles[0] if angles else None


def text_angles(image: Array, *, limit: int = 2) -> list[float]:
    """Up to ``limit`` candidate text directions (as `text_angle`), the strongest first:
    the peaks of the projection energy at least `_MIN_PEAK_SEPARATION` apart. The second
    is most often the first's perpendicular: a document's straight edges, a table's grain
    or a turned frame's border run across its text and can outweigh small print. Empty
    when the image holds too little ink to tell."""
    mask, _ = _ink(image, _WORK_SIDE)
    ys, xs = np.nonzero(mask)
    if len(xs) < 200:
        return []
    if len(xs) > _MAX_POINTS:
        pick = np.random.default_rng(0).choice(len(xs), _MAX_POINTS, replace=False)
        xs, ys = xs[pick], ys[pick]
    fx, fy = xs.astype(np.float32), ys.astype(np.float32)
    coarse = np.arange(-90 + _COARSE_STEP, 90 + 1e-6, _COARSE_STEP)
    energies = np.array([_energy(fx, fy, float(a)) for a in coarse])
    # Local maxima over the half turn, which wraps around (-88 neighbours 90).
    peaks = np.flatnonzero((energies >= np.roll(energies, 1)) & (energies >= np.roll(energies, -1)))
    angles: list[float] = []
    for index in sorted(peaks, key=lambda i: -energies[i]):
        best = float(coarse[index])
        if any(_separation(best, angle) < _MIN_PEAK_SEPARATION for angle in angles):
            continue
        fine = np.arange(best - _COARSE_STEP, best + _COARSE_STEP + 1e-6, _FINE_STEP)
        angle = float(max(fine, key=lambda a: _energy(fx, fy, float(a))))
        if angle <= -90:
            angle += 180
        elif angle > 90:
            angle -= 180
        angles.append(round(angle, 2))
        if len(angles) == limit:
            break
    return angles


def _separation(a: float, b: float) -> float:
    """Degrees between two line directions (modulo a half turn)."""
    gap = abs(a - b) % 180
    return min(gap, 180 - gap)


def rotate_page(image: Array, degrees: float) -> Array:
    """The image rotated by ``degrees`` (OpenCV's sense: positive turns the content
    counter-clockwise on screen), on a canvas grown to keep every corner, the border filled
    with the edge colour."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    out_w = round(width * cos + height * sin)
    out_h = round(width * sin + height * cos)
    matrix[0, 2] += out_w / 2 - width / 2
    matrix[1, 2] += out_h / 2 - height / 2
    rotated = cv2.warpAffine(
        image, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(rotated, np.uint8)


def ink_box(image: Array, *, keep: float = 0.995) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the box holding ``keep`` of the dark strokes along each axis,
    grown by a margin, in image pixels; None when there is hardly any ink."""
    mask, factor = _ink(image, _WORK_SIDE)
    # The frame's own edge is no ink of the document: the outline a flattened page was cut
    # along, or a scanner's border, leaves a dark line on it that would stretch the box to
    # the whole frame (a card lying small on a sheet of paper, photographed turned).
    edge = max(2, round(_EDGE_SHARE * _WORK_SIDE))
    mask[:edge], mask[-edge:], mask[:, :edge], mask[:, -edge:] = 0, 0, 0, 0
    ys, xs = np.nonzero(mask)
    if len(xs) < 200:
        return None
    cut = (1 - keep) / 2 * 100
    x0, x1 = np.percentile(xs, [cut, 100 - cut])
    y0, y1 = np.percentile(ys, [cut, 100 - cut])
    margin = 0.04 * max(x1 - x0, y1 - y0)
    height, width = image.shape[:2]
    box = (
        max(0, int((x0 - margin) / factor)),
        max(0, int((y0 - margin) / factor)),
        min(width, int((x1 + margin) / factor) + 1),
        min(height, int((y1 + margin) / factor) + 1),
    )
    return box if box[2] - box[0] > 8 and box[3] - box[1] > 8 else None
