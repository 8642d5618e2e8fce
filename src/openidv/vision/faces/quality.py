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

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces.engine import Face

__all__ = [
    "BLUR_SHARPNESS_MIN",
    "GREYSCALE_CHROMA_MAX",
    "HALFTONE_TEXTURE_MIN",
    "LOW_RESOLUTION_EYE_PX",
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

_NORMALISED_SIDE = 128


class QualityIssue(StrEnum):
    """Why a face image may not support a confident comparison."""

    LOW_RESOLUTION = "LOW_RESOLUTION"
    GREYSCALE = "GREYSCALE"
    HALFTONE = "HALFTONE"
    BLURRY = "BLURRY"
    POSE = "POSE"


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
    x0, y0 = max(0, int(x + 0.15 * w)), max(0, int(y + 0.2 * h))
    x1, y1 = min(image.shape[1], int(x + 0.85 * w)), min(image.shape[0], int(y + 0.95 * h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return np.zeros((_NORMALISED_SIDE, _NORMALISED_SIDE, 3), dtype=np.uint8)
    crop = image[y0:y1, x0:x1]
    shrinking = crop.shape[0] > _NORMALISED_SIDE
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    patch = cv2.resize(crop, (_NORMALISED_SIDE, _NORMALISED_SIDE), interpolation=interpolation)
    return np.asarray(patch, dtype=np.uint8)


def _chroma(patch: NDArray[np.uint8]) -> float:
    lab = cv2.cvtColor(patch, cv2.COLOR_BGR2LAB).astype(np.float32)
    return float(np.mean(np.hypot(lab[:, :, 1] - 128.0, lab[:, :, 2] - 128.0)))


def _texture(grey: NDArray[np.float32]) -> float:
    """Finest band (1 px scale) over the next one (2-4 px): high for dots and noise."""
    fine = grey - cv2.GaussianBlur(grey, (0, 0), 1.0)
    coarse = cv2.GaussianBlur(grey, (0, 0), 1.0) - cv2.GaussianBlur(grey, (0, 0), 3.0)
    return float(np.std(fine) / max(float(np.std(coarse)), 1e-3))


def _sharpness(grey: NDArray[np.float32]) -> float:
    # A light smoothing first, so print dots or noise do not count as sharpness.
    smooth = cv2.GaussianBlur(grey, (0, 0), 1.0)
    return float(cv2.Laplacian(smooth, cv2.CV_32F).var())


def _yaw(face: Face) -> float:
    (rx, ry), (lx, ly), (nx, _) = face.landmarks[0], face.landmarks[1], face.landmarks[2]
    eyes = max(float(np.hypot(lx - rx, ly - ry)), 1e-3)
    return float((nx - (rx + lx) / 2) / eyes)


def measure_quality(image: NDArray[np.uint8], face: Face) -> FaceQuality:
    """Measure ``face`` (found in the BGR ``image``); list what is below par."""
    patch = _face_patch(image, face)
    grey = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY).astype(np.float32)
    # Enlarged faces are smooth because they were enlarged: texture and blur only mean
    # something at native resolution, so they are not judged on a face already flagged small.
    eye_px, chroma = face.eye_distance_px, _chroma(patch)
    texture, sharpness, yaw = _texture(grey), _sharpness(grey), _yaw(face)
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
