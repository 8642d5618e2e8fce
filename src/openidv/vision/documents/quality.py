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
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["QualityMeasures", "measure_quality"]

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


def _colourfulness(image: Array) -> float:
    b, g, r = (image[:, :, i].astype(np.float32) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(
        np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    )


def measure_quality(document: Array, *, scale: float) -> QualityMeasures:
    """Measures of a BGR document image at working width; ``scale`` = source px per px."""
    grey = cv2.cvtColor(document, cv2.COLOR_BGR2GRAY)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    # Smooth first: sensor noise on a pale page otherwise links bright pixels into one
    # page-sized "blob".
    hsv = cv2.cvtColor(cv2.GaussianBlur(document, (0, 0), 2.0), cv2.COLOR_BGR2HSV)
    bright = ((hsv[:, :, 2] >= 250) & (hsv[:, :, 1] < 40)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA] if count > 1 else np.zeros(0, np.int32)
    # A bright region covering most of the page is a washed-out background (photocopy,
    # overexposure: see clipped_high), not a hotspot.
    hotspots = areas[areas < 0.5 * grey.size]
    largest = int(hotspots.max()) if hotspots.size else 0
    area = float(grey.size)
    return QualityMeasures(
        sharpness=sharpness,
        glare_blob=largest / area,
        glare_fraction=float(bright.sum()) / area,
        mean_luma=float(grey.mean()),
        clipped_high=float((grey >= 250).sum()) / area,
        clipped_low=float((grey <= 5).sum()) / area,
        colourfulness=_colourfulness(document),
        document_width_px=document.shape[1] * scale,
    )
