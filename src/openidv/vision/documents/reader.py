"""`DocumentReader`: image bytes in, MRZ + VIZ + quality measures out.

Pipeline (times are typical for a 1000 px page on 2 cores):

1. decode, find the document outline and flatten it to 1000 px wide (~10 ms);
2. quality measures on the flattened page (~10 ms);
3. MRZ lines by morphology (~5 ms), each line cropped and recognised (PP-OCRv6, ~40 ms a
   line); only when that yields no MRZ layout, the same on the page turned 180 degrees (and
   90/270 for a portrait frame), then a text detection of the whole page (~100 ms) and, if
   it holds a line as long as an MRZ line, the detector on the lower part of the page (only
   MRZ-long lines recognised); the front of a card costs that one detection, which its VIZ
   read reuses; screen-recapture and photocopy signals (`physical`, ~30 ms) alongside;
4. VIZ: text detection at reduced resolution above the MRZ (~140 ms), recognition of every
   line's first 6.5 heights and of the wanted values whole (`printed`, ~200 ms), caption
   matching (skip with ``read_viz=False``, though the printed number is still read when
   the MRZ document number needs it as a tie-breaker). A page without
   an MRZ is first turned upright by its text lines (standing lines: a quarter turn) and
   the text classifier (upside down);
5. MRZ/VIZ cross-check, expiry and quality gates, each failure recorded as a `Reason`
   (on a poor capture the cross-check counts only what a partial read cannot explain).

The MRZ search is `mrz_search`, the comparisons of the MRZ with the printed zone
`crosscheck`, the reasons `verdicts`, line geometry `geometry`; this module orchestrates.

Nothing is loaded at import time: build one reader (loads and hash-checks the ONNX files,
~0.5 s) and reuse it; ``read`` is safe to call from several threads. With ``cache_size``,
stages 1-3 (and 4 once done) are kept per image so that re-reading the same bytes, with or
without the VIZ, repeats no OCR.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import statistics
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents.band import MrzLineBox
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
    number_in_doubt,
    surely_different,
    with_printed_century,
)
from openidv.vision.documents.geometry import bounds, iou, line_length, standing_share
from openidv.vision.documents.locate import decode_image, locate_document
from openidv.vision.documents.matching import (
    MATCHED_FIELDS,
    find_mrz_values,
    may_hold_mrz_value,
)
from openidv.vision.documents.mrz_search import MrzSearch
from openidv.vision.documents.mrz_text import MrzLegibility, parse_ocr_lines, read_ocr_lines
from openidv.vision.documents.ocr import VIZ_DET_LIMIT, OcrEngine, TextBox, crop_quad
from openidv.vision.documents.physical import CaptureMeasures, measure_capture
from openidv.vision.documents.printed import PrintedLines
from openidv.vision.documents.quality import (
    QualityMeasures,
    QualityThresholds,
    glare_share,
    measure_quality,
)
from openidv.vision.documents.recogniser import LineRead
from openidv.vision.documents.result import DocumentReading, Reason, ReasonCode
from openidv.vision.documents.timing import elapsed_ms, timed
from openidv.vision.documents.verdicts import (
    capture_reasons,
    expired,
    mrz_reasons,
    quality_reasons,
)
from openidv.vision.documents.viz import VizField, extract_fields
from openidv.vision.faces import Face, FaceEngine
from openidv.vision.mrz import MrzResult

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
# A second, finer detection of the printed zone (longest side up to this) when the number,
# surname or date of birth was not found printed: small print (7-9 px on a 550 px scan)
# the economical detection merged with a neighbour or missed outright.
FINE_DET_LIMIT = 1000
# A line of the finer detection overlapping a line already read by at least this share
# (intersection over union of their boxes) is the same line: not read again.
SAME_LINE_IOU = 0.5
FALLBACK_DET_LIMIT = 960
# The printed fields an APPROVE needs found agreeing with the MRZ (see checks/authenticity):
# when one is not, the printed zone gets a second, finer look (`FINE_DET_LIMIT`).
FINE_LOOK_FIELDS = ("document_number", "surname", "date_of_birth")
# Longest text lines the classifier looks at to tell an upside-down page without an MRZ.
ORIENTATION_LINES = 8


@dataclasses.dataclass
class _Measured:
    """What a read measured on one image, before the VIZ-dependent verdicts: kept in the
    reader's cache so that a second read of the same bytes (another engine of the same
    worker) redoes none of it, and a read with the VIZ after one without it only adds the
    VIZ."""

    page: Array  # as read (turned when the MRZ was found upside down or sideways)
    found_outline: bool
    quality: QualityMeasures
    capture: CaptureMeasures
    mrz: MrzResult | None
    texts: list[str]
    lines: list[MrzLineBox]
    turn: int
    # The recogniser's reads of the MRZ lines (re-parsed with the printed number) and how
    # sure it was of them.
    reads: list[LineRead] = dataclasses.field(default_factory=list)
    legibility: MrzLegibility = dataclasses.field(default_factory=MrzLegibility)
    viz_lines: PrintedLines | None = None
    fine_lines: PrintedLines | None = None  # the finer second look (`_read_fine`)
    decoloured: list[TextBox] | None = None  # lines read again without colour (`_read_decoloured`)
    # Text lines the detector found on the whole page (as read) while looking for an MRZ
    # that was not there: the VIZ read of such a page reuses them.
    page_quads: list[NDArray[np.float32]] | None = None
    portrait_px: int | None = None  # measured with the VIZ, once the page is upright


class _ReadingCache:
    """A small LRU of `_Measured` by (SHA-256 of the image bytes, today)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[bytes, dt.date], _Measured] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[bytes, dt.date]) -> _Measured | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[bytes, dt.date], item: _Measured) -> None:
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
        # The printed fields a read with the VIZ returns (None: every field it knows).
        self.viz_fields = frozenset(viz_fields) if viz_fields is not None else None
        # With a face engine, a read with the VIZ also looks for the portrait.
        self._faces = faces
        self.thresholds = thresholds if thresholds is not None else QualityThresholds()
        self._cache = _ReadingCache(cache_size) if cache_size > 0 else None

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
            if self._cache is not None and key is not None:
                self._cache.put(key, measured)
        else:
            timings["cached"] = elapsed_ms(start)
        reading = self._conclude(measured, today, read_viz, timings, printed_number)
        timings["total"] = elapsed_ms(start)
        return reading

    def _measure(
        self, image: bytes, today: dt.date, timings: dict[str, float]
    ) -> _Measured | DocumentReading:
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
        quality = timed(timings, "quality", lambda: measure_quality(page, scale=located.scale))
        capture: CaptureMeasures = timed(
            timings, "capture", lambda: measure_capture(pixels, page, located.quad)
        )
        found = self._mrz.read(page, today, timings)
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
        return _Measured(
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

    def _orient_without_mrz(self, measured: _Measured) -> list[NDArray[np.float32]]:
        """Turn a page that has no MRZ (the front of a card) upright by its text lines, and
        return the text lines detected on the upright page.

        Lines standing on end mean a quarter turn; the text classifier then tells upright
        from upside down on the longest lines. Costs one detection (which the VIZ read
        reuses) and a classification, plus a second detection for a quarter-turned page."""
        page = measured.page
        quads = measured.page_quads
        if quads is None:
            quads = self._ocr.detect(page, limit=VIZ_DET_LIMIT)
        turns = 0
        if standing_share(quads) > 0.5:
            turns = 1
            page = np.ascontiguousarray(np.rot90(page, 1))
            quads = self._ocr.detect(page, limit=VIZ_DET_LIMIT)
        longest = sorted(quads, key=line_length, reverse=True)[:ORIENTATION_LINES]
        if self._ocr.upside_down_share([crop_quad(page, quad) for quad in longest]) > 0.5:
            turns += 2
            height, width = page.shape[:2]
            page = np.ascontiguousarray(np.rot90(page, 2))
            # The same lines on the page turned half a turn, corners in reading order again.
            quads = [np.roll(np.array([width, height]) - 1 - quad, 2, axis=0) for quad in quads]
        measured.page, measured.turn = page, turns * 90
        return quads

    def _viz_lines(self, measured: _Measured, timings: dict[str, float]) -> PrintedLines:
        if measured.viz_lines is None:
            mrz, page = measured.mrz, measured.page
            if (mrz is None or mrz.format is None) and measured.turn == 0:
                # No MRZ to say which way is up, nor where the VIZ ends: the whole page.
                quads = timed(timings, "orient", lambda: self._orient_without_mrz(measured))
                region = measured.page
            else:
                lines = measured.lines
                top = (
                    int(min(line.quad(0, 0.6)[:, 1].min() for line in lines))
                    if lines
                    else page.shape[0]
                )
                region = page[: max(top, 1)]
                quads = timed(
                    timings, "viz_detect", lambda: self._ocr.detect(region, limit=VIZ_DET_LIMIT)
                )
            measured.viz_lines = PrintedLines(region, quads)
        return measured.viz_lines

    def _read_viz(
        self, measured: _Measured, fields: Collection[str] | None, timings: dict[str, float]
    ) -> tuple[dict[str, VizField], list[TextBox]]:
        """The printed fields (by caption, then the MRZ's values found on any line, which
        take precedence) and the recognised lines. On a page with an MRZ, every line whose
        beginning may go on to one of its values is read whole: they may be printed
        anywhere."""
        lines = self._viz_lines(measured, timings)
        mrz = measured.mrz
        may_hold = None
        if mrz is not None and mrz.format is not None:
            may_hold = functools.partial(may_hold_mrz_value, mrz)
        boxes = timed(
            timings, "viz_ocr", lambda: lines.boxes(self._ocr.recognise, fields, may_hold)
        )
        viz = extract_fields(boxes, fields)
        if mrz is not None and may_hold is not None:
            matched = [name for name in MATCHED_FIELDS if fields is None or name in fields]
            viz.update(find_mrz_values(mrz, boxes, matched))
            missing = [
                name
                for name in FINE_LOOK_FIELDS
                if name in matched and not (name in viz and viz[name].matches_mrz)
            ]
            if missing:
                fine = self._read_fine(measured, lines, may_hold, timings)
                # Against every line: a date's year the finer detection found apart from
                # its day and month joins them (`matching.row_joined`).
                viz.update(find_mrz_values(mrz, boxes + fine, missing))
                boxes = boxes + fine
                missing = [name for name in missing if not (name in viz and viz[name].matches_mrz)]
            if missing:
                plain = self._read_decoloured(measured, lines.image, boxes, may_hold, timings)
                viz.update(find_mrz_values(mrz, boxes + plain, missing))
                boxes = boxes + plain
        return viz, boxes

    def _read_decoloured(
        self,
        measured: _Measured,
        region: Array,
        boxes: list[TextBox],
        may_hold: Callable[[str], bool],
        timings: dict[str, float],
    ) -> list[TextBox]:
        """The lines that may hold a value of the MRZ read again with coloured ink made
        light (each pixel's brightest channel): a red SPECIMEN stamp or a coloured
        guilloche across a value (a 9 under a stamp read as C) gives way, black or dark
        print stays. As with the finer look, only the MRZ's values are taken from them."""
        if measured.decoloured is None:
            # A date's day and month may show a single digit until the stamp is gone.
            wanted = [box for box in boxes if may_hold(box.text) or _has_digit(box.text)]
            if region.ndim != 3 or not wanted:
                measured.decoloured = []
            else:
                light = cv2.cvtColor(np.max(region, axis=2), cv2.COLOR_GRAY2BGR)
                crops = [crop_quad(light, box.quad) for box in wanted]
                reads = timed(timings, "viz_decoloured_ocr", lambda: self._ocr.recognise(crops))
                measured.decoloured = [
                    TextBox(quad=box.quad, text=text, score=score)
                    for box, (text, score) in zip(wanted, reads, strict=True)
                    if text.strip()
                ]
        return measured.decoloured

    def _read_fine(
        self,
        measured: _Measured,
        lines: PrintedLines,
        may_hold: Callable[[str], bool],
        timings: dict[str, float],
    ) -> list[TextBox]:
        """The printed lines a finer detection finds that the first one did not (a date
        detected only there, a value it split from a neighbour), those that may hold one of
        the MRZ's values recognised. Only ever more evidence: a value is taken from these
        lines only when it is the MRZ's, as on the first look."""
        if measured.fine_lines is None:
            region = lines.image
            limit = min(FINE_DET_LIMIT, max(region.shape[:2]))
            if limit <= VIZ_DET_LIMIT:
                measured.fine_lines = PrintedLines(region, [])
            else:
                quads = timed(
                    timings, "viz_fine_detect", lambda: self._ocr.detect(region, limit=limit)
                )
                known = [bounds(quad) for quad in lines.quads]
                new = [q for q in quads if all(iou(bounds(q), k) < SAME_LINE_IOU for k in known)]
                measured.fine_lines = PrintedLines(region, new)
        fine = measured.fine_lines
        if not fine.quads:
            return []
        return timed(
            timings,
            "viz_fine_ocr",
            lambda: fine.boxes(self._ocr.recognise, fields=(), may_hold=may_hold),
        )

    def _conclude(
        self,
        measured: _Measured,
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
        if read_viz or number_in_doubt(mrz) or names_doubtful:
            fields: Collection[str] | None = self.viz_fields
            if not read_viz:
                fields = ("document_number", "surname", "given_names")
            viz, printed = self._read_viz(measured, fields, timings)
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
                mrz = check_neutral_swaps(mrz, number.value)
            if mrz is not None:
                mrz = with_printed_century(mrz, viz.get("date_of_birth"))
            if mrz is not None and names_doubtful:
                mrz = names_in_doubt(mrz, names_unconfirmed(mrz, viz))
        if read_viz and self._faces is not None and measured.portrait_px is None:
            faces = self._faces  # after the VIZ read, which turns a page without an MRZ upright
            found = timed(timings, "portrait", lambda: _portraits(faces, measured.page))
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
            reasons.append(
                Reason(ReasonCode.EXPIRED, f"the document expired on {mrz.expiry_date.value}")
            )
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


def _has_digit(text: str) -> bool:
    return any(char.isdigit() for char in text)


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
