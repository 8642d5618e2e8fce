"""Image quality measures of a flattened document (OpenCV, ~10 ms).

All measures are taken on the document flattened to the working width, so a number means the
same thing for a 12 MP photo and a 1000 px scan:

* ``sharpness``: variance of the Laplacian of the grey image. Falls with defocus and motion
  blur; rises with noise, so read it together with the exposure figures.
* ``glare_blob``: area share of the largest connected bright (V >= 250 after a light blur)
  and unsaturated (S < 40) region smaller than half the page. The largest *blob*, not the
  pixel share, because pale backgrounds are bright everywhere without being glare.
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

__all__ = ["QualityMeasures", "glare_share", "measure_quality"]

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
    _, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    areas = stats[:, cv2.CC_STAT_AREA].astype(np.int32)
    areas[0] = 0
    areas[areas >= 0.5 * bright.size] = 0
    return np.asarray(labels, np.int32), areas


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
