"""The photo check at upload: is this page worth sending, or should the user retake it now?

The document checks run after submission, when the user has gone; a blurred passport then
ends as NOT_AVAILABLE / PHOTO_TOO_BLURRY with nobody left to take a better one. This module
runs the cheap half of those checks while the user is still on the page (tens of
milliseconds on two cores, no OCR):

* resolution: on a page with an MRZ, its glyph height against the reader's own gate
  (``QualityThresholds.min_mrz_text_height_px``), else the document's width in source pixels;
* blur, glare, exposure: ``vision.documents.quality.measure_quality`` on the flattened page,
  judged with the reader's ``QualityThresholds`` (the very gates that later say
  PHOTO_TOO_BLURRY or GLARE_OBSTRUCTION);
* document found (the side with the portrait, a passport page): an outline, an MRZ or a
  portrait on the frame;
* MRZ legible where the type has one (a passport's photo page): two or three MRZ lines found,
  tall enough to read;
* face found on the side that carries the portrait (YuNet, the face engine's detector).

Each problem is a code the page turns into a retake message. The check advises: the page lets
the user send a photo anyway after a refusal, because these gates were calibrated on
synthetic captures and a false refusal must not trap someone with a genuine document.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents.band import find_mrz_lines
from openidv.vision.documents.locate import decode_image, locate_document
from openidv.vision.documents.quality import measure_quality
from openidv.vision.documents.reader import QualityThresholds
from openidv.vision.faces import FaceEngine

__all__ = ["MRZ_PAGE_TYPES", "PageCheck", "QualityChecker", "check_page"]

Array = NDArray[np.uint8]

# Types whose photo page always carries an MRZ (ICAO 9303 TD3): the photo page is the one
# page asked for. Cards put theirs on either side (TD1 back, TD2 front) or have none.
MRZ_PAGE_TYPES = frozenset({"PASSPORT", "TRAVEL_DOCUMENT"})
# Without an MRZ to measure, the document's width in source pixels stands for resolution.
# The reader's MRZ gate (12 px glyphs) is met from ~530 px of passport-page width (real scans:
# 600 px pages carry 12.3-13.7 px MRZ glyphs), so 600 px: a 640x480 webcam frame with the
# document inside it falls short, a cropped 600 px scan does not.
MIN_DOCUMENT_WIDTH_PX = 600.0
# Measured on at most this many pixels along the long side (what the page sends anyway):
# a 50 MP upload costs no more to judge than a phone photo.
MAX_MEASURED_SIDE = 2400
# A portrait on the page: the face engine's own smallest usable face, at detection scale.
MIN_PORTRAIT_SIDE_PX = 40


@dataclass(frozen=True)
class PageCheck:
    """What is wrong with one page (``problems`` empty: nothing), and the measures behind it."""

    problems: tuple[str, ...]
    measures: dict[str, float | int | bool | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _mrz_height(page: Array, scale: float) -> float | None:
    """Median MRZ glyph height in source pixels, the page read either way up; None: no MRZ."""
    for candidate in (page, np.asarray(cv2.rotate(page, cv2.ROTATE_180), np.uint8)):
        lines = find_mrz_lines(candidate)
        if len(lines) >= 2:
            return float(np.median([line.height for line in lines])) * scale
    return None


def check_page(
    image: bytes,
    *,
    document_type: str | None,
    portrait_side: bool,
    detect_faces: Callable[[Array], int] | None,
    thresholds: QualityThresholds | None = None,
) -> PageCheck:
    """Judge one page. ``document_type`` None: a supplementary document (a bill, a statement:
    no MRZ, no portrait, no outline to expect). ``portrait_side``: this page should show the
    holder's face (an ID document's first page). ``detect_faces`` counts the faces in a BGR
    image (None: no detector, that part is skipped)."""
    gate = thresholds or QualityThresholds()
    pixels = decode_image(image)
    if pixels is None:
        return PageCheck(("NOT_AN_IMAGE",))
    height, width = pixels.shape[:2]
    if max(height, width) > MAX_MEASURED_SIDE:
        factor = MAX_MEASURED_SIDE / max(height, width)
        pixels = np.asarray(
            cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), np.uint8
        )
    else:
        factor = 1.0
    located = locate_document(pixels)
    scale = located.scale / factor  # source pixels per working pixel
    quality = measure_quality(located.image, scale=scale)
    identity = document_type is not None
    mrz_expected = document_type in MRZ_PAGE_TYPES
    mrz_height = _mrz_height(located.image, scale) if identity else None
    faces = detect_faces(located.image) if identity and detect_faces is not None else None
    measures: dict[str, float | int | bool | None] = {
        "width": width,
        "height": height,
        "outline": located.found_outline,
        "document_width_px": round(quality.document_width_px),
        "sharpness": round(quality.sharpness, 1),
        "glare_blob": round(quality.glare_blob, 4),
        "mean_luma": round(quality.mean_luma, 1),
        "clipped_high": round(quality.clipped_high, 3),
        "mrz_text_height_px": None if mrz_height is None else round(mrz_height, 1),
        "faces": faces,
    }
    problems: list[str] = []
    if (portrait_side or mrz_expected) and not (
        located.found_outline or mrz_height is not None or faces
    ):
        # Nothing on the frame looks like the side asked for: the other measures mean nothing.
        # (A card's back is not judged so: a scan of it may show neither outline nor MRZ.)
        return PageCheck(("DOCUMENT_NOT_FOUND",), measures)
    if mrz_height is not None:
        small = mrz_height < gate.min_mrz_text_height_px  # the reader's own gate
    else:
        small = quality.document_width_px < MIN_DOCUMENT_WIDTH_PX
    if small:
        problems.append("IMAGE_RESOLUTION_TOO_LOW")
    if quality.sharpness < gate.min_sharpness:
        problems.append("PHOTO_TOO_BLURRY")
    if quality.glare_blob > gate.max_glare_blob:
        problems.append("GLARE_OBSTRUCTION")
    if quality.mean_luma < gate.min_mean_luma:
        problems.append("PHOTO_TOO_DARK")
    elif quality.clipped_high > gate.max_clipped_high:
        problems.append("PHOTO_OVEREXPOSED")
    if mrz_expected and mrz_height is None and "PHOTO_TOO_BLURRY" not in problems:
        problems.append("MRZ_NOT_FOUND")  # blur already explains it, and says what to do
    if portrait_side and faces == 0:
        problems.append("FACE_NOT_FOUND")
    return PageCheck(tuple(problems), measures)


class QualityChecker:
    """The check with its face detector, built on first use (or by ``warm``) and kept: one per
    web process. Runs in a worker thread (the caller bounds how many at once)."""

    def __init__(self, *, faces: bool = True) -> None:
        self._faces = faces
        self._engine: FaceEngine | None = None
        self._lock = threading.Lock()

    def _count_faces(self, image: Array) -> int:
        with self._lock:
            if self._engine is None:
                self._engine = FaceEngine()
        found = self._engine.detect(image)
        return sum(1 for face in found if face.size_px >= MIN_PORTRAIT_SIDE_PX)

    def warm(self) -> None:
        """Load the face detector and run the whole check once, on a blank page, so that the
        first user's upload is judged at the usual speed (the servers call this at start-up,
        in the background: in a fresh process the first check took ~4 s against ~0.5 s once
        warmed, on the busy two-core machine: the face engine's models and OpenCV's first
        calls)."""
        ok, blank = cv2.imencode(".jpg", np.full((600, 800, 3), 128, np.uint8))
        if ok:
            self.check(blank.tobytes(), document_type="PASSPORT", portrait_side=True)

    def check(self, image: bytes, *, document_type: str | None, portrait_side: bool) -> PageCheck:
        return check_page(
            image,
            document_type=document_type,
            portrait_side=portrait_side,
            detect_faces=self._count_faces if self._faces else None,
        )
