"""ZOOM active liveness: one continuous far -> near -> turn capture, measured on 468 landmarks.

Pure computation: frames (bytes or BGR arrays) and the challenged turn in, a
:class:`ZoomMeasurement` out, with every measured value, its threshold and pass/fail.

Pipeline (about 5-10 ms per frame on 2 cores): YuNet (``openidv.vision.faces``) finds the face on
the first frame only; the face mesh (``landmarks.py``) then tracks it from the previous frame's
landmarks, falling back to YuNet when the mesh loses the face. SFace compares the first, the
nearest frontal and the last frame.

Signals:

* **continuity** - one capture, not a splice: consecutive frames' face centre moves less than
  ``MAX_CENTRE_STEP`` face heights, their scale changes less than ``MAX_SCALE_STEP``, the colour
  histogram of the whole frame changes less than ``MAX_SCENE_STEP`` (Bhattacharyya), and SFace
  sees the same person at the start, when near and at the end.
* **approach** - the face grows far -> near by at least ``MIN_APPROACH_RATIO``.
* **3-D** - the core anti-photo/anti-screen signal. A print or a screen is a plane: whatever it
  shows moves between two frames by a homography. A real head is not a plane: moving the camera
  from ~50 cm to ~25 cm changes the perspective (the nose grows faster than the outline) and a
  head turn moves the nose against the cheeks. We fit a homography (least squares, all 468
  points) far -> near and frontal -> turned, and divide the RMS residual by the inter-ocular
  distance. Both must exceed their thresholds. The far -> near test stops a screen replaying a
  recording that itself does not zoom (even one that turns the right way); the turn test stops a
  print or screen tilted as a rigid sheet.

  HONEST STATUS: on the synthetic set only the *turn* residual separates 3-D heads from planes.
  The far -> near residual and the outline gain (outline against the eyes, far over near) are
  measured and reported but NOT used in the decision: the landmark noise on the small far face
  is as large as the perspective effect, and synthetic prints moved closer even scored higher
  outline gains than genuine heads. A screen replaying a recording that turns the challenged way
  is then caught only by the scene-continuity signal (the screen and its bezel filling the view
  changes the frame's colour histogram abruptly), which is fragile. Improving the far -> near
  test (averaging landmarks over frames, regressing the residual on the mesh's own depth) is the
  next step; evaluate on real captures first.
* **challenge** - yaw (nose against the face outline, along the eye line) goes to the
  challenged side (the subject's own side: LEFT moves the nose to the image's right, frames are
  unmirrored) by ``MIN_TURN_YAW``, late in the sequence, and never to the other side by more
  than ``MAX_OPPOSITE_YAW``.
* **quality** - face brightness and sharpness (Laplacian variance of the face crop).

Decision (``live``): ``None`` with a reason when the attempt cannot be measured (too few frames,
face not found in enough frames, several faces, light, blur, no approach: the user can retry);
``False`` when a continuity, identity, 3-D or challenge signal fails; ``True`` otherwise.

Thresholds were set on synthetic sequences (``benchmarks/liveness.py``), never on real captures:
see that script's output and re-set them on real data (``--frames-dir``) before relying on them.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces import (
    SFACE_COSINE_THRESHOLD,
    Face,
    FaceEngine,
    compare,
    decode_image,
)
from openidv.vision.liveness.landmarks import (
    FaceLandmarks,
    LandmarkModel,
    roi_from_box,
    roi_from_points,
)

__all__ = [
    "MAX_CENTRE_STEP",
    "MAX_FRAMES",
    "MAX_OPPOSITE_YAW",
    "MAX_SCALE_STEP",
    "MAX_SCENE_STEP",
    "MIN_APPROACH_RATIO",
    "MIN_FRAMES",
    "MIN_OUTLINE_GAIN",
    "MIN_TURN_RESIDUAL",
    "MIN_TURN_YAW",
    "MIN_ZOOM_RESIDUAL",
    "LivenessReason",
    "Signal",
    "ZoomAnalyser",
    "ZoomMeasurement",
    "ZoomTimings",
    "analyse_zoom",
]

ImageArray = NDArray[np.uint8]
Points = NDArray[np.float64]

# --------------------------------------------------------------------------------------------
# Thresholds (synthetic calibration; see the module docstring)
# --------------------------------------------------------------------------------------------

MIN_FRAMES = 8
MAX_FRAMES = 32  # more are subsampled evenly (the protocol sends at most 24)
MIN_FACE_FRACTION = 0.75  # frames in which the face must be found
MIN_FACE_PX = 40  # YuNet box side for a face to count (first frame)
SECOND_FACE_FRACTION = 0.4  # a second face at least this big relative to the first: MULTIPLE
MIN_BRIGHTNESS, MAX_BRIGHTNESS = 45.0, 215.0  # median face grey level
MIN_SHARPNESS = 12.0  # median Laplacian variance of the face at 128 px
MAX_CENTRE_STEP = 0.6  # face heights per frame
MAX_SCALE_STEP = 0.35  # |log| of the scale ratio between consecutive frames (~1.42x)
MAX_SCENE_STEP = 0.45  # Bhattacharyya distance of consecutive whole-frame colour histograms
MIN_IDENTITY = SFACE_COSINE_THRESHOLD
MIN_APPROACH_RATIO = 1.4
MIN_ZOOM_RESIDUAL = 0.012  # reported only
MIN_OUTLINE_GAIN = 1.025  # reported only (see the docstring)
MIN_TURN_RESIDUAL = 0.06
MIN_TURN_YAW = 0.12
MAX_OPPOSITE_YAW = 0.12  # genuine jitter reached 0.076 (dim, noisy); wrong turns >= 0.36
TURN_NOT_BEFORE = 0.4  # the turn must start after this fraction of the sequence
FRONTAL_TOLERANCE = 0.05  # |yaw - baseline| of frames counted as frontal

# Mesh indices.
_EYE_IMAGE_LEFT = (33, 133)
_EYE_IMAGE_RIGHT = (263, 362)
_NOSE_TIP = 1
_FOREHEAD, _CHIN = 10, 152
_CHEEK_IMAGE_LEFT, _CHEEK_IMAGE_RIGHT = 234, 454
_MOUTH_IMAGE_LEFT, _MOUTH_IMAGE_RIGHT = 61, 291


class LivenessReason(StrEnum):
    """Why an attempt could not be measured (Yoti's recovery suggestions)."""

    TOO_FEW_FRAMES = "TOO_FEW_FRAMES"
    FACE_NOT_FOUND = "FACE_NOT_FOUND"
    MULTIPLE_FACES = "MULTIPLE_FACES"
    BETTER_LIGHT = "BETTER_LIGHT"
    HOLD_STILL = "HOLD_STILL"
    MOVE_CLOSER = "MOVE_CLOSER"


@dataclass(frozen=True, slots=True)
class Signal:
    """One measured value against its threshold. ``passed`` is None when not measured."""

    name: str
    value: float | None
    threshold: float
    comparison: str  # ">=" or "<="
    passed: bool | None


@dataclass(frozen=True, slots=True)
class ZoomTimings:
    decode_ms: float = 0.0
    detect_ms: float = 0.0
    landmarks_ms: float = 0.0
    embed_ms: float = 0.0
    total_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class ZoomMeasurement:
    """Everything measured on one ZOOM attempt, and the decision."""

    turn: str
    frame_count: int
    frames_used: int
    faces_found: int  # frames in which the face was found
    face_count_first: int  # faces found on the first frame
    redetections: int  # times the tracker lost the face and YuNet found it again
    yaw: tuple[float | None, ...]  # per frame; positive = nose towards the image's right
    scale: tuple[float | None, ...]  # per frame: forehead-chin distance in pixels
    signals: tuple[Signal, ...]
    live: bool | None
    reason: LivenessReason | None
    failed: tuple[str, ...]  # names of failed signals
    timings: ZoomTimings

    def signal(self, name: str) -> Signal:
        for signal in self.signals:
            if signal.name == name:
                return signal
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class _Track:
    index: int
    image: ImageArray
    marks: FaceLandmarks | None


def _mean(points: Points, ids: Sequence[int]) -> NDArray[np.float64]:
    return np.asarray(points[list(ids), :2].mean(axis=0), dtype=np.float64)


def _eyes(points: Points) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return _mean(points, _EYE_IMAGE_LEFT), _mean(points, _EYE_IMAGE_RIGHT)


def _iod(points: Points) -> float:
    left, right = _eyes(points)
    return float(np.linalg.norm(right - left))


def _scale(points: Points) -> float:
    return float(np.linalg.norm(points[_FOREHEAD, :2] - points[_CHIN, :2]))


def _yaw(points: Points) -> float:
    """Nose tip against the middle of the face outline, along the eye line, in outline widths.
    Positive: the nose is towards the image's right (subject turned to their own LEFT)."""
    left, right = _eyes(points)
    axis = right - left
    axis /= max(float(np.linalg.norm(axis)), 1e-6)
    cheek_l, cheek_r = points[_CHEEK_IMAGE_LEFT, :2], points[_CHEEK_IMAGE_RIGHT, :2]
    width = float(np.dot(cheek_r - cheek_l, axis))
    if width <= 1e-6:
        return 0.0
    middle = (cheek_l + cheek_r) / 2.0
    return float(np.dot(points[_NOSE_TIP, :2] - middle, axis)) / width


def _homography_residual(source: Points, target: Points) -> float:
    """RMS distance (in target inter-ocular distances) left after the best homography."""
    src = source[:, :2].astype(np.float64)
    dst = target[:, :2].astype(np.float64)
    matrix, _ = cv2.findHomography(src, dst, 0)
    if matrix is None:
        return float("nan")
    mapped = cv2.perspectiveTransform(src.reshape(-1, 1, 2), matrix).reshape(-1, 2)
    rms = float(np.sqrt(np.mean(np.sum((mapped - dst) ** 2, axis=1))))
    return rms / max(_iod(target), 1e-6)


def _face_from_points(points: Points, score: float) -> Face:
    """A YuNet-style Face (box + 5 points) built from the mesh, for SFace alignment."""
    xy = points[:, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    left, right = _eyes(points)
    five = (
        (float(left[0]), float(left[1])),
        (float(right[0]), float(right[1])),
        (float(points[_NOSE_TIP, 0]), float(points[_NOSE_TIP, 1])),
        (float(points[_MOUTH_IMAGE_LEFT, 0]), float(points[_MOUTH_IMAGE_LEFT, 1])),
        (float(points[_MOUTH_IMAGE_RIGHT, 0]), float(points[_MOUTH_IMAGE_RIGHT, 1])),
    )
    box = (float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
    return Face(box=box, landmarks=five, score=score)


def _face_crop_grey(image: ImageArray, points: NDArray[np.floating], side: int = 128) -> ImageArray:
    xy = points[:, :2]
    lo = np.maximum(np.floor(xy.min(axis=0)).astype(int), 0)
    hi = np.minimum(np.ceil(xy.max(axis=0)).astype(int), [image.shape[1], image.shape[0]])
    if np.any(hi - lo < 4):
        return np.zeros((side, side), np.uint8)
    crop = image[lo[1] : hi[1], lo[0] : hi[0]]
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return np.asarray(cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA), np.uint8)


def _scene_histogram(image: ImageArray) -> NDArray[np.float32]:
    small = cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    values = np.asarray(hist, dtype=np.float32).flatten()
    return values / max(float(np.linalg.norm(values)), 1e-9)


def _signal(name: str, value: float | None, threshold: float, comparison: str) -> Signal:
    if value is None or math.isnan(value):
        return Signal(name, None, threshold, comparison, None)
    passed = value >= threshold if comparison == ">=" else value <= threshold
    return Signal(name, value, threshold, comparison, passed)


def _subsample(count: int) -> list[int]:
    if count <= MAX_FRAMES:
        return list(range(count))
    return sorted({round(i * (count - 1) / (MAX_FRAMES - 1)) for i in range(MAX_FRAMES)})


class ZoomAnalyser:
    """Holds the models (YuNet + SFace and the face mesh); build once, reuse."""

    def __init__(
        self, faces: FaceEngine | None = None, landmarks: LandmarkModel | None = None
    ) -> None:
        self.faces = faces if faces is not None else FaceEngine()
        self.landmarks = landmarks if landmarks is not None else LandmarkModel()

    # -- tracking ------------------------------------------------------------------------------

    def _detect(self, image: ImageArray) -> list[Face]:
        return [f for f in self.faces.detect(image) if f.size_px >= MIN_FACE_PX]

    def _from_face(self, image: ImageArray, face: Face) -> FaceLandmarks | None:
        roi = roi_from_box(face.box, (face.landmarks[0], face.landmarks[1]))
        first = self.landmarks.run(image, roi)
        if not first.present:
            return None
        refined = self.landmarks.run(image, roi_from_points(first.points))
        return refined if refined.present else first

    def analyse(self, frames: Sequence[bytes | ImageArray], turn: str) -> ZoomMeasurement:
        start = time.perf_counter()
        if turn not in ("LEFT", "RIGHT"):
            raise ValueError(f"turn must be LEFT or RIGHT, not {turn!r}")
        count = len(frames)
        if count < MIN_FRAMES:
            return _unmeasurable(turn, count, LivenessReason.TOO_FEW_FRAMES, start)
        decode_ms = detect_ms = landmarks_ms = embed_ms = 0.0

        tracks: list[_Track] = []
        previous: FaceLandmarks | None = None
        face_count_first = 0
        redetections = 0
        for position, index in enumerate(_subsample(count)):
            t0 = time.perf_counter()
            raw = frames[index]
            image = decode_image(raw) if isinstance(raw, bytes) else np.ascontiguousarray(raw)
            t1 = time.perf_counter()
            decode_ms += (t1 - t0) * 1000.0
            marks: FaceLandmarks | None = None
            if previous is not None:
                marks = self.landmarks.run(image, roi_from_points(previous.points))
                if not marks.present:
                    marks = None
            landmarks_ms += (time.perf_counter() - t1) * 1000.0
            if marks is None:
                t2 = time.perf_counter()
                found = self._detect(image)
                detect_ms += (time.perf_counter() - t2) * 1000.0
                if position == 0:
                    face_count_first = _count_faces(found)
                    if face_count_first > 1:
                        return _unmeasurable(turn, count, LivenessReason.MULTIPLE_FACES, start)
                t3 = time.perf_counter()
                marks = self._from_face(image, found[0]) if found else None
                landmarks_ms += (time.perf_counter() - t3) * 1000.0
                if marks is not None and position > 0:
                    redetections += 1
            tracks.append(_Track(index, image, marks))
            previous = marks if marks is not None else previous

        found_tracks = [t for t in tracks if t.marks is not None]
        base = {
            "turn": turn,
            "frame_count": count,
            "frames_used": len(tracks),
            "faces_found": len(found_tracks),
            "face_count_first": face_count_first,
            "redetections": redetections,
        }
        points = [
            t.marks.points.astype(np.float64) if t.marks is not None else None for t in tracks
        ]
        yaws = tuple(_yaw(p) if p is not None else None for p in points)
        scales = tuple(_scale(p) if p is not None else None for p in points)
        signals: list[Signal] = []
        found_fraction = len(found_tracks) / len(tracks)
        signals.append(_signal("face_found_fraction", found_fraction, MIN_FACE_FRACTION, ">="))
        if found_fraction < MIN_FACE_FRACTION or len(found_tracks) < MIN_FRAMES // 2:
            return _finish(base, yaws, scales, signals, LivenessReason.FACE_NOT_FOUND, start,
                           ZoomTimings(decode_ms, detect_ms, landmarks_ms))  # fmt: skip

        # -- quality -------------------------------------------------------------------------
        crops = [_face_crop_grey(t.image, t.marks.points) for t in found_tracks if t.marks]
        brightness = float(statistics.median(float(c.mean()) for c in crops))
        sharpness = float(
            statistics.median(float(cv2.Laplacian(c, cv2.CV_64F).var()) for c in crops)
        )
        signals += [
            _signal("brightness_min", brightness, MIN_BRIGHTNESS, ">="),
            _signal("brightness_max", brightness, MAX_BRIGHTNESS, "<="),
            _signal("sharpness", sharpness, MIN_SHARPNESS, ">="),
        ]
        quality_reason: LivenessReason | None = None
        if not MIN_BRIGHTNESS <= brightness <= MAX_BRIGHTNESS:
            quality_reason = LivenessReason.BETTER_LIGHT
        elif sharpness < MIN_SHARPNESS:
            quality_reason = LivenessReason.HOLD_STILL

        # -- continuity ----------------------------------------------------------------------
        centre_steps: list[float] = []
        scale_steps: list[float] = []
        scene_steps: list[float] = []
        histograms = [_scene_histogram(t.image) for t in tracks]
        for i in range(1, len(tracks)):
            scene = cv2.compareHist(histograms[i - 1], histograms[i], cv2.HISTCMP_BHATTACHARYYA)
            scene_steps.append(float(scene))
            a, b = points[i - 1], points[i]
            if a is None or b is None:
                continue
            size = (_scale(a) + _scale(b)) / 2.0
            centre = np.linalg.norm(a[:, :2].mean(axis=0) - b[:, :2].mean(axis=0))
            centre_steps.append(float(centre) / max(size, 1e-6))
            scale_steps.append(abs(math.log(max(_scale(b), 1e-6) / max(_scale(a), 1e-6))))
        signals += [
            _signal("max_centre_step", max(centre_steps, default=None), MAX_CENTRE_STEP, "<="),
            _signal("max_scale_step", max(scale_steps, default=None), MAX_SCALE_STEP, "<="),
            _signal("max_scene_step", max(scene_steps, default=None), MAX_SCENE_STEP, "<="),
        ]

        # -- key frames ----------------------------------------------------------------------
        sign = 1.0 if turn == "LEFT" else -1.0
        known = [i for i, y in enumerate(yaws) if y is not None]
        first_third = [yaws[i] for i in known[: max(2, len(known) // 3)]]
        baseline = float(statistics.median(y for y in first_third if y is not None))
        relative = {i: sign * (float(y) - baseline) for i, y in enumerate(yaws) if y is not None}
        far = known[0]
        frontal = [i for i in known if abs(relative[i]) <= FRONTAL_TOLERANCE]
        near = max(frontal or [far], key=lambda i: scales[i] or 0.0)
        turned = max(known, key=lambda i: relative[i])

        # -- identity --------------------------------------------------------------------------
        t4 = time.perf_counter()
        vectors = []
        for i in dict.fromkeys([far, near, known[-1]]):
            p = points[i]
            if p is not None:
                vectors.append(self.faces.embed(tracks[i].image, _face_from_points(p, 1.0)))
        identity = min((compare(vectors[0], v) for v in vectors[1:]), default=None)
        embed_ms += (time.perf_counter() - t4) * 1000.0
        signals.append(_signal("identity_similarity", identity, MIN_IDENTITY, ">="))

        # -- approach and 3-D ------------------------------------------------------------------
        far_points, near_points = points[far], points[near]
        assert far_points is not None and near_points is not None
        approach = _scale(near_points) / max(_scale(far_points), 1e-6)
        signals.append(_signal("approach_ratio", approach, MIN_APPROACH_RATIO, ">="))
        zoom_residual = _homography_residual(far_points, near_points)
        # Reported, not decided on: on synthetic data this residual is dominated by landmark
        # noise on the small far face (genuine and planar attacks overlap).
        signals.append(Signal("zoom_residual", zoom_residual, MIN_ZOOM_RESIDUAL, ">=", None))
        turned_points = points[turned]
        assert turned_points is not None
        turn_residual = _homography_residual(near_points, turned_points)
        signals.append(_signal("turn_residual", turn_residual, MIN_TURN_RESIDUAL, ">="))
        # Outline against the eyes, median over the far frames and over the near frontal frames.
        far_group = [i for i in frontal if (scales[i] or 0.0) <= 1.08 * (scales[far] or 0.0)]
        near_scale = scales[near] or 0.0
        near_group = [i for i in frontal if (scales[i] or 0.0) >= 0.93 * near_scale]
        ratios = {i: _outline_ratio(p) for i, p in enumerate(points) if p is not None}
        outline_far = statistics.median(ratios[i] for i in far_group or [far])
        outline_near = statistics.median(ratios[i] for i in near_group or [near])
        # Reported, not decided on: synthetic prints moved closer reached 1.08 (above genuine).
        gain = outline_far / outline_near
        signals.append(Signal("outline_gain", gain, MIN_OUTLINE_GAIN, ">=", None))

        # -- challenge -------------------------------------------------------------------------
        peak = relative[turned]
        opposite = max(-r for r in relative.values())
        threshold_index = next((i for i in known if relative[i] >= MIN_TURN_YAW / 2.0), None)
        onset = threshold_index / max(len(tracks) - 1, 1) if threshold_index is not None else None
        signals += [
            _signal("turn_yaw", peak, MIN_TURN_YAW, ">="),
            _signal("opposite_yaw", opposite, MAX_OPPOSITE_YAW, "<="),
            _signal("turn_onset", onset, TURN_NOT_BEFORE, ">="),
        ]

        timings = ZoomTimings(decode_ms, detect_ms, landmarks_ms, embed_ms)
        if quality_reason is not None:
            return _finish(base, yaws, scales, signals, quality_reason, start, timings)
        hard = {
            "identity_similarity", "max_centre_step", "max_scale_step", "max_scene_step",
            "opposite_yaw",
        }  # fmt: skip
        failed = tuple(s.name for s in signals if s.passed is False)
        if any(name in hard for name in failed):
            return _finish(base, yaws, scales, signals, None, start, timings, live=False)
        if "approach_ratio" in failed:
            return _finish(base, yaws, scales, signals, LivenessReason.MOVE_CLOSER, start, timings)
        live = not any(s.passed is False for s in signals)
        return _finish(base, yaws, scales, signals, None, start, timings, live=live)


def _outline_ratio(points: Points) -> float:
    outline = np.linalg.norm(points[_CHEEK_IMAGE_RIGHT, :2] - points[_CHEEK_IMAGE_LEFT, :2])
    return float(outline) / max(_iod(points), 1e-6)


def _count_faces(found: Sequence[Face]) -> int:
    if not found:
        return 0
    largest = found[0].size_px
    return sum(1 for f in found if f.size_px >= SECOND_FACE_FRACTION * largest)


def _unmeasurable(turn: str, count: int, reason: LivenessReason, start: float) -> ZoomMeasurement:
    return ZoomMeasurement(
        turn=turn, frame_count=count, frames_used=0, faces_found=0,
        face_count_first=2 if reason is LivenessReason.MULTIPLE_FACES else 0, redetections=0,
        yaw=(), scale=(), signals=(), live=None, reason=reason, failed=(),
        timings=ZoomTimings(total_ms=(time.perf_counter() - start) * 1000.0),
    )  # fmt: skip


def _finish(
    base: dict[str, object],
    yaws: tuple[float | None, ...],
    scales: tuple[float | None, ...],
    signals: list[Signal],
    reason: LivenessReason | None,
    start: float,
    timings: ZoomTimings,
    *,
    live: bool | None = None,
) -> ZoomMeasurement:
    total = (time.perf_counter() - start) * 1000.0
    return ZoomMeasurement(
        turn=str(base["turn"]),
        frame_count=int(str(base["frame_count"])),
        frames_used=int(str(base["frames_used"])),
        faces_found=int(str(base["faces_found"])),
        face_count_first=int(str(base["face_count_first"])),
        redetections=int(str(base["redetections"])),
        yaw=yaws,
        scale=scales,
        signals=tuple(signals),
        live=live if reason is None else None,
        reason=reason,
        failed=tuple(s.name for s in signals if s.passed is False),
        timings=ZoomTimings(
            timings.decode_ms, timings.detect_ms, timings.landmarks_ms, timings.embed_ms, total
        ),
    )


_default: ZoomAnalyser | None = None
_default_lock = threading.Lock()


def analyse_zoom(
    frames: Sequence[bytes | ImageArray], turn: str, *, analyser: ZoomAnalyser | None = None
) -> ZoomMeasurement:
    """Measure one ZOOM attempt. Without ``analyser``, a process-wide one is built on first use."""
    global _default  # noqa: PLW0603 - lazily built, once per process (workers fork)
    if analyser is None:
        with _default_lock:
            if _default is None:
                _default = ZoomAnalyser()
            analyser = _default
    return analyser.analyse(frames, turn)
