"""Geometry of MediaPipe's 468 face-mesh landmarks: eyes, scale, yaw, and how far two
landmark sets are from differing by a homography (a plane) or by perspective (a 3-D face).

Pure numpy/OpenCV on ``(468, 3)`` arrays in image pixels (z from the mesh, same scale).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

Points = NDArray[np.float64]

# Mesh indices.
EYE_IMAGE_LEFT = (33, 133)
EYE_IMAGE_RIGHT = (263, 362)
NOSE_TIP = 1
FOREHEAD, CHIN = 10, 152
CHEEK_IMAGE_LEFT, CHEEK_IMAGE_RIGHT = 234, 454
MOUTH_IMAGE_LEFT, MOUTH_IMAGE_RIGHT = 61, 291


def mean_of(points: Points, ids: Sequence[int]) -> NDArray[np.float64]:
    return np.asarray(points[list(ids), :2].mean(axis=0), dtype=np.float64)


def eyes(points: Points) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return mean_of(points, EYE_IMAGE_LEFT), mean_of(points, EYE_IMAGE_RIGHT)


def iod(points: Points) -> float:
    left, right = eyes(points)
    return float(np.linalg.norm(right - left))


def face_height(points: Points) -> float:
    return float(np.linalg.norm(points[FOREHEAD, :2] - points[CHIN, :2]))


def yaw(points: Points) -> float:
    """Nose tip against the middle of the face outline, along the eye line, in outline widths.
    Positive: the nose is towards the image's right (subject turned to their own LEFT)."""
    left, right = eyes(points)
    axis = right - left
    axis /= max(float(np.linalg.norm(axis)), 1e-6)
    cheek_l, cheek_r = points[CHEEK_IMAGE_LEFT, :2], points[CHEEK_IMAGE_RIGHT, :2]
    width = float(np.dot(cheek_r - cheek_l, axis))
    if width <= 1e-6:
        return 0.0
    middle = (cheek_l + cheek_r) / 2.0
    return float(np.dot(points[NOSE_TIP, :2] - middle, axis)) / width


def homography_residual(source: Points, target: Points) -> float:
    """RMS distance (in target inter-ocular distances) left after the best homography."""
    src = source[:, :2].astype(np.float64)
    dst = target[:, :2].astype(np.float64)
    matrix, _ = cv2.findHomography(src, dst, 0)
    if matrix is None:
        return float("nan")
    mapped = cv2.perspectiveTransform(src.reshape(-1, 1, 2), matrix).reshape(-1, 2)
    rms = float(np.sqrt(np.mean(np.sum((mapped - dst) ** 2, axis=1))))
    return rms / max(iod(target), 1e-6)


ASSUMED_HFOV_DEG = 66.0  # front cameras: about 60-70 degrees across the short side


@dataclass(frozen=True, slots=True)
class Depth:
    gain: float | None  # fitted perspective coefficient g (dimensionless)
    ratio: float | None  # g / the g a rigid face with the mesh's depth would show


def _canonical(points: Points, centre: NDArray[np.float64]) -> tuple[Points, Points, float]:
    """All 468 points relative to the image centre, eyes level, in inter-ocular distances;
    z on the same scale; and the IOD in pixels."""
    left, right = eyes(points)
    axis = right - left
    iod = max(float(np.linalg.norm(axis)), 1e-6)
    cos_a, sin_a = axis / iod
    rotation = np.array([[cos_a, sin_a], [-sin_a, cos_a]])
    xy = (points[:, :2] - centre) @ rotation.T / iod
    z = points[:, 2] / iod
    return np.asarray(xy, np.float64), np.asarray(z - z.mean(), np.float64), iod


def perspective_depth(
    far: Sequence[Points], near: Sequence[Points], size: tuple[float, float]
) -> Depth:
    """How much the parts of the face the mesh puts nearer the camera grow against the rest
    between the far and the near frames (landmarks averaged over each group of frames).

    Pinhole camera, head at distance d, point at depth Z (IOD units, nearer negative), image
    coordinate x from the optical axis: x ~ X (1 - Z/d) up to scale, so far -> near a point
    moves by -x z (1/d_near - 1/d_far). Fit, by linear least squares over the 468 points,
    near = A far + t + (p x, p y) terms of a homography + r z (a small head rotation) +
    g (-x z); a plane (print, screen) moves by a homography alone, so g ~ 0 whatever depth
    the mesh believes it has, while a real face gives g ~ IOD/f (approach - 1)/approach.
    ``ratio`` divides g by that expectation (f from ``ASSUMED_HFOV_DEG``).

    Reported only: on the synthetic set the fitted g of genuine heads (the model's own mesh,
    whose depth the model itself predicts) overlaps that of prints and screens; see
    benchmarks/liveness.py.
    """
    if not far or not near:
        return Depth(None, None)
    centre = np.array([size[0] / 2.0, size[1] / 2.0])
    far_c = [_canonical(p, centre) for p in far]
    near_c = [_canonical(p, centre) for p in near]
    fxy = np.mean([c[0] for c in far_c], axis=0)
    fz = np.mean([c[1] for c in far_c], axis=0)
    nxy = np.mean([c[0] for c in near_c], axis=0)
    n = len(fxy)
    x, y = fxy[:, 0], fxy[:, 1]
    design = np.zeros((2 * n, 11))
    design[:n, 0:2], design[:n, 2] = fxy, 1.0  # affine, x rows
    design[n:, 3:5], design[n:, 5] = fxy, 1.0  # affine, y rows
    design[:n, 6], design[n:, 6] = -x * x, -x * y  # homography (linearised)
    design[:n, 7], design[n:, 7] = -x * y, -y * y
    design[:n, 8], design[n:, 9] = fz, fz  # small rotation: shift proportional to depth
    design[:n, 10], design[n:, 10] = -x * fz, -y * fz  # perspective
    target = np.concatenate([nxy[:, 0], nxy[:, 1]])
    solution = np.linalg.lstsq(design, target, rcond=None)[0]
    gain = float(solution[10])
    iod_near = statistics.median(c[2] for c in near_c)
    iod_far = statistics.median(c[2] for c in far_c)
    focal = size[0] / 2.0 / math.tan(math.radians(ASSUMED_HFOV_DEG) / 2.0)
    expected = (iod_near - iod_far) / focal
    return Depth(gain, gain / expected if expected > 1e-3 else None)


def outline_ratio(points: Points) -> float:
    outline = np.linalg.norm(points[CHEEK_IMAGE_RIGHT, :2] - points[CHEEK_IMAGE_LEFT, :2])
    return float(outline) / max(iod(points), 1e-6)
