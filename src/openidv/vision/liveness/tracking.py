"""Tracking one liveness attempt: decode the frames and follow the face mesh through them.

Pure computation: frames (bytes or BGR arrays) in, a :class:`ZoomTracking` out (the analysed
frames with their 468 landmarks and every frame's scene histogram); ``zoom`` measures and decides.

* every frame is decoded for scene continuity (a 64x64 colour histogram), frames not given the
  mesh at half size (``IMREAD_REDUCED_COLOR_2``: the JPEG decoder's DCT scaling, cheap);
* ``MAX_ANALYSED`` frames get the face mesh: every frame of the last ``TURN_SHARE`` of the
  sequence (the moves) and frames spread evenly over the far and approach phases;
* YuNet (``openidv.vision.faces``, first on the frame shrunk to ``DETECT_SIDE``) finds the face
  on the first frame only; the mesh (``landmarks.py``) then tracks it from the previous analysed
  frame's landmarks, falling back to YuNet when it loses the face. Once the tracked region is
  at least ``REDUCED_DECODE_ROI`` pixels, frames decode at half size (the mesh input is
  192 px, so nothing is lost).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces import Face, FaceEngine, ImageDecodeError
from openidv.vision.liveness.geometry import (
    MOUTH_IMAGE_LEFT,
    MOUTH_IMAGE_RIGHT,
    NOSE_TIP,
    Points,
    eyes,
)
from openidv.vision.liveness.landmarks import (
    INPUT_SIZE,
    FaceLandmarks,
    LandmarkModel,
    Roi,
    roi_from_box,
    roi_from_points,
)
from openidv.vision.liveness.signals import ZoomTimings

__all__ = [
    "MAX_ANALYSED",
    "MAX_FRAMES",
    "Track",
    "Tracker",
    "ZoomTracking",
    "analysed_indices",
    "count_faces",
    "decode_frame",
    "face_crop_grey",
    "face_from_points",
    "subsample",
]

ImageArray = NDArray[np.uint8]

MAX_FRAMES = 32  # more are subsampled evenly (the protocol sends at most 24)
MAX_ANALYSED = 16  # frames given the face mesh (the others only feed scene continuity)
TURN_SHARE = 0.5  # the last part of the sequence (the moves), analysed frame by frame
MIN_FACE_PX = 40  # YuNet box side for a face to count (first frame)
SECOND_FACE_FRACTION = 0.4  # a second face at least this big relative to the first: MULTIPLE
DETECT_SIDE = 320  # YuNet's first try, on the frame shrunk to this longer side
REDUCED_DECODE_ROI = 2.2 * INPUT_SIZE  # tracked region (px) from which frames decode at 1/2


@dataclass(frozen=True, slots=True)
class Track:
    index: int
    image: ImageArray  # as decoded: full size, or half size when factor is 2
    factor: float
    marks: FaceLandmarks | None  # in full-size pixels


def decode_frame(data: bytes, *, half: bool = False, quarter: bool = False) -> ImageArray:
    """Decode JPEG/PNG bytes to BGR; at half (or quarter) size with the JPEG decoder's DCT
    scaling."""
    if not data:
        raise ImageDecodeError("empty image data")
    flag = cv2.IMREAD_COLOR
    if quarter:
        flag = cv2.IMREAD_REDUCED_COLOR_4
    elif half:
        flag = cv2.IMREAD_REDUCED_COLOR_2
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flag)
    except cv2.error as exc:
        raise ImageDecodeError(f"could not decode image: {exc}") from exc
    if image is None or image.size == 0:
        raise ImageDecodeError("could not decode image (unknown or corrupt format)")
    return np.asarray(image, dtype=np.uint8)


def scaled_face(face: Face, k: float) -> Face:
    x, y, w, h = face.box
    marks = tuple((px * k, py * k) for px, py in face.landmarks)
    return Face(box=(x * k, y * k, w * k, h * k), landmarks=marks, score=face.score)


def face_from_points(points: Points, score: float) -> Face:
    """A YuNet-style Face (box + 5 points) built from the mesh, for SFace alignment."""
    xy = points[:, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    left, right = eyes(points)
    five = (
        (float(left[0]), float(left[1])),
        (float(right[0]), float(right[1])),
        (float(points[NOSE_TIP, 0]), float(points[NOSE_TIP, 1])),
        (float(points[MOUTH_IMAGE_LEFT, 0]), float(points[MOUTH_IMAGE_LEFT, 1])),
        (float(points[MOUTH_IMAGE_RIGHT, 0]), float(points[MOUTH_IMAGE_RIGHT, 1])),
    )
    box = (float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
    return Face(box=box, landmarks=five, score=score)


def face_crop_grey(image: ImageArray, points: NDArray[np.floating], side: int = 128) -> ImageArray:
    xy = points[:, :2]
    lo = np.maximum(np.floor(xy.min(axis=0)).astype(int), 0)
    hi = np.minimum(np.ceil(xy.max(axis=0)).astype(int), [image.shape[1], image.shape[0]])
    if np.any(hi - lo < 4):
        return np.zeros((side, side), np.uint8)
    crop = image[lo[1] : hi[1], lo[0] : hi[0]]
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return np.asarray(cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA), np.uint8)


def scene_histogram(image: ImageArray) -> NDArray[np.float32]:
    # A strided view first: area-averaging a full frame to 64x64 costs more than the rest.
    step = max(1, min(image.shape[:2]) // 128)
    small = cv2.resize(image[::step, ::step], (64, 64), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    values = np.asarray(hist, dtype=np.float32).flatten()
    return values / max(float(np.linalg.norm(values)), 1e-9)


def subsample(count: int) -> list[int]:
    if count <= MAX_FRAMES:
        return list(range(count))
    return sorted({round(i * (count - 1) / (MAX_FRAMES - 1)) for i in range(MAX_FRAMES)})


def analysed_indices(indices: Sequence[int]) -> list[int]:
    """Which of the (subsampled) frames get the face mesh: every frame of the last
    ``TURN_SHARE`` of the sequence (the turn, where yaw and the turn residual are measured) and
    frames evenly spread over the far and approach phases, ``MAX_ANALYSED`` in all."""
    count = len(indices)
    if count <= MAX_ANALYSED:
        return list(indices)
    tail = min(max(round(count * TURN_SHARE), 1), MAX_ANALYSED - 2)
    head = MAX_ANALYSED - tail
    split = count - tail
    chosen = {round(i * (split - 1) / (head - 1)) for i in range(head)}
    return [indices[i] for i in sorted(chosen | set(range(split, count)))]


@dataclass(frozen=True, slots=True)
class ZoomTracking:
    """The face mesh tracked through one attempt (before any decision).

    ``tracks`` holds one entry per analysed frame; points are in full-resolution pixels even
    when the frame was decoded at half size (``factor`` 2).
    """

    frames: Sequence[bytes | ImageArray]
    tracks: tuple[Track, ...]
    scene: tuple[NDArray[np.float32], ...]  # colour histogram of every (subsampled) frame
    face_count_first: int
    redetections: int
    timings: ZoomTimings


class Tracker:
    """Holds the models (YuNet + SFace and the face mesh); build once, reuse."""

    def __init__(
        self, faces: FaceEngine | None = None, landmarks: LandmarkModel | None = None
    ) -> None:
        self.faces = faces if faces is not None else FaceEngine()
        self.landmarks = landmarks if landmarks is not None else LandmarkModel()

    def _detect(self, image: ImageArray) -> list[Face]:
        """YuNet, first on the frame shrunk to ``DETECT_SIDE`` (a face of ``MIN_FACE_PX`` stays
        detectable), then at full size only if that finds nothing."""
        found: list[Face] = []
        shrink = DETECT_SIDE / max(image.shape[:2])
        if shrink < 1.0:
            size = (round(image.shape[1] * shrink), round(image.shape[0] * shrink))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            found = [scaled_face(f, 1.0 / shrink) for f in self.faces.detect(small)]
        if not found:
            found = self.faces.detect(image)
        return [f for f in found if f.size_px >= MIN_FACE_PX]

    def _run(self, image: ImageArray, roi: Roi, factor: float) -> FaceLandmarks:
        """The mesh on an image decoded at ``1/factor`` size; points in full-size pixels."""
        if factor == 1.0:
            return self.landmarks.run(image, roi)
        scaled = Roi(roi.cx / factor, roi.cy / factor, roi.size / factor, roi.angle)
        marks = self.landmarks.run(image, scaled)
        return FaceLandmarks(points=marks.points * np.float32(factor), presence=marks.presence,
                             roi=roi)  # fmt: skip

    def _from_face(self, image: ImageArray, face: Face) -> FaceLandmarks | None:
        roi = roi_from_box(face.box, (face.landmarks[0], face.landmarks[1]))
        first = self.landmarks.run(image, roi)
        if not first.present:
            return None
        refined = self.landmarks.run(image, roi_from_points(first.points))
        return refined if refined.present else first

    def track(self, frames: Sequence[bytes | ImageArray]) -> ZoomTracking:
        """Decode the frames and track the face mesh through them.

        YuNet runs on the first frame only (and again only if the mesh loses the face); each
        later analysed frame is tracked from the previous one's landmarks, MediaPipe's rule.
        Once the tracked region is at least ``REDUCED_DECODE_ROI`` (2.2x the mesh input), the
        next JPEG is decoded at half size (``IMREAD_REDUCED_COLOR_2``, the decoder's own DCT
        scaling): the face crop is still downsampled to 192 px, so nothing is lost. Frames
        not given the mesh (see :func:`analysed_indices`) only feed the scene histograms.
        """
        decode_ms = detect_ms = landmarks_ms = 0.0
        tracks: list[Track] = []
        previous: FaceLandmarks | None = None
        face_count_first = 0
        redetections = 0
        indices = subsample(len(frames))
        analysed = set(analysed_indices(indices))
        scene: list[NDArray[np.float32]] = []
        position = 0
        for index in indices:
            t0 = time.perf_counter()
            raw = frames[index]
            if index not in analysed:
                # Scene continuity only: a 64x64 histogram needs no more than a quarter-size
                # decode (the DCT scaling skips most of the inverse transform).
                small = decode_frame(raw, quarter=True) if isinstance(raw, bytes) else raw
                scene.append(scene_histogram(small))
                decode_ms += (time.perf_counter() - t0) * 1000.0
                continue
            roi = roi_from_points(previous.points) if previous is not None else None
            reduce = roi is not None and roi.size >= REDUCED_DECODE_ROI
            if isinstance(raw, bytes):
                image = decode_frame(raw, half=reduce)
                factor = 2.0 if reduce else 1.0
            else:
                image, factor = np.ascontiguousarray(raw), 1.0
            t1 = time.perf_counter()
            decode_ms += (t1 - t0) * 1000.0
            marks: FaceLandmarks | None = None
            if roi is not None:
                marks = self._run(image, roi, factor)
                if not marks.present:
                    marks = None
            landmarks_ms += (time.perf_counter() - t1) * 1000.0
            if marks is None:
                if factor != 1.0:  # detection and the first fit at full size
                    t0 = time.perf_counter()
                    assert isinstance(raw, bytes)
                    image, factor = decode_frame(raw), 1.0
                    decode_ms += (time.perf_counter() - t0) * 1000.0
                t2 = time.perf_counter()
                found = self._detect(image)
                detect_ms += (time.perf_counter() - t2) * 1000.0
                if position == 0:
                    face_count_first = count_faces(found)
                t3 = time.perf_counter()
                marks = self._from_face(image, found[0]) if found else None
                landmarks_ms += (time.perf_counter() - t3) * 1000.0
                if marks is not None and position > 0:
                    redetections += 1
            tracks.append(Track(index, image, factor, marks))
            scene.append(scene_histogram(image))
            previous = marks if marks is not None else previous
            if position == 0 and face_count_first > 1:
                break
            position += 1
        return ZoomTracking(
            frames, tuple(tracks), tuple(scene), face_count_first, redetections,
            ZoomTimings(decode_ms, detect_ms, landmarks_ms),
        )  # fmt: skip


def count_faces(found: Sequence[Face]) -> int:
    if not found:
        return 0
    largest = found[0].size_px
    return sum(1 for f in found if f.size_px >= SECOND_FACE_FRACTION * largest)
