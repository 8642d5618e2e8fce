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

Nothing is loaded at import time: build one reader (loads and hash-checks the ONNX files,
~0.5 s) and reuse it; ``read`` is safe to call from several threads. With ``cache_size``,
stages 1-3 (and 4 once done) are kept per image so that re-reading the same bytes, with or
without the VIZ, repeats no OCR.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import hashlib
import re
import statistics
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from typing import TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents.band import (
    MrzLineBox,
    find_mrz_lines,
    find_mrz_stacks,
    line_crop,
    turned_half,
)
from openidv.vision.documents.locate import WORK_WIDTH, decode_image, locate_document
from openidv.vision.documents.matching import (
    MATCHED_FIELDS,
    find_mrz_values,
    may_hold_mrz_value,
)
from openidv.vision.documents.mrz_text import (
    MrzLegibility,
    may_be_mrz_line,
    mrz_char_count,
    parse_ocr_lines,
    read_ocr_lines,
    worth_rereading,
)
from openidv.vision.documents.ocr import OcrEngine, TextBox, crop_quad
from openidv.vision.documents.physical import CaptureMeasures, measure_capture
from openidv.vision.documents.printed import PrintedLines
from openidv.vision.documents.quality import QualityMeasures, glare_share, measure_quality
from openidv.vision.documents.recogniser import LineRead
from openidv.vision.documents.result import DocumentReading, Reason, ReasonCode
from openidv.vision.documents.skew import ink_box, rotate_page, text_angle
from openidv.vision.documents.transliterate import same_name, same_number
from openidv.vision.documents.viz import VizField, extract_fields
from openidv.vision.faces import Face, FaceEngine
from openidv.vision.mrz import MrzProblem, MrzResult, ProblemCode

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
T = TypeVar("T")

# Images are judged by the height of their MRZ characters, not their size: a 280 px card back
# or a 130 px high crop of the MRZ alone reads. Below these no MRZ can be legible at all
# (30 characters of `MIN_MRZ_CHAR_PX` on the long side, two lines on the short one).
MIN_IMAGE_SIDE = 16
# MRZ glyph height in source pixels below which nothing is read. On generated pages shrunk to
# 5-6 px one MRZ in eight came back valid with fillers read as letters in the names (no
# check digit covers them) and two in eight unread; from 6 px on, none of 50.
MIN_MRZ_CHAR_PX = 6.0
MIN_IMAGE_LENGTH = round(30 * MIN_MRZ_CHAR_PX)
# The straightened search (`_read_straightened`) crops to the ink when it spans less than
# this share of the page along an axis (a card lying small on a white table).
INK_CROP_SHARE = 0.8
# Text straighter than this needs no rotation before the MRZ search (band copes).
MIN_STRAIGHTEN_DEG = 2.0
# Stacks of MRZ-like lines the straightened search reads at most (lowest first): a capture
# that shows a page of text around the document has paragraphs that look like one.
MAX_STRAIGHT_STACKS = 3
# A read whose lines hold fewer MRZ characters than this is not an MRZ with a clipped glyph:
# not worth reading again with looser crops.
MIN_RETRY_CHARS = 20
# Detector input limits (longest side): the VIZ text is 15-25 px high on a 1000 px page,
# still 10-16 px at 640, which PP-OCRv6's detector finds reliably at a third of the cost.
VIZ_DET_LIMIT = 640
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
# The fields both the MRZ and the printed zone carry, compared by `cross_check`.
CROSS_CHECKED_FIELDS = (
    "surname", "given_names", "date_of_birth", "expiry_date", "document_number", "sex"
)  # fmt: skip
# A printed document number is trusted as a second source from this OCR confidence.
MIN_NUMBER_CONFIDENCE = 0.8
# A printed field read with less confidence than this is compared with the MRZ only for
# differences a misread cannot explain (as on a poor capture); below the second, not at all.
MIN_FIELD_CONFIDENCE = 0.8
MIN_COMPARED_CONFIDENCE = 0.5
# Capture problems under which printed (VIZ) text is often read only in part.
DEGRADED_CAPTURE = frozenset(
    {ReasonCode.BLURRY, ReasonCode.GLARE, ReasonCode.LOW_RESOLUTION, ReasonCode.UNDEREXPOSED,
     ReasonCode.OVEREXPOSED}
)  # fmt: skip
# Below this similarity (difflib ratio) two names differ by more than a partial read.
DEGRADED_NAME_RATIO = 0.5
# Share of the page width an MRZ line spans at least (as `band.find_mrz_lines` requires).
MRZ_LINE_SHARE = 0.45
# Longest text lines the classifier looks at to tell an upside-down page without an MRZ.
ORIENTATION_LINES = 8
# MRZ lines centred above this share of the page height: the page is read turned first.
UPSIDE_DOWN_SHARE = 0.4
# Shortest detected line the fallback recognises, as a share of the page width: MRZ lines
# span 80-90 % of it (the morphological finder already requires 45 %).
FALLBACK_MIN_LINE_SHARE = 0.3
# The longest lines of the lower half read to tell whether the fallback may find an MRZ.
FALLBACK_PROBE_LINES = 3


class QualityThresholds:
    """Gates for the quality reasons. Calibrated on synthetic captures only (see the
    benchmark); real-capture calibration is still to do."""

    min_mrz_text_height_px = 12.0  # below this OCR errors climb steeply
    # Variance of the Laplacian at 1000 px: synthetic mild blur (sigma 1) and camera shots
    # measure 60-230 and still read; sigma 2 blur measures 9-22 and loses the VIZ.
    min_sharpness = 40.0
    max_glare_blob = 0.01  # clean pages <= 0.002, a lamp hotspot 0.03-0.05
    min_mean_luma = 60.0
    max_clipped_high = 0.5
    min_colourfulness = 3.0  # grey-scale copies measure ~0, colour pages 15-25
    # Least probability of a name's characters for the MRZ names to be trusted without the
    # printed zone showing them: the recogniser put at least this much on its reading of
    # each (exact real reads: median 0.98; a dropped I that shifted a name: 0.11).
    min_name_char_confidence = 0.6


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _timed(timings: dict[str, float], stage: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = fn()
    timings[stage] = _elapsed_ms(start)
    return value


def _rank(result: MrzResult | None) -> tuple[int, int, int]:
    """Prefer valid MRZs, then any recognised layout, then fewer problems."""
    if result is None:
        return (-1, -1, -1000)
    return (int(result.valid), int(result.format is not None), -len(result.problems))


def _fold_name(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.upper())
    return re.sub(r"[^A-Z]", "", plain)


def _clearly_different_names(mrz_name: str, viz_name: str) -> bool:
    """Names that a partly hidden or blurred read cannot explain: neither contains the
    other (glare hides the start or the end of a word) and they share little."""
    if mrz_name in viz_name or viz_name in mrz_name:
        return False
    return difflib.SequenceMatcher(None, mrz_name, viz_name).ratio() < DEGRADED_NAME_RATIO


def _plausible(name: str, field: VizField) -> bool:
    """The value read under a caption can be that field's at all: a name holds no slash
    and no run of digits (a bilingual nationality or a date read under the wrong caption),
    a document number has five characters or more, one a digit (not a country code)."""
    value = field.value or ""
    if name in ("surname", "given_names"):
        return "/" not in value and sum(char.isdigit() for char in value) < 2
    if name == "document_number":
        compact = re.sub(r"[^0-9A-Z]", "", value)
        return len(compact) >= 5 and any(char.isdigit() for char in compact)
    return True


def _same(name: str, mrz: MrzResult, field: VizField, *, tolerant: bool) -> bool:
    """The value read under ``name``'s caption is the MRZ's (``tolerant``: or differs no
    more than a partial read explains)."""
    mrz_field = mrz.fields[name]
    assert mrz_field.value is not None and field.value is not None
    if name in ("surname", "given_names"):
        mrz_name, viz_name = _fold_name(mrz_field.value), _fold_name(field.value)
        # The MRZ truncates long names, and transliterates (Ü -> UE): a VIZ name that
        # merely starts with the MRZ name, or vice versa, is not a mismatch.
        same = viz_name.startswith(mrz_name) or mrz_name.startswith(viz_name)
        same = same or same_name(field.value, mrz_field.value, truncated=True)
        # A VIZ value that is the MRZ's *other* name was read under the wrong caption
        # (small, blurred captions): a reading error, not evidence of tampering.
        other = mrz.fields["given_names" if name == "surname" else "surname"].value
        same = same or (other is not None and same_name(field.value, other))
        return same or (tolerant and not _clearly_different_names(mrz_name, viz_name))
    mrz_value = mrz_field.value.replace("<", "")
    if name != "document_number":
        return mrz_value == field.value
    same = mrz_value == field.value or same_number(field.value, mrz_value)
    return same or (tolerant and len(mrz_value) != len(field.value))


def _comparable(name: str, mrz: MrzResult, field: VizField | None) -> VizField | None:
    mrz_field = mrz.fields[name]
    if field is None or field.value is None or mrz_field.valid is False or not mrz_field.value:
        return None
    return field


def cross_check(mrz: MrzResult, viz: dict[str, VizField], *, degraded: bool = False) -> list[str]:
    """Fields whose MRZ value (when not invalid) differs from the VIZ value.

    A printed field found by its MRZ value (``matches_mrz``) agrees. Otherwise the value
    read under the field's caption is compared, names after ICAO transliteration and
    look-alike folding (`transliterate`), when it can be that field's value at all
    (`_plausible`: real layouts put other values near a caption).

    ``degraded``: the capture has glare, blur or low resolution. Printed text is then often
    read in part, so only differences such a read cannot explain count: a name unlike the
    MRZ's, a date that differs (a partly read date does not parse), a document number of
    the MRZ's length that differs. A field read with less than `MIN_FIELD_CONFIDENCE` is
    compared that way on any capture (ignoring it would let a printed name that is plainly
    another one pass whenever the OCR is unsure of it); one below
    `MIN_COMPARED_CONFIDENCE` is not compared."""
    mismatches: list[str] = []
    for name in CROSS_CHECKED_FIELDS:
        field = _comparable(name, mrz, viz.get(name))
        if field is None or field.matches_mrz:
            continue
        if field.confidence < MIN_COMPARED_CONFIDENCE or not _plausible(name, field):
            continue
        tolerant = degraded or field.confidence < MIN_FIELD_CONFIDENCE
        if not _same(name, mrz, field, tolerant=tolerant):
            mismatches.append(name)
    return mismatches


def agreeing_fields(mrz: MrzResult, viz: dict[str, VizField]) -> list[str]:
    """Fields whose printed value is the MRZ's: found by the MRZ's value, or read under
    its caption with confidence and equal (after transliteration and look-alikes). Only
    these show that the printed data was not altered; a value merely not contradicting
    the MRZ (a partial read) does not."""
    agreeing: list[str] = []
    for name in CROSS_CHECKED_FIELDS:
        field = _comparable(name, mrz, viz.get(name))
        if field is None:
            continue
        if field.matches_mrz or (
            field.confidence >= MIN_FIELD_CONFIDENCE
            and _plausible(name, field)
            and _same(name, mrz, field, tolerant=False)
        ):
            agreeing.append(name)
    return agreeing


def names_contradicted(mrz: MrzResult, viz: dict[str, VizField]) -> list[str]:
    """The MRZ names that a printed value read with some confidence under their caption
    (and able to be a name) does not agree with: one of the two reads is wrong, and no
    check digit says which."""
    agreeing = agreeing_fields(mrz, viz)
    contradicted = []
    for name in ("surname", "given_names"):
        field = _comparable(name, mrz, viz.get(name))
        if (
            field is not None
            and name not in agreeing
            and field.confidence >= MIN_COMPARED_CONFIDENCE
            and _plausible(name, field)
            and not _same(name, mrz, field, tolerant=False)
        ):
            contradicted.append(name)
    return contradicted


def _one_misread_apart(mrz_name: str, printed: str) -> bool:
    """Some printed word is the MRZ name but for one character dropped, added or changed:
    a single misread on either side explains the difference (HARUDDIN, HAIRUDDIN)."""
    target = _fold_name(mrz_name)
    words = [_fold_name(word) for word in re.split(r"[\s,/-]+", printed)]
    words.append(_fold_name(printed))
    for word in words:
        if not word or abs(len(word) - len(target)) > 1:
            continue
        matcher = difflib.SequenceMatcher(None, target, word)
        edits = sum(
            max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
        )
        if edits <= 1:
            return True
    return False


def surely_different(
    name: str, mrz: MrzResult, field: VizField, *, mrz_names_legible: bool
) -> bool:
    """A mismatch that no reading error explains: the printed value was read with full
    confidence and can be that field's, the MRZ value is check-digit-sure (names, which
    no check digit covers: read from legible characters), and a name differs by more than
    one misread character."""
    if field.matches_mrz or field.confidence < MIN_FIELD_CONFIDENCE or not _plausible(name, field):
        return False
    mrz_field = mrz.fields[name]
    if mrz_field.value is None:
        return False
    if name in ("surname", "given_names"):
        return mrz_names_legible and not _one_misread_apart(mrz_field.value, field.value or "")
    return mrz_field.valid is True


def _legible(
    quality: QualityMeasures | None,
    thresholds: QualityThresholds,
    field_confidence: dict[str, float],
) -> bool:
    """The MRZ names can stand on their own: characters tall enough and sharp, and each
    name's least sure character recognised with `min_name_char_confidence` (without the
    recogniser's per-character figures: clear of glare)."""
    if quality is None or quality.mrz_text_height_px is None:
        return False
    if (
        quality.mrz_text_height_px < thresholds.min_mrz_text_height_px
        or quality.sharpness < thresholds.min_sharpness
    ):
        return False
    names = [
        field_confidence[name] for name in ("surname", "given_names") if name in field_confidence
    ]
    if names:
        return min(names) >= thresholds.min_name_char_confidence
    return not quality.mrz_glare


def mrz_names_legible(reading: DocumentReading, thresholds: QualityThresholds) -> bool:
    """The MRZ's names (covered by no check digit) were read from characters tall enough,
    sharp and recognised surely: their read can stand on its own."""
    return _legible(reading.quality, thresholds, reading.mrz_field_confidence)


def _names_unconfirmed(mrz: MrzResult, viz: dict[str, VizField]) -> list[str]:
    """The MRZ names not found printed (a name the MRZ leaves empty needs nothing)."""
    return [
        name
        for name in ("surname", "given_names")
        if mrz.fields[name].value and not (name in viz and viz[name].matches_mrz)
    ]


def _names_in_doubt(mrz: MrzResult, names: list[str]) -> MrzResult:
    """Mark names read from illegible characters, and found printed nowhere, as uncertain:
    no check digit covers them, and a valid MRZ must not carry a misread name (a card back
    enlarged threefold read with a wrong surname and every check digit holding)."""
    if not names:
        return mrz
    problems = [
        MrzProblem(
            ProblemCode.AMBIGUOUS,
            f"the {name.replace('_', ' ')} was read from MRZ characters too small, blurred or "
            "under glare to be sure of, and was not found in the printed zone",
            name,
        )
        for name in names
    ]
    return _with_names_valid(mrz, names, False, (*mrz.problems, *problems))


def _with_names_valid(
    mrz: MrzResult, names: Sequence[str], valid: bool | None, problems: tuple[MrzProblem, ...]
) -> MrzResult:
    """The MRZ with ``names`` (surname, given names) marked ``valid`` and ``problems``."""
    surname, given_names = mrz.surname, mrz.given_names
    return dataclasses.replace(
        mrz,
        problems=problems,
        surname=dataclasses.replace(surname, valid=valid) if "surname" in names else surname,
        given_names=(
            dataclasses.replace(given_names, valid=valid) if "given_names" in names else given_names
        ),
    )


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
    # Text lines the detector found on the whole page (as read) while looking for an MRZ
    # that was not there: the VIZ read of such a page reuses them.
    page_quads: list[NDArray[np.float32]] | None = None
    portrait_px: int | None = None  # measured with the VIZ, once the page is upright


@dataclasses.dataclass
class _MrzRead:
    """What the MRZ search found: the parsed MRZ, the recogniser's reads of its lines, their
    boxes on ``page`` (the page as read: turned or straightened), the turn (deg, counter-
    clockwise), and the text lines of the whole page when the detector had to look."""

    result: MrzResult | None
    reads: list[LineRead]
    lines: list[MrzLineBox]
    page: Array
    turn: int
    page_quads: list[NDArray[np.float32]] | None = None
    zoom: float = 1.0  # pixels of ``page`` per pixel of the flattened document


def _ink_crop(page: Array) -> Array:
    """The part of the page its ink occupies, when that is clearly less than the page."""
    box = ink_box(page)
    if box is None:
        return page
    x0, y0, x1, y1 = box
    height, width = page.shape[:2]
    if x1 - x0 >= INK_CROP_SHARE * width and y1 - y0 >= INK_CROP_SHARE * height:
        return page
    return np.ascontiguousarray(page[y0:y1, x0:x1])


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
        # The printed fields a read with the VIZ returns (None: every field it knows).
        self.viz_fields = frozenset(viz_fields) if viz_fields is not None else None
        # With a face engine, a read with the VIZ also looks for the portrait.
        self._faces = faces
        self.thresholds = thresholds if thresholds is not None else QualityThresholds()
        self._cache = _ReadingCache(cache_size) if cache_size > 0 else None

    # -- MRZ ------------------------------------------------------------------

    def _read_lines(
        self, page: Array, lines: list[MrzLineBox], today: dt.date
    ) -> tuple[MrzResult, list[LineRead]]:
        best: tuple[MrzResult, list[LineRead]] | None = None
        # Second try with looser crops: a glyph clipped by a tight box is the usual failure.
        for pad_x, pad_y in ((0.8, 0.35), (1.4, 0.7)):
            crops = [line_crop(page, line, pad_x=pad_x, pad_y=pad_y) for line in lines]
            texts = self._ocr.recognise_chars(crops)
            result = parse_ocr_lines(texts, today=today)
            if best is None or _rank(result) > _rank(best[0]):
                best = result, texts
            if (
                not worth_rereading(result)
                or max(mrz_char_count(read.text) for read in texts) < MIN_RETRY_CHARS
            ):
                break
        assert best is not None
        return best

    def _read_by_detection(self, page: Array, today: dt.date) -> tuple[MrzResult, list[LineRead]]:
        top = int(page.shape[0] * 0.5)
        # Only lines long enough to be MRZ lines are recognised: on a page without an MRZ
        # (the front of a card) the lower half holds VIZ text, which cost ~250 ms to read
        # for nothing. Every MRZ line spans most of the page width.
        region = page[top:]
        quads = self._ocr.detect(region, limit=FALLBACK_DET_LIMIT)
        quads = [q for q in quads if _extent(q)[0] >= FALLBACK_MIN_LINE_SHARE * page.shape[1]]
        quads.sort(key=lambda quad: float(quad[:, 1].mean()))
        reads = self._ocr.recognise_chars([crop_quad(region, quad) for quad in quads])
        texts = [read for read in reads if read.text.strip()]
        return parse_ocr_lines(texts, today=today), texts

    def _read_lines_of(
        self,
        page: Array,
        today: dt.date,
        timings: dict[str, float],
        suffix: str = "",
        lines: list[MrzLineBox] | None = None,
    ) -> tuple[MrzResult | None, list[LineRead], list[MrzLineBox]]:
        if lines is None:
            lines = _timed(timings, "mrz_locate" + suffix, lambda: find_mrz_lines(page))
        if not lines:
            return None, [], lines
        result, texts = _timed(
            timings, "mrz_ocr" + suffix, lambda: self._read_lines(page, lines, today)
        )
        return result, texts, lines

    @staticmethod
    def _on_top(page: Array, lines: list[MrzLineBox]) -> bool:
        if not lines:
            return False
        centre = statistics.mean(line.centre[1] for line in lines)
        return bool(centre < UPSIDE_DOWN_SHARE * page.shape[0])

    def _read_mrz(self, page: Array, today: dt.date, timings: dict[str, float]) -> _MrzRead:
        """The MRZ of the page, turning it when the upright read finds no MRZ layout, then
        straightening it by its text lines (`_read_straightened`) when no turn does either.

        When the whole page had to be searched with the text detector, its text lines come
        back too."""
        flat = page
        upright = _timed(timings, "mrz_locate", lambda: find_mrz_lines(page))
        if self._on_top(page, upright):
            # The MRZ is at the bottom of every page that carries one: lines found in the
            # top part mean the page is upside down. Try it turned first, which saves a
            # wasted recognition of the upside-down lines (~120 ms); if that finds no MRZ
            # layout, everything below runs as before.
            turned = np.ascontiguousarray(np.rot90(page, 2))
            trial, trial_texts, trial_lines = self._read_lines_of(
                turned, today, timings, suffix="_turn180"
            )
            if trial is not None and trial.format is not None:
                return _MrzRead(trial, trial_texts, trial_lines, turned, 180)
        result, texts, lines = self._read_lines_of(page, today, timings, lines=upright)
        if result is not None and result.format is not None:
            return _MrzRead(result, texts, lines, page, 0)
        # Upside down (or, for a portrait frame, sideways): the morphological line finder
        # is cheap and rotation-blind, so only the recognition is spent on each turn.
        turns = [2, 1, 3] if page.shape[0] > page.shape[1] else [2]
        best = _MrzRead(result, texts, lines, page, 0)
        for quarter in turns:
            turned = np.ascontiguousarray(np.rot90(page, quarter))
            trial, trial_texts, trial_lines = self._read_lines_of(
                turned, today, timings, suffix=f"_turn{quarter * 90}"
            )
            if trial is not None and _rank(trial) > _rank(best.result):
                best = _MrzRead(trial, trial_texts, trial_lines, turned, quarter * 90)
            if trial is not None and trial.format is not None:
                return best
        # Tilted past what the line finder copes with, turned a quarter in a landscape frame,
        # or small in a plain frame: straightened by its own text lines (no OCR to find
        # them, ~30 ms; a recognition only when MRZ lines then stand out).
        straight = self._read_straightened(flat, today, timings)
        if straight is not None and straight.result is not None and straight.result.format:
            return straight
        page = best.page
        # No MRZ layout was read from the lines found by morphology, if any. A detection
        # of the whole page (at the VIZ read's resolution, which reuses it) says whether any
        # text line is long enough to be an MRZ line: the front of a card has none, and
        # then the detector fallback (~150 ms) is not worth running.
        quads = _timed(timings, "page_detect", lambda: self._ocr.detect(page, limit=VIZ_DET_LIMIT))
        best.page_quads = quads
        if not _has_mrz_long_line(quads, page) or not self._may_hold_mrz(page, quads, timings):
            return best
        # The detector fallback: only when the lines were not found or their text has no
        # MRZ layout at all (a read that merely fails a check digit is usually an altered
        # document, and re-reading it the same way would not change that).
        fallback, fallback_texts = _timed(
            timings, "mrz_fallback", lambda: self._read_by_detection(page, today)
        )
        if fallback_texts and (best.result is None or _rank(fallback) > _rank(best.result)):
            best.result, best.reads = fallback, fallback_texts
        return best

    def _may_hold_mrz(
        self, page: Array, quads: list[NDArray[np.float32]], timings: dict[str, float]
    ) -> bool:
        """Some long line of the page's lower half reads like an MRZ line
        (`mrz_text.may_be_mrz_line`): the fine detection of the fallback (~300 ms of CPU)
        is wasted on a card's front or verso, whose long lines are printed text."""
        height, width = page.shape[:2]
        lower = [
            q
            for q in quads
            if float(q[:, 1].mean()) >= 0.5 * height
            and _extent(q)[0] >= FALLBACK_MIN_LINE_SHARE * width
        ]
        longest = sorted(lower, key=_line_length, reverse=True)[:FALLBACK_PROBE_LINES]
        if not longest:
            return False
        crops = [crop_quad(page, quad) for quad in longest]
        reads = _timed(timings, "mrz_probe", lambda: self._ocr.recognise_chars(crops))
        return any(may_be_mrz_line(read.text) for read in reads)

    def _read_straightened(
        self, page: Array, today: dt.date, timings: dict[str, float]
    ) -> _MrzRead | None:
        """The MRZ of a page whose text lines are tilted (up to any angle: `skew.text_angle`
        measures their direction) or that lies small in a plain frame (cut out by its ink),
        read at the working width; None when there was nothing new to try."""
        start = time.perf_counter()
        region = _ink_crop(page)
        angle = text_angle(region)
        if angle is None or (abs(angle) < MIN_STRAIGHTEN_DEG and region is page):
            timings["mrz_straighten"] = _elapsed_ms(start)
            return None
        if abs(angle) >= MIN_STRAIGHTEN_DEG:
            region = _ink_crop(rotate_page(region, angle))
        zoom = WORK_WIDTH / region.shape[1]
        height = max(1, round(region.shape[0] * zoom))
        interpolation = cv2.INTER_AREA if zoom < 1 else cv2.INTER_CUBIC
        region = np.asarray(cv2.resize(region, (WORK_WIDTH, height), interpolation=interpolation))
        stacks = find_mrz_stacks(region, limit=MAX_STRAIGHT_STACKS)
        timings["mrz_straighten"] = _elapsed_ms(start)
        best: _MrzRead | None = None
        turned = np.ascontiguousarray(np.rot90(region, 2))
        for index, stack in enumerate(stacks):
            # The text direction is known up to a half turn: the MRZ lies at the bottom.
            for half in [2, 0] if self._on_top(region, stack) else [0, 2]:
                lines = stack if half == 0 else [turned_half(line, region.shape) for line in stack]
                lines.sort(key=lambda line: line.centre[1])
                trial, trial_texts, trial_lines = self._read_lines_of(
                    region if half == 0 else turned, today, timings,
                    suffix=f"_straight{index}_{half * 90}", lines=lines,
                )  # fmt: skip
                if trial is not None and (best is None or _rank(trial) > _rank(best.result)):
                    best = _MrzRead(
                        trial, trial_texts, trial_lines, region if half == 0 else turned,
                        round(angle + half * 90) % 360, zoom=zoom,
                    )  # fmt: skip
                if trial is not None and trial.format is not None:
                    return best
        return best

    # -- whole page -----------------------------------------------------------

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
        readings = _match_across_sides(readings)
        for index, reading in enumerate(readings):
            if not _number_in_doubt(reading.mrz) or "document_number" in reading.viz:
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
                outcome.timings_ms["total"] = _elapsed_ms(start)
                return outcome
            measured = outcome
            if self._cache is not None and key is not None:
                self._cache.put(key, measured)
        else:
            timings["cached"] = _elapsed_ms(start)
        reading = self._conclude(measured, today, read_viz, timings, printed_number)
        timings["total"] = _elapsed_ms(start)
        return reading

    def _measure(
        self, image: bytes, today: dt.date, timings: dict[str, float]
    ) -> _Measured | DocumentReading:
        """Everything up to and including the MRZ, or a failed reading."""

        def failed(reason: Reason) -> DocumentReading:
            return DocumentReading(
                mrz=None, mrz_text=(), viz={}, quality=None, reasons=(reason,), timings_ms=timings
            )

        pixels = _timed(timings, "decode", lambda: decode_image(image))
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
        located = _timed(timings, "locate", lambda: locate_document(pixels))
        page = located.image
        quality = _timed(timings, "quality", lambda: measure_quality(page, scale=located.scale))
        capture: CaptureMeasures = _timed(
            timings, "capture", lambda: measure_capture(pixels, page, located.quad)
        )
        found = self._read_mrz(page, today, timings)
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
        if _standing_share(quads) > 0.5:
            turns = 1
            page = np.ascontiguousarray(np.rot90(page, 1))
            quads = self._ocr.detect(page, limit=VIZ_DET_LIMIT)
        longest = sorted(quads, key=_line_length, reverse=True)[:ORIENTATION_LINES]
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
                quads = _timed(timings, "orient", lambda: self._orient_without_mrz(measured))
                region = measured.page
            else:
                lines = measured.lines
                top = (
                    int(min(line.quad(0, 0.6)[:, 1].min() for line in lines))
                    if lines
                    else page.shape[0]
                )
                region = page[: max(top, 1)]
                quads = _timed(
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
        boxes = _timed(
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
                viz.update(find_mrz_values(mrz, fine, missing))
                boxes = boxes + fine
        return viz, boxes

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
                quads = _timed(
                    timings, "viz_fine_detect", lambda: self._ocr.detect(region, limit=limit)
                )
                known = [_bounds(quad) for quad in lines.quads]
                new = [q for q in quads if all(_iou(_bounds(q), k) < SAME_LINE_IOU for k in known)]
                measured.fine_lines = PrintedLines(region, new)
        fine = measured.fine_lines
        if not fine.quads:
            return []
        return _timed(
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
        names_legible = _legible(quality, self.thresholds, measured.legibility.field_confidence)
        names_in_doubt = mrz is not None and mrz.format is not None and not names_legible
        if read_viz or _number_in_doubt(mrz) or names_in_doubt:
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
                mrz = _check_neutral_swaps(mrz, number.value)
            if mrz is not None:
                mrz = _with_printed_century(mrz, viz.get("date_of_birth"))
            if mrz is not None and names_in_doubt:
                mrz = _names_in_doubt(mrz, _names_unconfirmed(mrz, viz))
        if read_viz and self._faces is not None and measured.portrait_px is None:
            faces = self._faces  # after the VIZ read, which turns a page without an MRZ upright
            found = _timed(timings, "portrait", lambda: _portraits(faces, measured.page))
            measured.portrait_px = found[0].size_px if found else 0
        reasons.extend(self._mrz_reasons(mrz, lines))
        reasons.extend(self._quality_reasons(quality))
        if capture.screen:
            reasons.append(
                Reason(
                    ReasonCode.SCREEN_RECAPTURE,
                    "the document was photographed off a screen (moire: chroma "
                    f"{capture.moire:.1f}, luma {capture.moire_luma:.1f})",
                )
            )
        if capture.copy:
            reasons.append(
                Reason(
                    ReasonCode.NO_COLOUR,
                    "the image is a photocopy: colour spread "
                    f"{capture.chroma_spread:.1f}, saturation p95 {capture.saturation_p95:.0f}, "
                    f"white page share {capture.white_share:.0%}",
                )
            )
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
        expired = _expired(mrz, today)
        if expired:
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
            expired=expired,
            capture=capture,
            rotation=measured.turn,
            portrait_px=measured.portrait_px if read_viz else None,
            mrz_confidence=measured.legibility.line_confidence,
            mrz_field_confidence=measured.legibility.field_confidence,
            printed_lines=tuple(printed),
        )

    def _mrz_reasons(self, mrz: MrzResult | None, lines: list[MrzLineBox]) -> list[Reason]:
        if mrz is None or (not lines and mrz.format is None):
            return [Reason(ReasonCode.NO_MRZ, "no machine-readable zone was found on the image")]
        if mrz.format is None:
            return [
                Reason(
                    ReasonCode.MRZ_UNREADABLE,
                    "an MRZ was found but could not be read as TD1, TD2 or TD3: "
                    + "; ".join(str(problem) for problem in mrz.problems),
                )
            ]
        if mrz.problems and all(p.code is ProblemCode.AMBIGUOUS for p in mrz.problems):
            return [
                Reason(
                    ReasonCode.MRZ_UNREADABLE,
                    "the MRZ could not be read with certainty: "
                    + "; ".join(str(problem) for problem in mrz.problems),
                )
            ]
        if not mrz.valid:
            return [
                Reason(
                    ReasonCode.MRZ_INVALID,
                    "the MRZ fails validation: "
                    + "; ".join(str(problem) for problem in mrz.problems),
                )
            ]
        return []

    def _quality_reasons(self, quality: QualityMeasures) -> list[Reason]:
        gate = self.thresholds
        reasons: list[Reason] = []
        height = quality.mrz_text_height_px
        if height is not None and height < gate.min_mrz_text_height_px:
            reasons.append(
                Reason(
                    ReasonCode.LOW_RESOLUTION,
                    f"MRZ text is {height:.0f} px high (< {gate.min_mrz_text_height_px:.0f})",
                )
            )
        if quality.sharpness < gate.min_sharpness:
            reasons.append(
                Reason(
                    ReasonCode.BLURRY,
                    f"sharpness {quality.sharpness:.0f} < {gate.min_sharpness:.0f}",
                )
            )
        if quality.glare_blob > gate.max_glare_blob:
            reasons.append(
                Reason(
                    ReasonCode.GLARE,
                    f"a glare spot covers {quality.glare_blob:.1%} of the document",
                )
            )
        if quality.mean_luma < gate.min_mean_luma:
            reasons.append(
                Reason(
                    ReasonCode.UNDEREXPOSED, f"mean brightness {quality.mean_luma:.0f} is too dark"
                )
            )
        if quality.clipped_high > gate.max_clipped_high:
            reasons.append(
                Reason(
                    ReasonCode.OVEREXPOSED,
                    f"{quality.clipped_high:.0%} of the document is burnt out",
                )
            )
        return reasons


# Look-alike pairs with the same ICAO check-digit value (G = 16, S = 28): a misread between
# them passes every check digit, so only an independent reading can reveal it.
_NEUTRAL_SWAPS = {("G", "6"), ("6", "G"), ("S", "8"), ("8", "S")}
_NEUTRAL_CHARS = frozenset("G6S8")


def _number_in_doubt(mrz: MrzResult | None) -> bool:
    """The MRZ document number needs a second source: it fails its check digit, or it holds
    G, 6, S or 8, whose misreads (G/6, S/8) every check digit lets through."""
    if mrz is None or mrz.format is None:
        return False
    number = mrz.document_number
    # A number repaired from the recogniser's runner-ups passed its one check digit only.
    return (
        not number.valid
        or number.repaired
        or any(char in _NEUTRAL_CHARS for char in number.value or "")
    )


def _check_neutral_swaps(mrz: MrzResult, printed: str | None) -> MrzResult:
    """Mark the MRZ document number ambiguous when the printed (VIZ) number differs from it
    only by check-digit-neutral look-alikes: which one is right cannot be known."""
    read = mrz.document_number.value
    if printed is None or read is None or mrz.document_number.valid is not True:
        return mrz
    if printed == read:
        return mrz
    if mrz.document_number.repaired:
        # The repair made the check digit hold, but the printed number (read with
        # confidence) says otherwise: one check digit is too weak to overrule it.
        problem = MrzProblem(
            ProblemCode.AMBIGUOUS,
            f"the MRZ number was repaired to {read!r} but {printed!r} is printed",
            "document_number",
        )
        return dataclasses.replace(
            mrz,
            document_number=dataclasses.replace(mrz.document_number, valid=False),
            problems=(*mrz.problems, problem),
        )
    if len(printed) != len(read):
        return mrz
    if not all(a == b or (a, b) in _NEUTRAL_SWAPS for a, b in zip(read, printed, strict=True)):
        return mrz
    problem = MrzProblem(
        ProblemCode.AMBIGUOUS,
        f"the MRZ number {read!r} and the printed {printed!r} differ only by look-alikes "
        "that check digits cannot tell apart (G/6, S/8)",
        "document_number",
    )
    return dataclasses.replace(
        mrz,
        document_number=dataclasses.replace(mrz.document_number, valid=False),
        problems=(*mrz.problems, problem),
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


def _with_printed_century(mrz: MrzResult, printed: VizField | None) -> MrzResult:
    """The MRZ's date of birth in the century the document prints (the MRZ has two-digit
    years, and a 1911 birth on a document valid in 2012 reads as 2011)."""
    birth = mrz.date_of_birth
    if printed is None or not printed.matches_mrz or printed.value in (None, birth.value):
        return mrz
    return dataclasses.replace(mrz, date_of_birth=dataclasses.replace(birth, value=printed.value))


def _match_across_sides(readings: list[DocumentReading]) -> list[DocumentReading]:
    """Look for each side's MRZ values among the printed lines of the other sides (a card's
    MRZ is on its back, the holder's printed details on its front). Names the MRZ side left
    in doubt (`_names_in_doubt`) that another side prints are sure again."""
    matched = list(readings)
    for index, reading in enumerate(readings):
        mrz = reading.mrz
        if mrz is None or mrz.format is None:
            continue
        doubted = _doubted_names(mrz)
        undoubted = _without_name_doubt(mrz, doubted)
        found_on = {
            other_index: find_mrz_values(undoubted, other.printed_lines)
            for other_index, other in enumerate(readings)
            if other_index != index and other.printed_lines
        }
        confirmed = {name for found in found_on.values() for name in found} >= set(doubted)
        if doubted and confirmed:
            matched[index] = _lift_name_doubt(matched[index], undoubted)
        for other_index, found in found_on.items():
            # A name still in doubt is not shown to the other side as the MRZ's.
            shown = {n: f for n, f in found.items() if confirmed or n not in doubted}
            if shown:
                viz = {**matched[other_index].viz, **shown}
                matched[other_index] = dataclasses.replace(matched[other_index], viz=viz)
    return matched


def _doubted_names(mrz: MrzResult) -> list[str]:
    return [
        problem.field
        for problem in mrz.problems
        if problem.code is ProblemCode.AMBIGUOUS and problem.field in ("surname", "given_names")
    ]


def _without_name_doubt(mrz: MrzResult, doubted: list[str]) -> MrzResult:
    """The MRZ as read, without the doubt `_names_in_doubt` cast on its names."""
    if not doubted:
        return mrz
    problems = tuple(
        p for p in mrz.problems if not (p.code is ProblemCode.AMBIGUOUS and p.field in doubted)
    )
    return _with_names_valid(mrz, doubted, None, problems)


def _lift_name_doubt(reading: DocumentReading, mrz: MrzResult) -> DocumentReading:
    """The reading with its MRZ's names sure again; the 'could not be read with certainty'
    reason goes when nothing else was uncertain."""
    reasons = reading.reasons
    if mrz.valid:
        reasons = tuple(r for r in reasons if r.code is not ReasonCode.MRZ_UNREADABLE)
    return dataclasses.replace(reading, mrz=mrz, reasons=reasons)


def is_degraded(reasons: Sequence[Reason]) -> bool:
    """The capture has one of the quality problems that make printed text unreliable."""
    return any(reason.code in DEGRADED_CAPTURE for reason in reasons)


def _extent(quad: NDArray[np.float32]) -> tuple[float, float]:
    """Width and height of a text line's bounding box."""
    return float(np.ptp(quad[:, 0])), float(np.ptp(quad[:, 1]))


def _bounds(quad: NDArray[np.float32]) -> tuple[float, float, float, float]:
    return (
        float(quad[:, 0].min()),
        float(quad[:, 1].min()),
        float(quad[:, 0].max()),
        float(quad[:, 1].max()),
    )


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _line_length(quad: NDArray[np.float32]) -> float:
    return sum(_extent(quad))


def _has_mrz_long_line(quads: list[NDArray[np.float32]], page: Array) -> bool:
    """Some text line spans as much of the page as the morphological MRZ finder requires
    of an MRZ line, lying or (a page turned a quarter) standing."""
    height, width = page.shape[:2]
    return any(
        w >= MRZ_LINE_SHARE * width or h >= MRZ_LINE_SHARE * height for w, h in map(_extent, quads)
    )


def _standing_share(quads: list[NDArray[np.float32]]) -> float:
    """Share of the clearly elongated text lines that are taller than wide."""
    elongated = [(w, h) for w, h in map(_extent, quads) if max(w, h) >= 3 * min(w, h)]
    if not elongated:
        return 0.0
    return sum(h > w for w, h in elongated) / len(elongated)


def _expired(mrz: MrzResult | None, today: dt.date) -> bool | None:
    if mrz is None or mrz.expiry_date.value is None or mrz.expiry_date.valid is False:
        return None
    return dt.date.fromisoformat(mrz.expiry_date.value) < today


def read_document(
    image: bytes, *, engine: DocumentReader, today: dt.date | None = None, read_viz: bool = True
) -> DocumentReading:
    """Functional form of `DocumentReader.read`."""
    return engine.read(image, today=today, read_viz=read_viz)
