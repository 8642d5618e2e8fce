"""How good a face image is for comparison: resolution, colour, print texture, blur, pose.

Pure measurements on one detected face. None of them is a verdict on who the person is: they
let the decision tell "these faces differ" (REJECT) from "this image cannot say" (a reviewer).
A poor portrait that still scores as a match is approved; one that does not is not rejected
on the strength of a score the image could not support.

The limits below come from what the models see, not from a corpus: SFace and dlib's ResNet
both work on a face resampled to about 112-150 px with ~40 px between the eyes, so a face
printed with fewer than ``LOW_RESOLUTION_EYE_PX`` between the eyes is being enlarged by the
alignment, and detail the model relies on (skin texture, iris, fine lines) is interpolated.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces.engine import Face
from openidv.vision.image_measures import (
    NORMALISED_SIDE,
    crop_resized,
    laplacian_variance,
    texture_ratio,
)
from openidv.vision.image_measures import chroma as measure_chroma
from openidv.vision.image_measures import grey as to_grey

__all__ = [
    "BLUR_SHARPNESS_MIN",
    "GREYSCALE_CHROMA_MAX",
    "HALFTONE_TEXTURE_MIN",
    "LOW_RESOLUTION_EYE_PX",
    "POOR_ISSUES",
    "POSE_YAW_MAX",
    "FaceQuality",
    "QualityIssue",
    "measure_quality",
]

# Eye distance at which the aligned 112 px template is filled without enlarging (SFace's
# template puts the eyes ~38 px apart). Below this the image, not the person, limits the score.
LOW_RESOLUTION_EYE_PX = 28.0
# Mean chroma (Lab a/b distance from neutral, 0-128 scale) over the face: a colour photo of
# skin sits far above this even in dim light; a greyscale print or photocopy sits near 0-2.
GREYSCALE_CHROMA_MAX = 4.0
# Fine texture over coarse detail on the face normalised to 128 px: dot screens and sensor
# noise put energy in the finest band that a photo of skin does not have.
# Photos of skin measure 0.25-0.85, dot screens resolved by the camera 1.1-3.
HALFTONE_TEXTURE_MIN = 1.0
# Variance of the Laplacian of the face normalised to 128 px after a light smoothing. Sharp
# photos and camera captures of printed portraits measure 2-70; the same faces blurred by a
# Gaussian of sigma 2 (in 128 px units) fall to ~1-5, sigma 3 to ~0.4-2. Below 1.0 the blur,
# not the face, sets what the models see.
BLUR_SHARPNESS_MIN = 1.0
# Horizontal offset of the nose tip from the eyes' midpoint, over the eye distance: 0 when
# frontal, about 0.5 at a 45-degree turn. Past 0.35 the far half of the face is foreshortened.
POSE_YAW_MAX = 0.35


class QualityIssue(StrEnum):
    """Why a face image may not support a confident comparison."""

    LOW_RESOLUTION = "LOW_RESOLUTION"
    GREYSCALE = "GREYSCALE"
    HALFTONE = "HALFTONE"
    BLURRY = "BLURRY"
    POSE = "POSE"


# The issues that make an image *poor*: the image, not the person, can explain a low score, so
# a score below the approve line goes to a reviewer instead of a rejection. GREYSCALE is not
# one of them: laser-engraved cards print every portrait in grey by design, and the comparison
# then takes the other side in grey too (match.py's grey-matched probe), so a grey portrait is
# compared like for like and decided like a colour one. It stays reported, for the reviewer.
POOR_ISSUES = frozenset(
    {QualityIssue.LOW_RESOLUTION, QualityIssue.HALFTONE, QualityIssue.BLURRY, QualityIssue.POSE}
)


@dataclass(frozen=True, slots=True)
class FaceQuality:
    """The measurements behind :attr:`issues` (kept so a reviewer sees the numbers)."""

    eye_distance_px: float
    chroma: float
    texture: float
    sharpness: float
    yaw: float
    issues: tuple[QualityIssue, ...]

    @property
    def good(self) -> bool:
        return not self.issues

    @property
    def greyscale(self) -> bool:
        return QualityIssue.GREYSCALE in self.issues

    @property
    def poor_issues(self) -> tuple[QualityIssue, ...]:
        return tuple(i for i in self.issues if i in POOR_ISSUES)

    def as_details(self) -> dict[str, str]:
        return {
            "eye_distance_px": f"{self.eye_distance_px:.0f}",
            "chroma": f"{self.chroma:.1f}",
            "texture": f"{self.texture:.2f}",
            "sharpness": f"{self.sharpness:.0f}",
            "yaw": f"{self.yaw:.2f}",
        }


def _face_patch(image: NDArray[np.uint8], face: Face) -> NDArray[np.uint8]:
    """The inner face (eyes to chin, cheek to cheek), resized to 128 px square."""
    x, y, w, h = face.box
    # The inner 70% of YuNet's box: hair, background and the box's forehead margin would
    # dilute every statistic below with pixels that are not the face.
    x0, y0 = int(x + 0.15 * w), int(y + 0.2 * h)
    x1, y1 = int(x + 0.85 * w), int(y + 0.95 * h)
    return crop_resized(image, x0, y0, x1, y1, NORMALISED_SIDE)


def _yaw(face: Face) -> float:
    (rx, ry), (lx, ly), (nx, _) = face.landmarks[0], face.landmarks[1], face.landmarks[2]
    eyes = max(float(np.hypot(lx - rx, ly - ry)), 1e-3)
    return float((nx - (rx + lx) / 2) / eyes)


def measure_quality(image: NDArray[np.uint8], face: Face) -> FaceQuality:
    """Measure ``face`` (found in the BGR ``image``); list what is below par."""
    patch = _face_patch(image, face)
    grey = to_grey(patch)
    # Enlarged faces are smooth because they were enlarged: texture and blur only mean
    # something at native resolution, so they are not judged on a face already flagged small.
    eye_px, chroma = face.eye_distance_px, measure_chroma(patch)
    # A light smoothing before the Laplacian, so print dots or noise do not count as sharpness.
    texture, sharpness = texture_ratio(grey), laplacian_variance(grey, smooth_sigma=1.0)
    yaw = _yaw(face)
    issues: list[QualityIssue] = []
    small = eye_px < LOW_RESOLUTION_EYE_PX
    if small:
        issues.append(QualityIssue.LOW_RESOLUTION)
    if chroma < GREYSCALE_CHROMA_MAX:
        issues.append(QualityIssue.GREYSCALE)
    if not small and texture > HALFTONE_TEXTURE_MIN:
        issues.append(QualityIssue.HALFTONE)
    if not small and sharpness < BLUR_SHARPNESS_MIN:
        issues.append(QualityIssue.BLURRY)
    if abs(yaw) > POSE_YAW_MAX:
        issues.append(QualityIssue.POSE)
    return FaceQuality(eye_px, chroma, texture, sharpness, yaw, tuple(issues))
