"""STATIC liveness: supporting signals on one selfie, and an optional passive PAD model.

Pure computation: one image (bytes or BGR array) in, a :class:`StaticMeasurement` out.

What STATIC can and cannot stop (read before relying on it):

* One frame carries no motion and no depth, so nothing here can *prove* a live person. The
  hand-made signals below look for traces of the medium: periodic peaks in the spectrum (screen
  pixel grids and the moire they alias into, print halftone rosettes), clipped specular
  highlights, long straight edges around the face (a phone/tablet bezel or the border of a
  print) and a narrowed colour gamut. They catch *careless* attacks: a screen filmed close with
  visible moire, a print with its white border in view. A screen or print filmed from a
  distance, slightly out of focus or re-compressed, loses all of them. The project's own
  evaluation (shared/reference/ml-deps.md section 4) found heuristics of this kind useless on
  real attacks. They are reported as measurements; only the strongest combination is used to
  reject (see ``strong_medium_evidence``) and nothing here can approve.
* A learned passive model does better on real attacks but none ships in a package registry
  with a usable licence. An operator may supply one (:class:`PassiveModel`), for example
  MiniFASNetV2 from minivision's Silent-Face-Anti-Spoofing (Apache-2.0) exported to ONNX. Its
  score joins the measurements; calibrate its threshold on your own captures.

Passive model conventions (those of MiniFASNet, configurable): a square crop centred on the
YuNet face box, side ``crop_scale`` x the longer box side (2.7 for MiniFASNetV2, 4.0 for V1SE),
clamped to the image, resized to ``input_size`` (80x80), BGR, float32 in [0, 255] (no
normalisation), NCHW. The output is a vector of class logits (softmax is applied here; pass
``apply_softmax=False`` if the model already outputs probabilities); ``live_index`` (1 for
MiniFASNet) is the "real face" class. The score is that class's probability.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces import Face, FaceEngine, decode_image

__all__ = [
    "BEZEL_MIN_LINES",
    "SPECTRAL_PEAK_STRONG",
    "PassiveModel",
    "StaticMeasurement",
    "analyse_static",
    "spectral_peak_ratio",
]

ImageArray = NDArray[np.uint8]

# Spectral peakiness (max over median of the high-frequency magnitude ring, face region at 256
# px). Not calibrated on real attacks: values above this were only seen on the synthetic screen
# sub-pixel grid, never on the 5 fixture photos or their synthetic renders.
SPECTRAL_PEAK_STRONG = 60.0
# Long straight edges (>= 60% of the face height) framing the face, outside the face box.
BEZEL_MIN_LINES = 2
MIN_FACE_PX = 48


@dataclass(frozen=True, slots=True)
class StaticMeasurement:
    """Signals measured on one selfie. Values are measurements, not decisions."""

    face_count: int
    face: Face | None
    spectral_peak_ratio: float | None  # periodic peaks (screen grid / moire / halftone)
    high_frequency_energy: float | None  # share of spectral energy in the top band
    specular_fraction: float | None  # clipped highlights inside the face box
    straight_edge_lines: int | None  # long straight lines around the face (bezel / border)
    colour_saturation_p95: float | None  # HSV saturation, 95th percentile, face box
    passive_score: float | None  # operator model: probability of a live face
    passive_model: str | None  # file name of that model
    strong_medium_evidence: bool  # spectral peaks AND straight edges both strong
    timings_ms: float

    @property
    def measurable(self) -> bool:
        return self.face is not None


class PassiveModel:
    """An operator-supplied ONNX passive anti-spoofing model (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        *,
        input_size: int = 80,
        crop_scale: float = 2.7,
        live_index: int = 1,
        apply_softmax: bool = True,
    ) -> None:
        import onnxruntime  # type: ignore[import-untyped]  # noqa: PLC0415 - optional

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self.path = Path(path)
        self._session: Any = onnxruntime.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )
        self._input = str(self._session.get_inputs()[0].name)
        self.input_size = input_size
        self.crop_scale = crop_scale
        self.live_index = live_index
        self.apply_softmax = apply_softmax
        self._lock = threading.Lock()

    def crop(self, image: ImageArray, face: Face) -> ImageArray:
        x, y, w, h = face.box
        side = max(w, h) * self.crop_scale
        side = min(side, float(image.shape[0]), float(image.shape[1]))
        cx = min(max(x + w / 2.0, side / 2.0), image.shape[1] - side / 2.0)
        cy = min(max(y + h / 2.0, side / 2.0), image.shape[0] - side / 2.0)
        x0, y0 = round(cx - side / 2.0), round(cy - side / 2.0)
        crop = image[y0 : y0 + round(side), x0 : x0 + round(side)]
        size = (self.input_size, self.input_size)
        return np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR), np.uint8)

    def score(self, image: ImageArray, face: Face) -> float:
        tensor = self.crop(image, face).astype(np.float32).transpose(2, 0, 1)[np.newaxis]
        with self._lock:
            output = self._session.run(None, {self._input: tensor})[0]
        values = np.asarray(output, dtype=np.float64).reshape(-1)
        if self.apply_softmax:
            values = np.exp(values - values.max())
            values /= values.sum()
        return float(values[self.live_index])


def _face_square(image: ImageArray, face: Face, side: int = 256) -> ImageArray:
    x, y, w, h = (round(v) for v in face.box)
    x0, y0 = max(x, 0), max(y, 0)
    crop = image[y0 : y0 + h, x0 : x0 + w]
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return np.asarray(cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA), np.uint8)


def _spectrum(grey: ImageArray) -> tuple[float, float]:
    """Peak-to-median ratio in the upper frequency ring, and the top band's energy share."""
    values = grey.astype(np.float64)
    values -= values.mean()
    window = np.outer(np.hanning(values.shape[0]), np.hanning(values.shape[1]))
    magnitude = np.abs(np.fft.fftshift(np.fft.fft2(values * window)))
    h, w = magnitude.shape
    yy, xx = np.mgrid[0:h, 0:w]
    radius = np.hypot(yy - h / 2.0, xx - w / 2.0) / (min(h, w) / 2.0)
    ring = magnitude[(radius > 0.35) & (radius < 0.95)]
    peak = float(ring.max() / max(float(np.median(ring)), 1e-9))
    total = float((magnitude**2).sum())
    top = float((magnitude[radius > 0.5] ** 2).sum())
    return peak, top / max(total, 1e-9)


def spectral_peak_ratio(image: ImageArray, face: Face) -> float:
    """Periodic-peak ratio of the face region (screen grid / moire / halftone), as STATIC
    measures it; ZOOM uses it on the nearest frame."""
    return _spectrum(_face_square(image, face))[0]


def _straight_edges(image: ImageArray, face: Face) -> int:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    edges = cv2.Canny(grey, 60, 160)
    x, y, w, h = (round(v) for v in face.box)
    edges[max(y, 0) : y + h, max(x, 0) : x + w] = 0
    lines = cv2.HoughLinesP(
        edges, 1, np.pi / 180, threshold=80, minLineLength=int(0.6 * h), maxLineGap=6
    )
    if lines is None:
        return 0
    count = 0
    for x1, y1, x2, y2 in np.asarray(lines).reshape(-1, 4):
        angle = abs(np.degrees(np.arctan2(y2 - y1, x2 - x1))) % 180
        if min(angle, abs(angle - 90), abs(angle - 180)) < 12:  # near horizontal/vertical
            count += 1
    return count


def analyse_static(
    image: bytes | ImageArray,
    faces: FaceEngine,
    model: PassiveModel | None = None,
) -> StaticMeasurement:
    """Measure one selfie. Undecodable bytes raise ``ImageDecodeError``."""
    start = time.perf_counter()
    bgr = decode_image(image) if isinstance(image, bytes) else np.ascontiguousarray(image)
    found = [f for f in faces.detect(bgr) if f.size_px >= MIN_FACE_PX]
    face = found[0] if found else None
    if face is None:
        return StaticMeasurement(
            0, None, None, None, None, None, None, None, None, False,
            (time.perf_counter() - start) * 1000.0,
        )  # fmt: skip
    square = _face_square(bgr, face)
    peak, high = _spectrum(square)
    x, y, w, h = (round(v) for v in face.box)
    box = bgr[max(y, 0) : y + h, max(x, 0) : x + w]
    specular = float((box.max(axis=2) >= 250).mean())
    hsv = cv2.cvtColor(box, cv2.COLOR_BGR2HSV)
    saturation = float(np.percentile(hsv[..., 1], 95))
    lines = _straight_edges(bgr, face)
    score = model.score(bgr, face) if model is not None else None
    strong = peak >= SPECTRAL_PEAK_STRONG and lines >= BEZEL_MIN_LINES
    return StaticMeasurement(
        face_count=len(found),
        face=face,
        spectral_peak_ratio=peak,
        high_frequency_energy=high,
        specular_fraction=specular,
        straight_edge_lines=lines,
        colour_saturation_p95=saturation,
        passive_score=score,
        passive_model=model.path.name if model is not None else None,
        strong_medium_evidence=strong,
        timings_ms=(time.perf_counter() - start) * 1000.0,
    )
