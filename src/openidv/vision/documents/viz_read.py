"""The printed zone (VIZ) of a page read: its text lines detected (the whole page, turned
upright by its text, when it has no MRZ; above the MRZ else), recognised as `printed`
decides, fields taken by caption (`viz`) and the MRZ's values looked for on every line
(`matching`); when the number, surname or date of birth is not found, a finer detection,
then the lines that may hold it read again with coloured ink made light."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents import alternatives
from openidv.vision.documents.geometry import bounds, iou, line_length, standing_share
from openidv.vision.documents.matching import (
    MATCHED_FIELDS,
    find_mrz_values,
    may_hold_mrz_value,
)
from openidv.vision.documents.measured import Measured
from openidv.vision.documents.ocr import VIZ_DET_LIMIT, OcrEngine, TextBox, crop_quad
from openidv.vision.documents.printed import PrintedLines, continues_right, stacked_rows
from openidv.vision.documents.timing import timed
from openidv.vision.documents.viz import VizField, extract_fields
from openidv.vision.mrz import MrzResult

__all__ = ["FINE_LOOK_FIELDS", "VizReader"]

Array = NDArray[np.uint8]

# A second, finer detection of the printed zone (longest side up to this) when the number,
# surname or date of birth was not found printed: small print (7-9 px on a 550 px scan)
# the economical detection merged with a neighbour or missed outright.
FINE_DET_LIMIT = 1000
# A line of the finer detection overlapping a line already read by at least this share
# (intersection over union of their boxes) is the same line: not read again.
SAME_LINE_IOU = 0.5
# The printed fields an APPROVE needs found agreeing with the MRZ (see checks/authenticity):
# when one is not, the printed zone gets a second, finer look (`FINE_DET_LIMIT`).
FINE_LOOK_FIELDS = ("document_number", "surname", "date_of_birth")
# Longest text lines the classifier looks at to tell an upside-down page without an MRZ.
ORIENTATION_LINES = 8
# A line read with less confidence than this may be two stacked lines merged by the
# detector (`printed.stacked_rows`): the last look reads them apart.
STACK_SPLIT_BELOW = 0.9
# A line read with a mean confidence below this has unsure characters worth their runner-ups
# (`_read_unsure`); one soft character among twenty leaves the mean near 0.98.
UNSURE_LINE_BELOW = 0.98


class VizReader:
    """The VIZ read of `DocumentReader`, with its OCR engine."""

    def __init__(self, ocr: OcrEngine) -> None:
        self._ocr = ocr

    def _orient_without_mrz(self, measured: Measured) -> list[NDArray[np.float32]]:
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

    def lines(self, measured: Measured, timings: dict[str, float]) -> PrintedLines:
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

    def read(
        self,
        measured: Measured,
        fields: Collection[str] | None,
        timings: dict[str, float],
        *,
        names_sure: bool = False,
    ) -> tuple[dict[str, VizField], list[TextBox]]:
        """The printed fields (by caption, then the MRZ's values found on any line, which
        take precedence) and the recognised lines. On a page with an MRZ, every line whose
        beginning may go on to one of its values is read whole: they may be printed
        anywhere. ``names_sure``: the MRZ's names were read from legible characters (the
        last look may then confirm them on unsure print too)."""
        lines = self.lines(measured, timings)
        mrz = measured.mrz
        may_hold = None
        if mrz is not None and mrz.format is not None:
            may_hold = functools.partial(may_hold_mrz_value, mrz)
        boxes = timed(
            timings, "viz_ocr", lambda: lines.boxes(self._ocr.recognise, fields, may_hold)
        )
        viz = extract_fields(
            boxes,
            fields,
            continues=functools.partial(
                continues_right, lines.image, recognise=self._ocr.recognise
            ),
        )
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
                missing = [name for name in missing if not (name in viz and viz[name].matches_mrz)]
            if missing:
                rest = self._read_rest(measured, lines, timings)
                viz.update(find_mrz_values(mrz, boxes + rest, missing))
                boxes = boxes + rest
                missing = [name for name in missing if not (name in viz and viz[name].matches_mrz)]
            # Names no check digit covers are confirmed by runner-ups only where the MRZ's
            # own read of them can stand: else two unsure reads would vouch for each other.
            missing = [name for name in missing if names_sure or name not in _NAMES]
            if missing:
                viz.update(self._read_unsure(measured, lines.image, boxes, missing, timings))
        return viz, boxes

    def _read_unsure(
        self,
        measured: Measured,
        region: Array,
        boxes: list[TextBox],
        missing: list[str],
        timings: dict[str, float],
    ) -> dict[str, VizField]:
        """The MRZ's values found among the other readings of the lines read unsurely:
        their unsure characters replaced by the recogniser's runner-ups (`alternatives`).
        A name, a number or a date the MRZ holds that such a line shows but for a few soft
        characters (17 read as S7 on a 272 px page) is found, with the least probability
        of the runner-ups it took as its confidence."""
        mrz = measured.mrz
        assert mrz is not None
        if measured.unsure is None:
            lines: dict[bytes, TextBox] = {}
            for box in boxes:
                if not box.cut and box.score < UNSURE_LINE_BELOW:
                    lines.setdefault(np.asarray(box.quad, np.float32).tobytes(), box)
            unsure = list(lines.values())
            crops = [crop_quad(region, box.quad) for box in unsure]
            reads = (
                timed(timings, "viz_unsure_ocr", lambda: self._ocr.recognise_chars(crops))
                if crops
                else []
            )
            measured.unsure = list(zip(unsure, reads, strict=True))
        allowed = _allowed(mrz, missing)
        found: dict[str, VizField] = {}
        for box, read in measured.unsure:
            variants = [
                TextBox(box.quad, text, min(box.score, prob))
                for text, prob in alternatives.readings(read, allowed)
            ]
            for name, field in find_mrz_values(mrz, variants, missing).items():
                if name not in found or field.confidence > found[name].confidence:
                    found[name] = field
        return found

    def _read_rest(
        self, measured: Measured, lines: PrintedLines, timings: dict[str, float]
    ) -> list[TextBox]:
        """The last look, when a value the checks need is still not found: every line the
        first pass read only in part read whole (a number printed at the end of a long
        line, after the document's title: "CARTE NATIONALE D'IDENTITE N: 940992310285"),
        and the lines read unsurely that hold two stacked lines of small print read one
        row at a time (`printed.stacked_rows`). Only the MRZ's values are taken from them,
        as on the other looks."""
        if measured.rest is None:
            whole = timed(
                timings, "viz_rest_ocr", lambda: lines.boxes(self._ocr.recognise, fields=None)
            )
            unsure = [box for box in whole if box.score < STACK_SPLIT_BELOW and not box.cut]
            halves: list[NDArray[np.float32]] = []
            for box in unsure:
                split = stacked_rows(crop_quad(lines.image, box.quad))
                if split is not None:
                    halves += _split_quad(box.quad, split)
            reads = (
                timed(
                    timings,
                    "viz_rest_ocr",
                    lambda: self._ocr.recognise([crop_quad(lines.image, q) for q in halves]),
                )
                if halves
                else []
            )
            measured.rest = whole + [
                TextBox(quad=quad, text=text, score=score)
                for quad, (text, score) in zip(halves, reads, strict=True)
                if text.strip()
            ]
        return measured.rest

    def _read_decoloured(
        self,
        measured: Measured,
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
        measured: Measured,
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


def _has_digit(text: str) -> bool:
    return any(char.isdigit() for char in text)


def _split_quad(quad: NDArray[np.float32], at: float) -> list[NDArray[np.float32]]:
    """The two quadrilaterals of a text line's box divided at ``at`` of its height."""
    q = np.asarray(quad, np.float32)
    left, right = q[0] + (q[3] - q[0]) * at, q[1] + (q[2] - q[1]) * at
    return [
        np.array([q[0], q[1], right, left], np.float32),
        np.array([left, right, q[2], q[3]], np.float32),
    ]


_NAMES = frozenset({"surname", "given_names"})
# Look-alikes with the same check-digit value (G/6, S/8): only the printed number can tell
# them apart in the MRZ's, so an unsure printed character is never taken for either.
_NEUTRAL = frozenset("G6S8")


def _allowed(mrz: MrzResult, fields: list[str]) -> frozenset[str]:
    """The characters a runner-up may be taken as for ``fields``: a date's digits, the
    letters of a name, a number's characters but the check-digit-neutral ones."""
    allowed: set[str] = set()
    for name in fields:
        value = (mrz.fields[name].value or "").upper()
        if name in ("date_of_birth", "expiry_date"):
            allowed |= set("0123456789")
        elif name == "document_number":
            allowed |= set(value) - _NEUTRAL
        else:
            allowed |= {char for char in value if char.isalpha()}
    return frozenset(allowed)
