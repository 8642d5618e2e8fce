"""Thin wrapper over RapidOCR 3.10 (PP-OCRv6 small det + rec, ONNX Runtime, CPU).

Why the wrapper:

* Offline by construction. RapidOCR fetches models from ModelScope when it is not given an
  explicit path; we always pass the paths of the ONNX files shipped *inside* the wheel,
  pinned by SHA-256, so a missing or different file is a `OcrModelError` at start-up and no
  code path can reach the network. Images are passed as arrays, never as URLs.
* Speed. RapidOCR's default detector input is "shortest side >= 736 px", which turns a
  1000x150 MRZ strip into a 4900x736 tensor. We call the detector with a *longest*-side
  limit chosen per region, and the recogniser directly on our own line crops, batched.
  ONNX Runtime's threads do not spin while waiting: spinning cost ~40 % more CPU per page
  for no latency gain when the two cores are shared (two workers, the web process).
* The text classifier (0 or 180 degrees) is only asked about pages without an MRZ (the
  front of a card), whose orientation nothing else tells: `upside_down_share`.
* Recognition runs through our `recogniser.LineRecogniser`, not RapidOCR's: the same model
  with the output classes of scripts no document here prints cut away (a quarter faster).
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents.recogniser import LineRead, LineRecogniser
from openidv.vision.onnx_runtime import cpu_session
from openidv.vision.pinned import read_pinned

__all__ = ["DET_MODEL", "REC_MODEL", "VIZ_DET_LIMIT", "OcrEngine", "OcrModelError", "TextBox"]

# (file name inside site-packages/rapidocr/models, SHA-256) for rapidocr==3.10.0.
DET_MODEL = (
    "PP-OCRv6_det_small.onnx",
    "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
)
REC_MODEL = (
    "PP-OCRv6_rec_small.onnx",
    "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
)
CLS_MODEL = (
    "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
)

Array = NDArray[np.uint8]
REC_MIN_WIDTH = 160
# Detector input limit (longest side) for a whole page: the VIZ text is 15-25 px high on a
# 1000 px page, still 10-16 px at 640, which PP-OCRv6's detector finds reliably at a third
# of the cost. The MRZ search's page detection uses it too, so that the VIZ read reuses it.
VIZ_DET_LIMIT = 640


class OcrModelError(RuntimeError):
    """The OCR package or its bundled model files are missing or not the pinned ones."""


@dataclass(frozen=True)
class TextBox:
    """One detected text line: quadrilateral (4x2, image pixels), text and confidence.

    Its extents are computed once: the printed-zone matching compares every pair of lines
    (`matching.row_joined`), which asked numpy for them ~90,000 times over 44 real pages.

    ``cut``: only the line's beginning was recognised (`printed.PrintedLines` reads most
    lines up to a few heights first): its last word may be a piece of a longer one, and
    what follows it was not read at all."""

    quad: NDArray[np.float32]
    text: str
    score: float
    cut: bool = False

    @property
    def whole_text(self) -> str:
        """The text known to be read whole: for a line read in part, without its last
        word (which the cut may have split: "19 AUG/AOUT 19" of "... 1964")."""
        if not self.cut:
            return self.text
        words = self.text.rstrip().rsplit(None, 1)
        return words[0] if len(words) == 2 else ""

    @functools.cached_property
    def top(self) -> float:
        return float(self.quad[:, 1].min())

    @functools.cached_property
    def bottom(self) -> float:
        return float(self.quad[:, 1].max())

    @functools.cached_property
    def left(self) -> float:
        return float(self.quad[:, 0].min())

    @functools.cached_property
    def right(self) -> float:
        return float(self.quad[:, 0].max())

    @functools.cached_property
    def height(self) -> float:
        # Mean of the two vertical sides: robust to slight rotation.
        q = self.quad
        return float((np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2)


def _model_dir() -> Path:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise OcrModelError("rapidocr is not installed: pip install 'rapidocr==3.10.0' onnxruntime")
    return Path(spec.origin).parent / "models"


def _model_path(directory: Path, name: str) -> Path:
    path = directory / name
    if not path.is_file():
        raise OcrModelError(f"{path} is missing: is rapidocr==3.10.0 installed from its wheel?")
    return path


def _pinned(path: Path, sha256: str) -> bytes:
    return read_pinned(
        path, sha256, missing=OcrModelError, altered=OcrModelError,
        what="OCR model", pin="rapidocr==3.10.0",
    )  # fmt: skip


def _checked(directory: Path, name: str, sha256: str, verify: bool) -> Path:
    # RapidOCR loads the detector and classifier from their paths, so the bytes checked
    # here are not the bytes that run (unlike the recogniser's, see `_model_bytes`).
    path = _model_path(directory, name)
    if verify:
        _pinned(path, sha256)
    return path


def _model_bytes(directory: Path, name: str, sha256: str, verify: bool) -> bytes:
    path = _model_path(directory, name)
    return _pinned(path, sha256) if verify else path.read_bytes()


def _session(model: Path | bytes, threads: int) -> Any:
    return cpu_session(model, threads, log_severity=4)


class OcrEngine:
    """Detector + recogniser sessions, loaded once; thread-safe for concurrent reads."""

    def __init__(self, *, threads: int = 2, verify_models: bool = True) -> None:
        directory = _model_dir()
        det = _checked(directory, *DET_MODEL, verify_models)
        rec = _model_bytes(directory, *REC_MODEL, verify_models)
        cls = _checked(directory, *CLS_MODEL, verify_models)
        from rapidocr import RapidOCR  # noqa: PLC0415 - heavy import (0.6 s), only when built

        params: dict[str, Any] = {
            "Global.use_cls": False,
            "Global.log_level": "error",
            "Det.model_path": str(det),
            "Rec.model_path": str(directory / REC_MODEL[0]),  # never loaded by RapidOCR
            "Cls.model_path": str(cls),  # never run; set so nothing is ever resolved online
            "Det.limit_type": "max",
            "Det.limit_side_len": 736,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        self._engine = RapidOCR(params=params)
        # RapidOCR loads its sessions lazily; load them now so start-up fails, not a request.
        self._det: Any = self._engine._load_det_model()  # type: ignore[no-untyped-call]
        self._cls: Any = self._engine._load_cls_model()  # type: ignore[no-untyped-call]
        # ONNX Runtime's pool threads busy-wait between operators by default: with two
        # workers (or the web process) on two cores that burns the other's CPU. Rebuild the
        # sessions without spinning; RapidOCR exposes no switch for it.
        for model, path in ((self._det, det), (self._cls, cls)):
            model.session.session = _session(path, threads)
        self._det_lock = threading.Lock()  # the detector's limit is per-call state
        # PaddleOCR pads every batch to at least 320x48 (6.7:1); short VIZ values ("M",
        # "SMIT") need far less. The model takes any width: a lower floor.
        self._rec = LineRecogniser(
            rec, lambda model: _session(model, threads), min_width=REC_MIN_WIDTH
        )
        blank = np.full((48, 96, 3), 255, np.uint8)
        self.recognise([blank])
        self.detect(blank, limit=96)

    def recognise(self, crops: list[Array]) -> list[tuple[str, float]]:
        """Text and confidence of each (upright, single-line) crop, in input order."""
        return self._rec(crops)

    def recognise_chars(self, crops: list[Array]) -> list[LineRead]:
        """As `recognise`, with each character's probability and runner-up labels."""
        return self._rec.read_chars(crops)

    def upside_down_share(self, crops: list[Array]) -> float:
        """Share of the (single-line) crops the classifier is sure are upside down."""
        if not crops:
            return 0.0
        output = self._cls(list(crops))
        turned = [label == "180" and score > 0.9 for label, score in output.cls_res]
        return float(sum(turned)) / len(turned)

    def detect(self, image: Array, *, limit: int) -> list[NDArray[np.float32]]:
        """Text-line quadrilaterals, the detector run with the longest side <= ``limit``."""
        with self._det_lock:
            self._det.limit_side_len = limit
            output = self._det(image)
        if output.boxes is None:
            return []
        return [np.asarray(box, np.float32) for box in output.boxes]

    def read(self, image: Array, *, limit: int, min_width: float = 0.0) -> list[TextBox]:
        """Detect then recognise the text lines of ``image`` at least ``min_width`` pixels
        long (e.g. MRZ-sized lines when looking for an MRZ; shorter ones are dropped unread).
        The printed zone is read line by line instead (`printed.PrintedLines`)."""
        quads = self.detect(image, limit=limit)
        quads = [quad for quad in quads if _length(quad) >= min_width]
        texts = self.recognise([crop_quad(image, quad) for quad in quads])
        return [
            TextBox(quad, text, score)
            for quad, (text, score) in zip(quads, texts, strict=True)
            if text.strip()
        ]


def _length(quad: NDArray[np.float32]) -> float:
    q = np.asarray(quad, np.float32)
    return float(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3])))


def crop_quad(image: Array, quad: NDArray[np.float32]) -> Array:
    """Perspective crop of a text quadrilateral to an upright rectangle."""
    q = np.asarray(quad, np.float32)
    width = int(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3])))
    height = int(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
    width, height = max(width, 4), max(height, 4)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(q, target)
    crop = cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(crop, np.uint8)
