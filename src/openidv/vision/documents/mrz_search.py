"""Finding and reading the MRZ on a flattened page, whichever way it lies.

The morphological line finder (`band`) first, upright and then turned (half a turn, and a
quarter either way in a portrait frame); then the page straightened by its own text lines
(`skew`: tilted past what the finder copes with, or small in a plain frame); last, a text
detection of the page, whose lines a card front's VIZ read reuses, and the detector on the
lower half when some line is as long as an MRZ line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import time

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
from openidv.vision.documents.geometry import extent, has_mrz_long_line, ink_crop, line_length
from openidv.vision.documents.locate import WORK_WIDTH
from openidv.vision.documents.mrz_text import (
    may_be_mrz_line,
    mrz_char_count,
    parse_ocr_lines,
    worth_rereading,
)
from openidv.vision.documents.ocr import VIZ_DET_LIMIT, OcrEngine, crop_quad
from openidv.vision.documents.recogniser import LineRead
from openidv.vision.documents.skew import rotate_page, text_angles
from openidv.vision.documents.timing import elapsed_ms, timed
from openidv.vision.mrz import MrzResult

__all__ = ["MrzRead", "MrzSearch", "rank"]

Array = NDArray[np.uint8]

# Text straighter than this needs no rotation before the MRZ search (band copes).
MIN_STRAIGHTEN_DEG = 2.0
# Stacks of MRZ-like lines the straightened search reads at most (lowest first): a capture
# that shows a page of text around the document has paragraphs that look like one.
MAX_STRAIGHT_STACKS = 3
# Text directions the straightened search tries (`skew.text_angles`), strongest first.
MAX_STRAIGHT_ANGLES = 2
# A read whose lines hold fewer MRZ characters than this is not an MRZ with a clipped glyph:
# not worth reading again with looser crops.
MIN_RETRY_CHARS = 20
FALLBACK_DET_LIMIT = 960
# MRZ lines centred above this share of the page height: the page is read turned first.
UPSIDE_DOWN_SHARE = 0.4
# Shortest detected line the fallback recognises, as a share of the page width: MRZ lines
# span 80-90 % of it (the morphological finder already requires 45 %).
FALLBACK_MIN_LINE_SHARE = 0.3
# The longest lines of the lower half read to tell whether the fallback may find an MRZ.
FALLBACK_PROBE_LINES = 3


def rank(result: MrzResult | None) -> tuple[int, int, int]:
    """Prefer valid MRZs, then any recognised layout, then fewer problems."""
    if result is None:
        return (-1, -1, -1000)
    return (int(result.valid), int(result.format is not None), -len(result.problems))


@dataclasses.dataclass
class MrzRead:
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


class MrzSearch:
    """The MRZ search of `DocumentReader` (``read``), with its OCR engine."""

    def __init__(self, ocr: OcrEngine) -> None:
        self._ocr = ocr

    def _read_lines(
        self, page: Array, lines: list[MrzLineBox], today: dt.date
    ) -> tuple[MrzResult, list[LineRead]]:
        best: tuple[MrzResult, list[LineRead]] | None = None
        # Second try with looser crops: a glyph clipped by a tight box is the usual failure.
        for pad_x, pad_y in ((0.8, 0.35), (1.4, 0.7)):
            crops = [line_crop(page, line, pad_x=pad_x, pad_y=pad_y) for line in lines]
            texts = self._ocr.recognise_chars(crops)
            result = parse_ocr_lines(texts, today=today)
            if best is None or rank(result) > rank(best[0]):
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
        quads = [q for q in quads if extent(q)[0] >= FALLBACK_MIN_LINE_SHARE * page.shape[1]]
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
            lines = timed(timings, "mrz_locate" + suffix, lambda: find_mrz_lines(page))
        if not lines:
            return None, [], lines
        result, texts = timed(
            timings, "mrz_ocr" + suffix, lambda: self._read_lines(page, lines, today)
        )
        return result, texts, lines

    @staticmethod
    def _on_top(page: Array, lines: list[MrzLineBox]) -> bool:
        if not lines:
            return False
        centre = statistics.mean(line.centre[1] for line in lines)
        return bool(centre < UPSIDE_DOWN_SHARE * page.shape[0])

    def read(self, page: Array, today: dt.date, timings: dict[str, float]) -> MrzRead:
        """The MRZ of the page, turning it when the upright read finds no MRZ layout, then
        straightening it by its text lines (`_read_straightened`) when no turn does either.

        When the whole page had to be searched with the text detector, its text lines come
        back too."""
        flat = page
        upright = timed(timings, "mrz_locate", lambda: find_mrz_lines(page))
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
                return MrzRead(trial, trial_texts, trial_lines, turned, 180)
        result, texts, lines = self._read_lines_of(page, today, timings, lines=upright)
        if result is not None and result.format is not None:
            return MrzRead(result, texts, lines, page, 0)
        # Upside down (or, for a portrait frame, sideways): the morphological line finder
        # is cheap and rotation-blind, so only the recognition is spent on each turn.
        turns = [2, 1, 3] if page.shape[0] > page.shape[1] else [2]
        best = MrzRead(result, texts, lines, page, 0)
        for quarter in turns:
            turned, zoom = np.ascontiguousarray(np.rot90(page, quarter)), 1.0
            if quarter % 2:
                # The frame was scaled to the working width by what is now its height: a
                # 146 px high crop of an MRZ, turned, would be read 7 times too large,
                # and a sideways page at another scale than upright.
                turned, zoom = _at_working_width(turned)
            trial, trial_texts, trial_lines = self._read_lines_of(
                turned, today, timings, suffix=f"_turn{quarter * 90}"
            )
            if trial is not None and rank(trial) > rank(best.result):
                best = MrzRead(trial, trial_texts, trial_lines, turned, quarter * 90, zoom=zoom)
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
        quads = timed(timings, "page_detect", lambda: self._ocr.detect(page, limit=VIZ_DET_LIMIT))
        best.page_quads = quads
        if not has_mrz_long_line(quads, page) or not self._may_hold_mrz(page, quads, timings):
            return best
        # The detector fallback: only when the lines were not found or their text has no
        # MRZ layout at all (a read that merely fails a check digit is usually an altered
        # document, and re-reading it the same way would not change that).
        fallback, fallback_texts = timed(
            timings, "mrz_fallback", lambda: self._read_by_detection(page, today)
        )
        if fallback_texts and (best.result is None or rank(fallback) > rank(best.result)):
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
            and extent(q)[0] >= FALLBACK_MIN_LINE_SHARE * width
        ]
        longest = sorted(lower, key=line_length, reverse=True)[:FALLBACK_PROBE_LINES]
        if not longest:
            return False
        crops = [crop_quad(page, quad) for quad in longest]
        reads = timed(timings, "mrz_probe", lambda: self._ocr.recognise_chars(crops))
        return any(may_be_mrz_line(read.text) for read in reads)

    def _read_straightened(
        self, page: Array, today: dt.date, timings: dict[str, float]
    ) -> MrzRead | None:
        """The MRZ of a page whose text lines are tilted (up to any angle: `skew.text_angles`
        measures their direction) or that lies small in a plain frame (cut out by its ink),
        read at the working width; None when there was nothing new to try.

        The strongest text direction first; when its stacks hold no MRZ, the next one (a
        small card's text can weigh less than the straight edges and grain across it)."""
        start = time.perf_counter()
        cropped = ink_crop(page)
        angles = text_angles(cropped, limit=MAX_STRAIGHT_ANGLES)
        timings["mrz_straighten"] = elapsed_ms(start)
        best: MrzRead | None = None
        for attempt, angle in enumerate(angles):
            if abs(angle) < MIN_STRAIGHTEN_DEG and cropped is page:
                continue  # the page as it is: the upright search has read it
            found = self._read_at_angle(
                cropped, angle, today, timings, "" if attempt == 0 else "_alt"
            )
            if found is not None and (best is None or rank(found.result) > rank(best.result)):
                best = found
            if best is not None and best.result is not None and best.result.format is not None:
                break
        return best

    def _read_at_angle(
        self, region: Array, angle: float, today: dt.date, timings: dict[str, float], key: str
    ) -> MrzRead | None:
        """The MRZ stacks of ``region`` turned by ``angle`` and read, the best read first
        found with an MRZ layout; None when no stack stands out."""
        start = time.perf_counter()
        if abs(angle) >= MIN_STRAIGHTEN_DEG:
            region = ink_crop(rotate_page(region, angle))
        region, zoom = _at_working_width(region)
        stacks = find_mrz_stacks(region, limit=MAX_STRAIGHT_STACKS)
        timings[f"mrz_straighten{key}"] = timings.get(f"mrz_straighten{key}", 0.0) + elapsed_ms(
            start
        )
        best: MrzRead | None = None
        turned = np.ascontiguousarray(np.rot90(region, 2))
        for index, stack in enumerate(stacks):
            # The text direction is known up to a half turn: the MRZ lies at the bottom.
            for half in [2, 0] if self._on_top(region, stack) else [0, 2]:
                lines = stack if half == 0 else [turned_half(line, region.shape) for line in stack]
                lines.sort(key=lambda line: line.centre[1])
                trial, trial_texts, trial_lines = self._read_lines_of(
                    region if half == 0 else turned, today, timings,
                    suffix=f"_straight{key}{index}_{half * 90}", lines=lines,
                )  # fmt: skip
                if trial is not None and (best is None or rank(trial) > rank(best.result)):
                    best = MrzRead(
                        trial, trial_texts, trial_lines, region if half == 0 else turned,
                        round(angle + half * 90) % 360, zoom=zoom,
                    )  # fmt: skip
                if trial is not None and trial.format is not None:
                    return best
        return best

    # -- whole page -----------------------------------------------------------


def _at_working_width(region: Array) -> tuple[Array, float]:
    """``region`` resized to `WORK_WIDTH` wide, and the zoom (its pixels per pixel of the
    flattened document)."""
    zoom = WORK_WIDTH / region.shape[1]
    height = max(1, round(region.shape[0] * zoom))
    interpolation = cv2.INTER_AREA if zoom < 1 else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(region, (WORK_WIDTH, height), interpolation=interpolation)), zoom
