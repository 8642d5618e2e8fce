"""Image measurements shared by the face, liveness and document code: crop, blur, light, colour.

Pure numbers on pixels, no thresholds: each caller owns the limit it applies, because a limit
depends on what follows (a face model, a liveness frame, an OCR pass), while the measurement
itself does not. Keeping the measurements in one place means a sharpness of 12 in liveness and
a sharpness of 12 in face quality are the same number of the same kind of image.

All functions take 8-bit images (BGR colour or single-channel grey), as OpenCV decodes them.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "NORMALISED_SIDE",
    "brightness",
    "chroma",
    "crop_resized",
    "grey",
    "laplacian_variance",
    "texture_ratio",
]

# Side of the square a face region is resampled to before it is measured: the measurements
# are then comparable between a 40 px face and a 400 px one.
NORMALISED_SIDE = 128


def grey(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``image`` as single-channel 8-bit grey (already grey images pass through)."""
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def crop_resized(
    image: NDArray[np.uint8],
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    side: int = NORMALISED_SIDE,
) -> NDArray[np.uint8]:
    """The region ``[x0, x1) x [y0, y1)`` clipped to ``image``, resampled to ``side`` square.

    Shrinking uses area averaging (no aliasing of fine texture into coarse), enlarging bilinear.
    A region under 4 px on a side, or outside the image, gives a black square: nothing can be
    measured on it, and every measurement below then reads as "poor".
    """
    h, w = image.shape[:2]
    ix0, iy0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    ix1, iy1 = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
    shape = (side, side) if image.ndim == 2 else (side, side, image.shape[2])
    if ix1 - ix0 < 4 or iy1 - iy0 < 4:
        return np.zeros(shape, dtype=np.uint8)
    crop = image[iy0:iy1, ix0:ix1]
    shrinking = crop.shape[0] > side or crop.shape[1] > side
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(crop, (side, side), interpolation=interpolation), dtype=np.uint8)


def laplacian_variance(image: NDArray[np.uint8], smooth_sigma: float = 0.0) -> float:
    """Variance of the Laplacian (focus measure): falls with defocus and motion blur.

    ``smooth_sigma`` > 0 applies a Gaussian first, so print dots and sensor noise, which are
    sharp but are not the subject, do not count as sharpness. The result depends on the
    resolution, so callers measure on a crop resampled to a fixed size (:func:`crop_resized`).
    """
    g = grey(image).astype(np.float32)
    if smooth_sigma > 0:
        g = np.asarray(cv2.GaussianBlur(g, (0, 0), smooth_sigma), dtype=np.float32)
    return float(cv2.Laplacian(g, cv2.CV_32F).var())


def brightness(image: NDArray[np.uint8]) -> float:
    """Mean grey level, 0-255."""
    return float(grey(image).mean())


def chroma(image: NDArray[np.uint8]) -> float:
    """Mean distance from neutral grey in Lab's a/b plane (0-128 scale): ~0-2 for greyscale."""
    if image.ndim == 2:
        return 0.0
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
    return float(np.mean(np.hypot(lab[:, :, 1] - 128.0, lab[:, :, 2] - 128.0)))


def texture_ratio(image: NDArray[np.uint8]) -> float:
    """Finest band (1 px scale) over the next one (2-4 px): high for print dots and noise."""
    g = grey(image).astype(np.float32)
    blur1 = cv2.GaussianBlur(g, (0, 0), 1.0)
    fine = g - blur1
    coarse = blur1 - cv2.GaussianBlur(g, (0, 0), 3.0)
    return float(np.std(fine) / max(float(np.std(coarse)), 1e-3))
