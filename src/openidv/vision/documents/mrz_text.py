"""From recognised MRZ line texts to a validated `MrzResult` (via `openidv.vision.mrz`).

`vision.mrz.read_mrz` already normalises OCR output and turns letters back into digits where
ICAO allows only digits, keeping a change only when a check digit confirms it. Two more
OCR confusions matter for PP-OCRv6 on OCR-B and are handled here, before/after parsing:

* digits read where ICAO allows only letters (``UT0`` for ``UTO``, ``J0HN``): country codes,
  names, the document code and sex can never hold a digit, so the look-alike letter is
  certain. No check digit covers names, so this is the only repair they can get.
* ``0``/``O``-style swaps inside the document number, which may legally mix letters and
  digits. Check digits alone cannot arbitrate: mod-10 sums let a swap plus one unrelated
  misread cancel out (``L898902C3`` read as ``L898902CE`` "repairs" to ``LB98902CE`` with
  every check digit holding). So swaps are made only to turn the MRZ number into the number
  read independently from the VIZ, and kept only if the number's check digit then holds.
  Without a VIZ reading the number stays invalid.
* Greek and Cyrillic capitals that look like Latin ones (the recogniser is multilingual and
  sometimes returns GREEK CAPITAL LETTER RHO, U+03A1, for ``P``). NFKC does not fold these.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from openidv.vision.mrz import MrzRepair, MrzResult, normalise_ocr_lines, parse_mrz

__all__ = ["letter_positions", "parse_ocr_lines"]

_DIGIT_TO_LETTER = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"})
_SWAPS = {
    "0": "O",
    "O": "0",
    "1": "I",
    "I": "1",
    "5": "S",
    "S": "5",
    "8": "B",
    "B": "8",
    "2": "Z",
    "Z": "2",
}
# Greek and Cyrillic capitals drawn like Latin ones (written as escapes: they are
# indistinguishable on screen). Greek: A B E Z H I K M N O P T Y X; Cyrillic: A B E K M H O
# P C T Y X.
_GREEK = "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7"
_CYRILLIC = "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425"
_HOMOGLYPHS = str.maketrans(
    {
        **dict(zip(_GREEK, "ABEZHIKMNOPTYX", strict=True)),
        **dict(zip(_CYRILLIC, "ABEKMHOPCTYX", strict=True)),
    }
)


def letter_positions(shape: tuple[int, ...]) -> list[tuple[int, slice]]:
    """(line, columns) that ICAO reserves for letters and '<' in an MRZ of this shape."""
    if shape == (30, 30, 30):  # TD1
        return [(0, slice(0, 5)), (1, slice(7, 8)), (1, slice(15, 18)), (2, slice(0, 30))]
    if shape in ((36, 36), (44, 44)):  # TD2, TD3, MRV-A/B
        return [(0, slice(0, shape[0])), (1, slice(10, 13)), (1, slice(20, 21))]
    return []


def _letters_only(lines: list[str]) -> list[str]:
    fixed = list(lines)
    for row, columns in letter_positions(tuple(len(line) for line in lines)):
        line = fixed[row]
        part = line[columns].translate(_DIGIT_TO_LETTER)
        fixed[row] = line[: columns.start] + part + line[columns.stop :]
    return fixed


def _number_span(result: MrzResult) -> tuple[int, slice] | None:
    if result.format is None:
        return None
    if len(result.lines) == 3:
        return 0, slice(5, 14)
    return 1, slice(0, 9)


def _swap_number(result: MrzResult, today: dt.date, hint: str | None) -> MrzResult:
    """Turn the MRZ document number into the VIZ one by look-alike swaps, if that is
    possible and the number's check digit then holds."""
    span = _number_span(result)
    if span is None or hint is None or result.document_number.valid is True:
        return result
    row, columns = span
    read = result.lines[row][columns]
    if len(hint) > len(read) or result.lines[row][columns.stop] == "<":
        return result  # long (continued) numbers are left alone
    target = hint + "<" * (len(read) - len(hint))
    chars = list(result.lines[row])
    repairs: list[MrzRepair] = []
    for offset, (have, want) in enumerate(zip(read, target, strict=True)):
        if have == want:
            continue
        if _SWAPS.get(have) != want:
            return result  # not a look-alike confusion: the two reads really disagree
        position = columns.start + offset
        chars[position] = want
        repairs.append(MrzRepair("document_number", row + 1, position + 1, have, want))
    if not repairs:
        return result
    lines = list(result.lines)
    lines[row] = "".join(chars)
    trial = parse_mrz(lines, today=today, repair=True)
    # The composite is not required to hold: it also covers the dates, and an altered
    # date must stay reported as such rather than block reading the number.
    if trial.document_number.valid is not True:
        return result
    return dataclasses.replace(
        trial,
        document_number=dataclasses.replace(trial.document_number, repaired=True),
        repairs=(*trial.repairs, *repairs),
    )


def parse_ocr_lines(
    texts: Sequence[str], *, today: dt.date, number_hint: str | None = None
) -> MrzResult:
    """Recognised line texts (top to bottom) to a parsed, conservatively repaired MRZ.

    ``number_hint`` is the document number read from the VIZ; only a number repair that
    agrees with it is made (see the module docstring).
    """
    lines = normalise_ocr_lines([text.translate(_HOMOGLYPHS) for text in texts])
    result = parse_mrz(_letters_only(lines), today=today, repair=True)
    return _swap_number(result, today, number_hint)
