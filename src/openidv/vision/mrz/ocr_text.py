"""OCR text to MRZ lines: filler look-alikes, compatibility forms, and the lines that form an
MRZ (standard library only)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator

from openidv.vision.mrz.check_digits import ALPHABET, FILLER
from openidv.vision.mrz.parse import parse_mrz
from openidv.vision.mrz.result import MrzResult

__all__ = ["clean_line", "normalise_ocr_lines", "read_mrz"]

# Glyphs OCR engines return for the filler. NFKC already folds the full-width and small
# forms; these have no compatibility mapping to '<'. Double chevrons are what OCR makes
# of two fillers printed close together, so they count as two.
_FILLER_LOOKALIKES = {
    "\u304f": FILLER,  # HIRAGANA LETTER KU
    "\u2039": FILLER,  # SINGLE LEFT-POINTING ANGLE QUOTATION MARK
    "\u3008": FILLER,  # LEFT ANGLE BRACKET (CJK)
    "\u2329": FILLER,  # LEFT-POINTING ANGLE BRACKET
    "\u27e8": FILLER,  # MATHEMATICAL LEFT ANGLE BRACKET
    "\u02c2": FILLER,  # MODIFIER LETTER LEFT ARROWHEAD
    "\u1438": FILLER,  # CANADIAN SYLLABICS PA
    "\u00ab": FILLER * 2,  # LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
    "\u226a": FILLER * 2,  # MUCH LESS-THAN
    "\u300a": FILLER * 2,  # LEFT DOUBLE ANGLE BRACKET
}
_FILLER_TABLE = str.maketrans(_FILLER_LOOKALIKES)
_OCR_SHAPES = ((44, 2), (36, 2), (30, 3))
# Padding a short line with fillers is only trusted for a few missing characters:
# OCR miscounts long filler runs, it does not lose a third of a line.
_MAX_PADDING = 6


def clean_line(line: str) -> str:
    text = unicodedata.normalize("NFKC", line.translate(_FILLER_TABLE)).upper()
    return "".join(char for char in text if char in ALPHABET)


def _fit(line: str, width: int) -> str | None:
    """The line at ``width``, by trimming or padding trailing fillers only."""
    if len(line) == width:
        return line
    if len(line) > width:
        return line[:width] if not line[width:].strip(FILLER) else None
    if line.endswith(FILLER) and width - len(line) <= _MAX_PADDING:
        return line + FILLER * (width - len(line))
    return None


def _windows(cleaned: list[str], width: int, count: int) -> Iterator[tuple[int, list[str]]]:
    """(index, lines) candidates: runs of consecutive lines, and lines OCR ran together."""
    for start in range(len(cleaned) - count + 1):
        yield start, cleaned[start : start + count]
    for index, line in enumerate(cleaned):
        if len(line) == width * count:
            yield index, [line[row * width : (row + 1) * width] for row in range(count)]


def _pick_mrz(cleaned: list[str]) -> list[str] | None:
    best: tuple[tuple[int, int], list[str]] | None = None
    for width, count in _OCR_SHAPES:
        for index, window in _windows(cleaned, width, count):
            fitted = [_fit(line, width) for line in window]
            if any(line is None for line in fitted):
                continue
            misfits = sum(len(line) != width for line in window)
            # Prefer the fewest lines needing a filler fix; then the lowest candidate on
            # the page, as the MRZ ends it.
            key = (-misfits, index)
            if best is None or key > best[0]:
                best = key, [line for line in fitted if line is not None]
    return best[1] if best is not None else None


def normalise_ocr_lines(text_or_lines: str | Iterable[str]) -> list[str]:
    """Clean OCR output into MRZ lines.

    Folds full-width and other compatibility forms (NFKC), maps filler look-alikes
    (hiragana ku, angle quotes and brackets) to ``<``, uppercases, and keeps only
    A-Z, 0-9 and ``<`` (so spaces inside lines go). Then picks the lines that form an
    MRZ (consecutive lines of 30, 36 or 44, or one line holding a whole MRZ run
    together), trimming or padding trailing fillers where OCR miscounted them. When no
    MRZ shape can be found the cleaned non-empty lines are returned as they are, so the
    parser can say what is wrong with them.
    """
    if isinstance(text_or_lines, str):
        raw_lines = text_or_lines.splitlines()
    else:
        raw_lines = [part for chunk in text_or_lines for part in chunk.splitlines()]
    cleaned = [line for line in map(clean_line, raw_lines) if line]
    picked = _pick_mrz(cleaned)
    return picked if picked is not None else cleaned


def read_mrz(
    text_or_lines: str | Iterable[str], *, today: dt.date | None = None, repair: bool = True
) -> MrzResult:
    """OCR text to a parsed MRZ: `normalise_ocr_lines`, then `parse_mrz` with repair."""
    return parse_mrz(normalise_ocr_lines(text_or_lines), today=today, repair=repair)
