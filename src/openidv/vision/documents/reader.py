"""`DocumentReader`: image bytes in, MRZ + VIZ + quality measures out.

Pipeline (times are typical for a 1000 px page on 2 cores):

1. decode, find the document outline and flatten it to 1000 px wide (~10 ms);
2. quality measures on the flattened page (~10 ms) and the capture signals (below), on a
   thread of their own beside the MRZ search (`background`);
3. MRZ lines by morphology (~5 ms), each line cropped and recognised (PP-OCRv6, ~40 ms a
   line); only when that yields no MRZ layout, the same on the page turned 180 degrees (and
   90/270 for a portrait frame), then a text detection of the whole page (~100 ms) and, if
   it holds a line as long as an MRZ line, the detector on the lower part of the page (only
   MRZ-long lines recognised); the front of a card costs that one detection, which its VIZ
   read reuses; screen-recapture and photocopy signals (`physical`, ~30 ms);
4. VIZ: text detection at reduced resolution above the MRZ (~140 ms), recognition of every
   line's first 6.5 heights and of the wanted values whole (`printed`, ~200 ms), caption
   matching (skip with ``read_viz=False``, though the printed number is still read when
   the MRZ document number needs it as a tie-breaker). A page without
   an MRZ is first turned upright by its text lines (standing lines: a quarter turn) and
   the text classifier (upside down); the portrait is looked for beside the VIZ read once
   the page is upright (with an MRZ: from the start);
5. MRZ/VIZ cross-check, expiry and quality gates, each failure recorded as a `Reason`
   (on a poor capture the cross-check counts only what a partial read cannot explain).

The MRZ search is `mrz_search`, the printed zone's read `viz_read`, the comparisons of the
MRZ with the printed zone `crosscheck`, the reasons `verdicts`, line geometry `geometry`;
this module orchestrates.

Nothing is loaded at import time: build one reader (loads and hash-checks the ONNX files,
~0.5 s) and reuse it; ``read`` is safe to call from several threads. With ``cache_size``,
stages 1-3 (and 4 once done) are kept per image so that re-reading the same bytes, with or
without the VIZ, repeats no OCR.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import statistics
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents.background import Background
from openidv.vision.documents.crosscheck import (
    CROSS_CHECKED_FIELDS,
    MIN_FIELD_CONFIDENCE,
    MIN_NUMBER_CONFIDENCE,
    agreeing_fields,
    check_neutral_swaps,
    cross_check,
    is_degraded,
    legible,
    match_across_sides,
    mrz_names_legible,
    names_contradicted,
    names_in_doubt,
    names_unconfirmed,
    number_as_printed,
    number_in_doubt,
    number_unconfirmed,
    surely_different,
    with_printed_century,
)
from openidv.vision.documents.locate import decode_image, locate_document
from openidv.vision.documents.measured import Measured
from openidv.vision.documents.mrz_search import MrzSearch
from openidv.vision.documents.mrz_text import MrzLegibility, parse_ocr_lines, read_ocr_lines
from openidv.vision.documents.ocr import OcrEngine, TextBox
from openidv.vision.documents.physical import CaptureMeasures, measure_capture
from openidv.vision.documents.quality import (
    QualityMeasures,
    QualityThresholds,
    glare_share,
    measure_quality,
)
from openidv.vision.documents.result import DocumentReading, Reason, ReasonCode
from openidv.vision.documents.timing import elapsed_ms, timed
from openidv.vision.documents.verdicts import (
    capture_reasons,
    expired,
    expiry_text,
    mrz_reasons,
    quality_reasons,
)
from openidv.vision.documents.viz import VizField
from openidv.vision.documents.viz_read import VizReader
from openidv.vision.faces import Face, FaceEngine

# The comparison functions live in `crosscheck`; they stay importable from here.
__all__ = [
    "CROSS_CHECKED_FIELDS",
    "MIN_FIELD_CONFIDENCE",
    "DocumentReader",
    "QualityThresholds",
    "agreeing_fields",
    "cross_check",
    "is_degraded",
    "mrz_names_legible",
    "names_contradicted",
    "read_document",
    "surely_different",
]

Array = NDArray[np.uint8]

# Images are judged by the height of their MRZ characters, not their size: a 280 px card back
# or a 130 px high crop of the MRZ alone reads. Below these no MRZ can be legible at all
# (30 characters of `MIN_MRZ_CHAR_PX` on the long side, two lines on the short one).
MIN_IMAGE_SIDE = 16
# MRZ glyph height in source pixels below which nothing is read. On generated pages shrunk to
# 5-6 px one MRZ in eight came back valid with fillers read as letters in the names (no
# check digit covers them) and two in eight unread; from 6 px on, none of 50.
MIN_MRZ_CHAR_PX = 6.0
MIN_IMAGE_LENGTH = round(30 * MIN_MRZ_CHAR_PX)


class _ReadingCache:
    """A small LRU of `Measured` by (SHA-256 of the image bytes, today)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[bytes, dt.date], Measured] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[bytes, dt.date]) -> Measured | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[bytes, dt.date], item: Measured) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class DocumentReader:
    """Reads identity documents. Construct once (loads the OCR models), then `read`.

    ``viz_fields`` limits the printed fields read to those named (`CROSS_CHECKED_FIELDS` are
    all the checks compare): lines cut short by the first pass are read again whole only
    where such a value may be printed (see `printed`).

    ``cache_size`` > 0 keeps the measurements of that many recent images (about 2 MB each),
    keyed by a hash of their bytes: reading the same image again (the authenticity check
    and the text-extraction task of one session, in the same worker) then costs a hash
    and the final verdicts instead of a second OCR. Off by default (benchmarks, tests)."""

    def __init__(
        self,
        *,
        threads: int = 2,
        verify_models: bool = True,
        thresholds: QualityThresholds | None = None,
        cache_size: int = 0,
        faces: FaceEngine | None = None,
        viz_fields: Collection[str] | None = None,
    ) -> None:
        self._ocr = OcrEngine(threads=threads, verify_models=verify_models)
        self._mrz = MrzSearch(self._ocr)
        self._viz = VizReader(self._ocr)
        # The printed fields a read with the VIZ returns (None: every field it knows).
        self.viz_fields = frozenset(viz_fields) if viz_fields is not None else None
        # With a face engine, a read with the VIZ also looks for the portrait.
        self._faces = faces
        self.thresholds = thresholds if thresholds is not None else QualityThresholds()
        self._cache = _ReadingCache(cache_size) if cache_size > 0 else None

    @property
    def ocr(self) -> OcrEngine:
        """The reader's OCR engine (thread-safe): other readers of text use it rather than
        load a second copy of the same models."""
        return self._ocr

    def read_sides(
        self, images: Sequence[bytes], *, today: dt.date | None = None, read_viz: bool = True
    ) -> list[DocumentReading]:
        """Read the pages of one document (a card's front and back), each as `read` does,
        then settle the MRZ document number of one side with the number printed on another:
        a card's back carries the MRZ while its number is printed on the front, and a Z read
        as 2 there fails the check digit with nothing on the back to resolve it. Only the
        sides that need it are read again (from the cache, when the reader has one)."""
        day = today if today is not None else dt.date.today()
        readings = [self.read(image, today=day, read_viz=read_viz) for image in images]
        readings = match_across_sides(readings)
        for index, reading in enumerate(readings):
            if not number_in_doubt(reading.mrz) or "document_number" in reading.viz:
                continue
            for other_index in range(len(readings)):
                if other_index == index:
                    continue
                if not read_viz and not readings[other_index].viz:  # read its VIZ now
                    readings[other_index] = self.read(images[other_index], today=day, read_viz=True)
                printed = readings[other_index].viz.get("document_number")
                if printed is not None and printed.confidence >= MIN_NUMBER_CONFIDENCE:
                    readings[index] = self.read(
                        images[index], today=day, read_viz=read_viz, printed_number=printed
                    )
                    break
        return readings

    def read(
        self,
        image: bytes,
        *,
        today: dt.date | None = None,
        read_viz: bool = True,
        printed_number: VizField | None = None,
    ) -> DocumentReading:
        """Read one document image (PNG, JPEG, ...). Never raises on bad input.

        ``today`` anchors two-digit years and the expiry check (default: today).
        ``read_viz=False`` skips the VIZ unless the MRZ document number needs it.
        ``printed_number``: the document number printed on another side of the document,
        used when this side prints none (see `read_sides`).
        With a cache, a repeated image reports a ``cached`` timing instead of the stages
        it did not redo.
        """
        start = time.perf_counter()
        today = today if today is not None else dt.date.today()
        timings: dict[str, float] = {}
        key = (hashlib.sha256(image).digest(), today) if self._cache is not None else None
        measured = self._cache.get(key) if self._cache is not None and key is not None else None
        if measured is None:
            outcome = self._measure(image, today, timings)
            if isinstance(outcome, DocumentReading):
                outcome.timings_ms["total"] = elapsed_ms(start)
                return outcome
            measured = outcome
            # Up to the MRZ, wall time: the stages' own times overlap (`background`).
            timings["measured"] = elapsed_ms(start)
            if self._cache is not None and key is not None:
                self._cache.put(key, measured)
        else:
            timings["cached"] = elapsed_ms(start)
        reading = self._conclude(measured, today, read_viz, timings, printed_number)
        timings["total"] = elapsed_ms(start)
        return reading

    def _measure(
        self, image: bytes, today: dt.date, timings: dict[str, float]
    ) -> Measured | DocumentReading:
        """Everything up to and including the MRZ, or a failed reading."""

        def failed(reason: Reason) -> DocumentReading:
            return DocumentReading(
                mrz=None, mrz_text=(), viz={}, quality=None, reasons=(reason,), timings_ms=timings
            )

        pixels = timed(timings, "decode", lambda: decode_image(image))
        if pixels is None:
            return failed(Reason(ReasonCode.NOT_AN_IMAGE, "the data is not a decodable image"))
        if min(pixels.shape[:2]) < MIN_IMAGE_SIDE or max(pixels.shape[:2]) < MIN_IMAGE_LENGTH:
            return failed(
                Reason(
                    ReasonCode.IMAGE_TOO_SMALL,
                    f"the image is {pixels.shape[1]}x{pixels.shape[0]} px: too small to hold a "
                    f"legible MRZ (at least {MIN_IMAGE_LENGTH} x {MIN_IMAGE_SIDE} px)",
                )
            )
        located = timed(timings, "locate", lambda: locate_document(pixels))
        page = located.image

        def measures() -> tuple[QualityMeasures, CaptureMeasures]:
            quality = timed(timings, "quality", lambda: measure_quality(page, scale=located.scale))
            capture = timed(timings, "capture", lambda: measure_capture(pixels, page, located.quad))
            return quality, capture

        # Neither depends on the MRZ search, which reads ``page`` without changing it.
        side = Background(measures)
        try:
            found = self._mrz.read(page, today, timings)
        finally:
            quality, capture = side.result()
        mrz, lines, page = found.result, found.lines, found.page
        if lines:
            # In source pixels: what the camera resolved, whatever the page was scaled to.
            height = statistics.median(line.height for line in lines) * located.scale / found.zoom
            if height < MIN_MRZ_CHAR_PX:
                return failed(
                    Reason(
                        ReasonCode.IMAGE_TOO_SMALL,
                        f"the MRZ characters are {height:.1f} px high in the image: at least "
                        f"{MIN_MRZ_CHAR_PX:.1f} px are needed to read them",
                    )
                )
            mrz_quads = [line.quad(0.8, 0.35) for line in lines]
            quality = dataclasses.replace(
                quality,
                mrz_text_height_px=round(height, 1),
                mrz_glare=round(glare_share(page, mrz_quads), 4) if quality.glare_blob else 0.0,
            )
        legibility = MrzLegibility()
        if mrz is not None and mrz.format is not None:
            legibility = read_ocr_lines(found.reads, today=today)[1]
        return Measured(
            page=page,
            found_outline=located.found_outline,
            quality=quality,
            capture=capture,
            mrz=mrz,
            texts=[read.text for read in found.reads],
            lines=lines,
            turn=found.turn,
            reads=found.reads,
            legibility=legibility,
            page_quads=found.page_quads,
        )

    def _conclude(
        self,
        measured: Measured,
        today: dt.date,
        read_viz: bool,
        timings: dict[str, float],
        printed_number: VizField | None = None,
    ) -> DocumentReading:
        """The VIZ (when asked or needed), the cross-check and every reason."""
        mrz, texts, lines = measured.mrz, measured.texts, measured.lines
        quality, capture = measured.quality, measured.capture
        reasons: list[Reason] = []
        viz: dict[str, VizField] = {}
        printed: list[TextBox] = []
        # Even when the caller skips the VIZ, read it when the MRZ document number needs a
        # second source: it fails its check digit (the VIZ number is the only safe
        # tie-breaker for Z/2, O/0...), or it holds G, 6, S or 8, whose misreads (G/6, S/8)
        # every check digit lets through. That is most numbers: the price of never
        # reporting a wrong number as checked.
        # Names, which no check digit covers, read from small, blurred or glared MRZ
        # characters are reported only when the printed zone shows them too.
        names_legible = legible(quality, self.thresholds, measured.legibility.field_confidence)
        names_doubtful = mrz is not None and mrz.format is not None and not names_legible
        portrait: Background[list[Face]] | None = None
        if read_viz and self._faces is not None and measured.portrait_px is None:
            faces, page = self._faces, measured.page
            if measured.viz_lines is not None or (mrz is not None and mrz.format) or measured.turn:
                # The VIZ read turns only a page without an MRZ upright: this one is final,
                # so the portrait is looked for while the printed zone is read.
                portrait = Background(
                    lambda: timed(timings, "portrait", lambda: _portraits(faces, page))
                )
        if read_viz or number_in_doubt(mrz) or names_doubtful:
            fields: Collection[str] | None = self.viz_fields
            if not read_viz:
                fields = ("document_number", "surname", "given_names")
            viz, printed = self._viz.read(measured, fields, timings, names_sure=names_legible)
            number = viz.get("document_number", printed_number)
            if (
                mrz is not None
                and mrz.format is not None
                and mrz.document_number.valid is not True
                and number is not None
            ):
                # O/0-style ambiguity in the MRZ number: re-parse with the VIZ number.
                mrz = parse_ocr_lines(
                    measured.reads or texts, today=today, number_hint=number.value
                )
            if (
                mrz is not None
                and number is not None
                and number.confidence >= MIN_NUMBER_CONFIDENCE
            ):
                read = mrz.document_number.value
                mrz = check_neutral_swaps(
                    mrz, number_as_printed(number, read) if read else number.value
                )
            if mrz is not None and mrz.format is not None:
                mrz = number_unconfirmed(mrz, number, measured.legibility.field_confidence)
            if mrz is not None:
                mrz = with_printed_century(mrz, viz.get("date_of_birth"))
            if mrz is not None and names_doubtful:
                mrz = names_in_doubt(mrz, names_unconfirmed(mrz, viz))
        if read_viz and self._faces is not None and measured.portrait_px is None:
            faces = self._faces  # after the VIZ read, which turns a page without an MRZ upright
            found = (
                portrait.result()
                if portrait is not None
                else timed(timings, "portrait", lambda: _portraits(faces, measured.page))
            )
            measured.portrait_px = found[0].size_px if found else 0
        reasons.extend(mrz_reasons(mrz, lines))
        reasons.extend(quality_reasons(quality, self.thresholds))
        reasons.extend(capture_reasons(capture))
        mismatches: list[str] = []
        if mrz is not None and mrz.format is not None and viz:
            mismatches = cross_check(mrz, viz, degraded=is_degraded(reasons))
            if mismatches:
                reasons.append(
                    Reason(
                        ReasonCode.MRZ_VIZ_MISMATCH,
                        "the MRZ and the printed fields disagree on: " + ", ".join(mismatches),
                    )
                )
        is_expired = expired(mrz, today)
        if is_expired:
            assert mrz is not None
            reasons.append(Reason(ReasonCode.EXPIRED, expiry_text(mrz)))
        return DocumentReading(
            mrz=mrz,
            mrz_text=tuple(texts),
            viz=viz,
            quality=quality,
            reasons=tuple(reasons),
            timings_ms=timings,
            document_found=measured.found_outline,
            mismatches=tuple(mismatches),
            expired=is_expired,
            capture=capture,
            rotation=measured.turn,
            portrait_px=measured.portrait_px if read_viz else None,
            mrz_confidence=measured.legibility.line_confidence,
            mrz_field_confidence=measured.legibility.field_confidence,
            printed_lines=tuple(printed),
        )


def _portraits(faces: FaceEngine, page: Array) -> list[Face]:
    """Faces on the page; when none is found in colour, on the page in grey: many issuers
    print the portrait in grey over a coloured guilloche, which the detector (trained on
    colour photos) misses there (a genuine Hungarian passport's portrait under SPECIMEN)."""
    found = faces.detect(page)
    if found or page.ndim != 3:
        return found
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    return faces.detect(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))


def read_document(
    image: bytes, *, engine: DocumentReader, today: dt.date | None = None, read_viz: bool = True
) -> DocumentReading:
    """Functional form of `DocumentReader.read`."""
    return engine.read(image, today=today, read_viz=read_viz)
