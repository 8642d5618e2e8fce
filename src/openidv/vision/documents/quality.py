"""Image quality measures of a flattened document (OpenCV, ~10 ms).

All measures are taken on the document flattened to the working width, so a number means the
same thing for a 12 MP photo and a 1000 px scan:

* ``sharpness``: variance of the Laplacian of the grey image. Falls with defocus and motion
  blur; rises with noise, so read it together with the exposure figures.
* ``glare_blob``: area share of the largest connected bright (V >= 250 after a light blur)
  and unsaturated (S < 40) region smaller than half the page and shaped like a hotspot
  (solid and roundish: `_hotspot_shaped`). The largest *blob*, not the pixel share, because
  pale backgrounds are bright everywhere without being glare; and white stock laced with
  print, or a scan's white margin, is bright without being glare either.
* ``mean_luma`` / ``clipped_high`` / ``clipped_low``: exposure.
* ``colourfulness``: Hasler-Suesstrunk colourfulness. Near zero for grey-scale photocopies.
* ``mrz_text_height_px``: MRZ glyph height in *source* pixels, the resolution that OCR
  actually had to work with; set by the reader once the MRZ is located.
* ``mrz_glare``: share of the MRZ lines' pixels under the largest hotspot (`glare_share`),
  set by the reader too: a hotspot elsewhere on the page leaves the MRZ read as sure as on
  a clean capture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["QualityMeasures", "QualityThresholds", "glare_share", "measure_quality"]

Array = NDArray[np.uint8]


@dataclass(frozen=True)
class QualityMeasures:
    sharpness: float
    glare_blob: float
    glare_fraction: float
    mean_luma: float
    clipped_high: float
    clipped_low: float
    colourfulness: float
    document_width_px: float  # document width in source pixels
    mrz_text_height_px: float | None = None
    mrz_glare: float | None = None


def _colourfulness(image: Array) -> float:
    b, g, r = (image[:, :, i].astype(np.float32) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(
        np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    )


def _washed_out(image: Array) -> NDArray[np.bool_]:
    """Pixels bright (V >= 250) and unsaturated (S < 40) after a light blur: glare."""
    # Smooth first: sensor noise on a pale page otherwise links bright pixels into one
    # page-sized "blob".
    hsv = cv2.cvtColor(cv2.GaussianBlur(image, (0, 0), 2.0), cv2.COLOR_BGR2HSV)
    return np.asarray((hsv[:, :, 2] >= 250) & (hsv[:, :, 1] < 40))


def _hotspots(document: Array) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Connected glare regions smaller than half the page: (labels image, areas by label,
    with area 0 for the background and for regions too large to be a hotspot). A bright
    region covering most of the page is a washed-out background (photocopy, overexposure:
    see clipped_high), not a hotspot."""
    bright = _washed_out(document).astype(np.uint8)
    _, found, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    areas = stats[:, cv2.CC_STAT_AREA].astype(np.int32)
    areas[0] = 0
    areas[areas >= 0.5 * bright.size] = 0
    labels: NDArray[np.int32] = np.asarray(found, np.int32)
    # Only the largest few can decide `glare_blob`; judge those by shape.
    for label in np.argsort(areas)[::-1][:_SHAPE_CHECKED]:
        if areas[label] == 0:
            break
        if not _hotspot_shaped(labels == label, stats[label]):
            areas[label] = 0
    return labels, areas


# A lamp's hotspot washes out everything under it: one solid, roundish patch. White card
# stock or paper between printed lines (a scan's pale design, a card's white back) is as
# bright but laced with the print (its area a small share of its convex hull), and a scan's
# white margin is a strip along the page: neither is glare. Synthetic hotspots measure
# solidity 0.61-0.96; white stock and margins on real scans 0.02-0.39.
_MIN_HOTSPOT_SOLIDITY = 0.5
_MIN_HOTSPOT_ASPECT = 0.1  # shorter over longer side of its bounding box
_SHAPE_CHECKED = 5


def _hotspot_shaped(mask: NDArray[np.bool_], stat: NDArray[np.int32]) -> bool:
    width, height = int(stat[cv2.CC_STAT_WIDTH]), int(stat[cv2.CC_STAT_HEIGHT])
    if min(width, height) < _MIN_HOTSPOT_ASPECT * max(width, height):
        return False
    left, top = int(stat[cv2.CC_STAT_LEFT]), int(stat[cv2.CC_STAT_TOP])
    patch = mask[top : top + height, left : left + width].astype(np.uint8)
    contours, _ = cv2.findContours(patch, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = float(cv2.contourArea(cv2.convexHull(np.vstack(contours))))
    return hull > 0 and float(stat[cv2.CC_STAT_AREA]) / hull >= _MIN_HOTSPOT_SOLIDITY


def glare_share(document: Array, quads: Sequence[NDArray[np.float32]]) -> float:
    """Share of the pixels inside ``quads`` (text lines of ``document``) covered by its
    largest glare hotspot (the one ``glare_blob`` measures)."""
    labels, areas = _hotspots(document)
    if not quads or not areas.any():
        return 0.0
    inside = np.zeros(labels.shape, np.uint8)
    cv2.fillPoly(inside, [np.round(np.asarray(q, np.float32)).astype(np.int32) for q in quads], 1)
    mask = inside.astype(bool)
    return float((labels[mask] == int(areas.argmax())).mean()) if mask.any() else 0.0


def measure_quality(document: Array, *, scale: float) -> QualityMeasures:
    """Measures of a BGR document image at working width; ``scale`` = source px per px."""
    grey = cv2.cvtColor(document, cv2.COLOR_BGR2GRAY)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    labels, areas = _hotspots(document)
    largest = int(areas.max())
    area = float(grey.size)
    return QualityMeasures(
        sharpness=sharpness,
        glare_blob=largest / area,
        glare_fraction=float((labels > 0).sum()) / area,
        mean_luma=float(grey.mean()),
        clipped_high=float((grey >= 250).sum()) / area,
        clipped_low=float((grey <= 5).sum()) / area,
        colourfulness=_colourfulness(document),
        document_width_px=document.shape[1] * scale,
    )


class QualityThresholds:
    """Gates for the quality reasons. Calibrated on synthetic captures only (see the
    benchmark); real-capture calibration is still to do."""

    min_mrz_text_height_px = 12.0  # below this OCR errors climb steeply
    # Variance of the Laplacian at 1000 px: synthetic mild blur (sigma 1) and camera shots
    # measure 60-230 and still read; sigma 2 blur measures 9-22 and loses the VIZ.
    min_sharpness = 40.0
    max_glare_blob = 0.01  # clean pages <= 0.002, a lamp hotspot 0.03-0.05
    min_mean_luma = 60.0
    max_clipped_high = 0.5
    min_colourfulness = 3.0  # grey-scale copies measure ~0, colour pages 15-25
    # Least probability of a name's characters for the MRZ names to be trusted without the
    # printed zone showing them: the recogniser put at least this much on its reading of
    # each (exact real reads: median 0.98; a dropped I that shifted a name: 0.11).
    min_name_char_confidence = 0.6
