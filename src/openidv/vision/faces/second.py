"""The second face model: dlib's ResNet face descriptor, fused with SFace at score level.

Files come from the ``face_recognition_models==0.3.0`` sdist (MIT packaging); only two of its
four are used, both trained by dlib's author on data he released and placed in the public
domain (dlib's model notes): ``dlib_face_recognition_resnet_model_v1.dat`` (128-d descriptor,
99.38% on LFW) and ``shape_predictor_5_face_landmarks.dat`` (5 points used to align the chip).
The 68-point predictor in the same package is trained on iBUG 300-W, whose licence excludes
commercial use: it is never loaded. dlib itself comes from the ``dlib-bin`` wheel (Boost
Software License), a prebuilt dlib without CUDA or BLAS.

Shipped weight: 0 (see FUSION_WEIGHT), so the check runs SFace alone. Why only in the band: on
two shared cores one descriptor costs 200-450 ms (no BLAS), against ~5 ms for SFace. Outside
``FUSION_BAND`` the SFace score alone already decides with a margin the second model cannot
overturn at the fusion weight, so it is not run there; inside the band, where one model's noise
decides, the second opinion is bought.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.faces.engine import Face, FaceModelError, FaceModelNotFoundError
from openidv.vision.pinned import read_pinned

__all__ = [
    "DLIB_MODEL_ID",
    "FUSION_BAND",
    "FUSION_WEIGHT",
    "DlibResnet",
    "fuse",
]

SECOND_PACKAGE = "face_recognition_models"
RESNET_FILENAME = "dlib_face_recognition_resnet_model_v1.dat"
PREDICTOR_FILENAME = "shape_predictor_5_face_landmarks.dat"
RESNET_SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
PREDICTOR_SHA256 = "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
DLIB_MODEL_ID = "dlib-resnet-v1"

# Score-level fusion on SFace's cosine scale: the dlib distance is mapped so that its impostor
# distribution has SFace's impostor mean and spread (both measured on unrelated photo pairs,
# impostors only: 4,074 pairs of the development photos, photo against photo, so the mapping
# carries no genuine-pair tuning), then averaged with weight
# FUSION_WEIGHT. The weight is chosen by cross-validation over identities (benchmarks/faces.py
# --real --calibrate): on the development corpus every fold chose 0 (dlib is the weaker model
# on ID-page renderings, and any weight lowered genuine scores more than impostor ones: 7.2%
# genuine pairs under 0.50 at weight 0, 9.2% at 0.1, 13.0% at 0.25, halftone pages aside).
# So the shipped weight is 0 and the check does not load dlib at all; the code stays so that a
# better-calibrated mapping or another corpus can be judged by the same cross-validation.
SFACE_IMPOSTOR_MEAN, SFACE_IMPOSTOR_STD = 0.092, 0.089
DLIB_IMPOSTOR_MEAN, DLIB_IMPOSTOR_STD = 0.853, 0.092
FUSION_WEIGHT = 0.0
FUSION_BAND = (0.25, 0.70)

Descriptor = NDArray[np.float64]


def locate_second_model(package: str = SECOND_PACKAGE) -> tuple[Path, Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelNotFoundError(
            f"The second face model comes from '{package}', which is not installed. "
            "Install it with: pip install 'face_recognition_models==0.3.0' 'dlib-bin>=20'"
        )
    models = Path(next(iter(spec.submodule_search_locations))) / "models"
    return models / RESNET_FILENAME, models / PREDICTOR_FILENAME


def dlib_similarity(a: Descriptor, b: Descriptor) -> float:
    """dlib's own scale: Euclidean distance between descriptors (0.6 is its 'same' line)."""
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def fuse(sface: float, dlib_distance: float | None, weight: float | None = None) -> float:
    """The fused score on SFace's scale; SFace's own when the second model did not run."""
    if dlib_distance is None:
        return sface
    w = FUSION_WEIGHT if weight is None else weight
    z = (DLIB_IMPOSTOR_MEAN - dlib_distance) / DLIB_IMPOSTOR_STD
    mapped = SFACE_IMPOSTOR_MEAN + SFACE_IMPOSTOR_STD * z
    return (1.0 - w) * sface + w * mapped


def in_band(sface: float) -> bool:
    return FUSION_BAND[0] <= sface < FUSION_BAND[1]


@dataclass(frozen=True, slots=True)
class _Files:
    resnet: Path
    predictor: Path


class DlibResnet:
    """dlib's 5-point aligner and ResNet descriptor, loaded once from hash-checked files.

    Not thread-safe inside dlib: calls are serialised, like :class:`FaceEngine`'s.
    """

    def __init__(self, files: tuple[Path, Path] | None = None) -> None:
        try:
            import dlib  # noqa: PLC0415 (heavy, only when built; an optional extra)
        except ImportError as exc:
            raise FaceModelNotFoundError(
                "dlib is not installed: pip install -e '.[second-face-model]'"
            ) from exc
        resnet, predictor = files if files is not None else locate_second_model()
        for path, digest in ((resnet, RESNET_SHA256), (predictor, PREDICTOR_SHA256)):
            read_pinned(
                path,
                digest,
                missing=FaceModelNotFoundError,
                altered=FaceModelError,
                what="dlib face model",
                pin="face_recognition_models==0.3.0",
            )
        self._dlib = dlib
        self._lock = threading.Lock()
        self._predictor = dlib.shape_predictor(str(predictor))
        self._net = dlib.face_recognition_model_v1(str(resnet))

    def describe(self, image: NDArray[np.uint8], face: Face) -> Descriptor:
        """128-d descriptor of ``face`` in the BGR ``image``.

        dlib's 5-point predictor was trained on the boxes of dlib's own HOG detector, which
        start at the brows; YuNet's start higher, at the hairline. The box is narrowed to that
        convention from YuNet's own landmarks so the predictor starts from the shape it knows.
        """
        dlib = self._dlib
        x, y, w, h = face.box
        side = max(w, h)
        cx, cy = x + w / 2, y + h / 2
        # Work on a crop around the face, at most ~200 px: dlib only needs the face, and the
        # conversion and alignment of a 12-megapixel photo would cost more than the network.
        x0, y0 = max(0, int(cx - side)), max(0, int(cy - side))
        x1 = min(image.shape[1], int(cx + side))
        y1 = min(image.shape[0], int(cy + side))
        scale = min(1.0, 200.0 / side)
        crop = image[y0:y1, x0:x1]
        if scale < 1.0:
            crop = np.asarray(
                cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA),
                dtype=np.uint8,
            )
        rgb = np.ascontiguousarray(crop[:, :, ::-1])
        fx, fy, fw, fh = (x - x0) * scale, (y - y0) * scale, w * scale, h * scale
        rect = dlib.rectangle(
            round(fx + 0.1 * fw), round(fy + 0.2 * fh), round(fx + 0.9 * fw), round(fy + fh)
        )
        with self._lock:
            shape = self._predictor(rgb, rect)
            chip = dlib.get_face_chip(rgb, shape, size=150, padding=0.25)
            vector = self._net.compute_face_descriptor(chip)
        return np.asarray(vector, dtype=np.float64)
