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

Given the recogniser's per-character reads (`recogniser.LineRead`), `read_ocr_lines` keeps
each character's probability and runner-ups through the clean-up, so that `mrz_repair` can
repair from them (a character outside the MRZ alphabet inside a line, ``HA|RUDDIN``, becomes
its likeliest runner-up in it instead of vanishing and shifting the rest of the line), and
reports per line and per field how sure the recogniser was (`MrzLegibility`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from openidv.vision.documents.mrz_repair import (
    IMPLIED_BASIS,
    LOOK_ALIKES,
    CellRead,
    constrain_classes,
    repair_by_check_digits,
)
from openidv.vision.documents.recogniser import CharRead, LineRead
from openidv.vision.mrz import (
    FILLER,
    MrzRepair,
    MrzResult,
    clean_line,
    detect_layout,
    normalise_ocr_lines,
    parse_mrz,
)
from openidv.vision.mrz.layouts import Span
from openidv.vision.mrz.result import ProblemCode

__all__ = [
    "MrzLegibility",
    "letter_positions",
    "may_be_mrz_line",
    "mrz_char_count",
    "parse_ocr_lines",
    "read_ocr_lines",
    "worth_rereading",
]  # fmt: skip

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
        # A bare vertical stroke: the I of MRZ fonts drawn without serifs (a Malaysian
        # passport's HA|RUDDIN), which the recogniser reads as a bar. A digit's column
        # turns it into 1 as it does any I (`mrz_repair.constrain_classes`).
        "|": "I",
    }
)


MRZ_WIDTHS = (30, 36, 44)
# Extra characters at a line's ends that are cut away to find an MRZ layout, and how many
# such cuts of the lines are tried at most.
MAX_TRIM = 3
MAX_TRIM_VARIANTS = 64

# Fields whose least sure character `MrzLegibility.field_confidence` reports.
LEGIBILITY_FIELDS = (
    "document_code", "issuing_state", "surname", "given_names", "document_number",
    "nationality", "date_of_birth", "sex", "expiry_date", "optional_data", "optional_data_2",
)  # fmt: skip


@dataclass(frozen=True)
class MrzLegibility:
    """How sure the recogniser was of the MRZ it read.

    ``line_confidence``: mean character probability per MRZ line (top to bottom);
    ``field_confidence``: the lowest probability of a character in each field (names from
    their first to their last letter; a repaired character counts with the probability of
    the runner-up it was repaired to). Empty when the characters' probabilities are unknown.
    """

    line_confidence: tuple[float, ...] = ()
    field_confidence: dict[str, float] = dataclasses.field(default_factory=dict)


def letter_positions(lines: Sequence[str]) -> list[tuple[int, slice]]:
    """(line, columns) that the layout of these lines reserves for letters and '<'."""
    layout = detect_layout(lines)
    if layout is None:
        return []
    spans = [layout.document_code, layout.issuing_state, layout.name, layout.sex]
    spans += [s for s in (layout.nationality, layout.given_names) if s is not None]
    return [(span.line, slice(span.start, span.end)) for span in spans]


def _letters_only(lines: list[str]) -> list[str]:
    fixed = list(lines)
    layout = detect_layout(lines)
    codes = () if layout is None else (layout.issuing_state, layout.nationality)
    country_columns = {(s.line, s.start) for s in codes if s is not None}
    for row, columns in letter_positions(lines):
        line = fixed[row]
        part = line[columns].translate(_DIGIT_TO_LETTER)
        if (row, columns.start) in country_columns and any(c.isdigit() for c in part):
            continue  # a code printed with digits stays as printed (see `mrz_repair`)
        fixed[row] = line[: columns.start] + part + line[columns.stop :]
    return fixed


def worth_rereading(result: MrzResult) -> bool:
    """Whether a read of the MRZ lines may come out better from looser crops: no layout was
    read, or something a clipped glyph causes went wrong (a check digit, a character out of
    its class). Not when only country codes are unknown or names unsure: those come from
    the document (a national code such as BDR or SI<), and a second read costs a third of
    the MRZ's time for nothing."""
    if result.format is None:
        return True
    if result.valid:
        return False
    settled = (ProblemCode.COUNTRY_CODE, ProblemCode.AMBIGUOUS)
    return any(problem.code not in settled for problem in result.problems)


def _number_span(result: MrzResult) -> tuple[int, slice] | None:
    layout = detect_layout(result.lines) if result.format is not None else None
    if layout is None:
        return None
    span = layout.document_number
    return span.line, slice(span.start, span.end)


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
    texts: Sequence[str] | Sequence[LineRead],
    *,
    today: dt.date,
    number_hint: str | None = None,
) -> MrzResult:
    """Recognised line texts (top to bottom) to a parsed, conservatively repaired MRZ.

    ``number_hint`` is the document number read from the VIZ; only a number repair that
    agrees with it is made (see the module docstring).
    """
    return read_ocr_lines(texts, today=today, number_hint=number_hint)[0]


def read_ocr_lines(
    texts: Sequence[str] | Sequence[LineRead],
    *,
    today: dt.date,
    number_hint: str | None = None,
) -> tuple[MrzResult, MrzLegibility]:
    """As `parse_ocr_lines`, and how legible the MRZ was. With `LineRead`s the repairs also
    use the recogniser's runner-ups (`mrz_repair`)."""
    reads = [_as_read(text) for text in texts]
    cleaned = [_clean_cells(read) for read in reads]
    best = _read_cells(cleaned, today, number_hint)
    if best[0].format is None:
        # Marks drawn or printed beside a line (an arrow head, a stamp's edge) read as a few
        # extra characters at one end: the line cut to an MRZ width at either end.
        for variant in itertools.islice(_trimmed(cleaned), MAX_TRIM_VARIANTS):
            trial = _read_cells(variant, today, number_hint)
            if _rank(trial[0]) > _rank(best[0]):
                best = trial
    return best


def _rank(result: MrzResult) -> tuple[int, int, int]:
    return (int(result.valid), int(result.format is not None), -len(result.problems))


def _trimmed(cleaned: Sequence[Sequence[CellRead]]) -> Iterator[list[list[CellRead]]]:
    options: list[list[list[CellRead]]] = []
    for line in cleaned:
        cuts = [list(line)]
        for width in MRZ_WIDTHS:
            excess = len(line) - width
            if 0 < excess <= MAX_TRIM:
                cuts.extend(list(line[start : start + width]) for start in range(excess + 1))
        options.append(cuts)
    for variant in itertools.product(*options):
        if any(len(cut) != len(line) for cut, line in zip(variant, cleaned, strict=True)):
            yield list(variant)


def _read_cells(
    cleaned: Sequence[Sequence[CellRead]], today: dt.date, number_hint: str | None
) -> tuple[MrzResult, MrzLegibility]:
    lines = normalise_ocr_lines(["".join(cell.char for cell in line) for line in cleaned])
    grid = _align(lines, cleaned)
    repairs: list[MrzRepair] = []
    if grid is not None:
        lines, repairs = constrain_classes(lines, grid)
        lines, more = repair_by_check_digits(lines, grid)
        repairs.extend(more)
    result = parse_mrz(_letters_only(lines), today=today, repair=True)
    if repairs and result.format is not None:
        result = _with_repairs(result, repairs)
    result = _swap_number(result, today, number_hint)
    return result, _legibility(result, grid, repairs)


def mrz_char_count(text: str) -> int:
    """How many characters of a recognised text are MRZ characters once cleaned."""
    return len(clean_line(text.translate(_HOMOGLYPHS)))


# A recognised line this long in MRZ characters may be an MRZ line read in part (the
# shortest MRZ line has 30).
MIN_MRZ_LINE_CHARS = 20


def may_be_mrz_line(text: str) -> bool:
    """A recognised text line that can be (most of) an MRZ line: `MIN_MRZ_LINE_CHARS` MRZ
    characters once cleaned, in one run. An MRZ line has no spaces (fillers part its
    words); a printed line of that length (a heading, an address) has several."""
    return mrz_char_count(text) >= MIN_MRZ_LINE_CHARS and text.strip().count(" ") <= 1


def _as_read(text: str | LineRead) -> LineRead:
    if isinstance(text, LineRead):
        return text
    # Text alone: characters without probabilities, so no runner-ups to repair from.
    return LineRead(text, 0.0, tuple(CharRead(char, -1.0) for char in text))


def _clean_one(char: str) -> str:
    return clean_line(char.translate(_HOMOGLYPHS))


def _clean_cells(read: LineRead) -> list[CellRead]:
    """The line's characters as MRZ characters, each with its probability and runner-ups
    (as MRZ characters too)."""
    chars = read.chars if "".join(c.char for c in read.chars) == read.text else ()
    if not chars:
        return [CellRead(char) for char in clean_line(read.text.translate(_HOMOGLYPHS))]
    printed = [index for index, c in enumerate(chars) if c.char.strip()]
    inner = range(printed[0] + 1, printed[-1]) if printed else range(0)
    cells: list[CellRead] = []
    for index, char in enumerate(chars):
        known = char.confidence >= 0
        # Labels that clean to one MRZ character ('P', 'p' and a Greek rho) are one reading
        # of it: their probabilities add up.
        probs: dict[str, float] = {}
        for label, prob in ((char.char, char.confidence), *char.alternatives):
            mapped = _clean_one(label)
            if len(mapped) == 1 and prob > 0:
                probs[mapped] = min(1.0, probs.get(mapped, 0.0) + prob)
        text = _clean_one(char.char)
        if not text and index in inner and probs:
            # A glyph the MRZ alphabet lacks inside the line ('|' for I): its likeliest
            # runner-up in the alphabet, rather than dropping it and shifting the line.
            best = max(probs, key=probs.__getitem__)
            if probs[best] >= 0.1:
                text = best
        for out in text:
            others = tuple(
                sorted(((a, p) for a, p in probs.items() if a != out), key=lambda x: -x[1])
            )
            own = round(probs.get(out, char.confidence), 4) if known else None
            cells.append(CellRead(out, own, others))
    return cells


def _align(
    lines: Sequence[str], cleaned: Sequence[Sequence[CellRead]]
) -> list[list[CellRead]] | None:
    """The cells of each picked MRZ line (`normalise_ocr_lines` picks consecutive cleaned
    lines, trims or pads their trailing fillers, or splits one run-together line)."""
    texts = ["".join(cell.char for cell in line) for line in cleaned]
    grid: list[list[CellRead]] = []
    start = 0
    for line in lines:
        width = len(line)
        for index in range(start, len(texts)):
            cells = _fitted(line, texts[index], cleaned[index])
            if cells is not None:
                grid.append(cells)
                start = index + 1
                break
            if len(texts[index]) % width == 0 and line in _chunks(texts[index], width):
                offset = _chunks(texts[index], width).index(line) * width
                grid.append(list(cleaned[index][offset : offset + width]))
                # Further lines come from the same run-together text.
                start = index
                break
        else:
            return None
    return grid if len(grid) == len(lines) else None


def _chunks(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def _fitted(line: str, text: str, cells: Sequence[CellRead]) -> list[CellRead] | None:
    if text == line:
        return list(cells)
    if len(text) > len(line) and text.startswith(line):
        return list(cells[: len(line)])
    if len(text) < len(line) and line.startswith(text) and not line[len(text) :].strip(FILLER):
        return [*cells, *(CellRead(FILLER) for _ in range(len(line) - len(text)))]
    return None


def _with_repairs(result: MrzResult, repairs: Sequence[MrzRepair]) -> MrzResult:
    changes: dict[str, object] = {"repairs": (*repairs, *result.repairs)}
    for repair in repairs:
        if repair.field in result.fields:
            changes[repair.field] = dataclasses.replace(
                getattr(result, repair.field), repaired=True
            )
    return dataclasses.replace(result, **changes)  # type: ignore[arg-type]


def _legibility(
    result: MrzResult, grid: Sequence[Sequence[CellRead]] | None, repairs: Sequence[MrzRepair]
) -> MrzLegibility:
    if grid is None or result.format is None or len(grid) != len(result.lines):
        return MrzLegibility()
    probs: list[list[float | None]] = [[cell.confidence for cell in row] for row in grid]
    if all(p is None for row in probs for p in row):
        return MrzLegibility()  # text without the recogniser's probabilities
    for repair in repairs:
        cell = grid[repair.line - 1][repair.position - 1]
        prob = dict(cell.alternatives).get(repair.replacement, 0.0)
        if repair.basis == IMPLIED_BASIS:
            prob = 1.0  # not read but proven: the layout's check digits allow only it
        elif LOOK_ALIKES.get(repair.original) == repair.replacement and cell.confidence:
            # O for 0 and the like: one glyph shape, read surely; only its class was wrong.
            prob = max(prob, cell.confidence)
        probs[repair.line - 1][repair.position - 1] = prob
    lines = tuple(
        round(statistics.fmean(known), 4) if (known := [p for p in row if p is not None]) else 0.0
        for row in probs
    )
    fields: dict[str, float] = {}
    for name, cells in _field_cells(result).items():
        if name not in LEGIBILITY_FIELDS:
            continue
        known = [p for r, c in cells if (p := probs[r][c]) is not None]
        if known:
            fields[name] = round(min(known), 4)
    layout = detect_layout(result.lines)
    if layout is not None and any(cell.confidence is None for cell in grid[layout.name.line]):
        # The names' line was read short and completed with fillers: a letter may have
        # been lost anywhere in it (a rotated crop's JEAN read JEA<), and no check digit
        # covers names. (Over the real corpus, upright and turned 12° or in perspective, no
        # names line read right was completed so; each of the 3 so completed was wrong.)
        for name in ("surname", "given_names"):
            if name in fields:
                fields[name] = 0.0
    return MrzLegibility(lines, fields)


def _field_cells(result: MrzResult) -> dict[str, list[tuple[int, int]]]:
    """Positions of the fields `MrzLegibility` reports (names: first to last letter)."""
    layout = detect_layout(result.lines)
    if layout is None:
        return {}
    spans = {
        "document_code": layout.document_code, "issuing_state": layout.issuing_state,
        "document_number": layout.document_number, "date_of_birth": layout.birth,
        "sex": layout.sex,
    }  # fmt: skip
    for field, optional_span in (
        ("nationality", layout.nationality),
        ("expiry_date", layout.expiry),
    ):
        if optional_span is not None:
            spans[field] = optional_span
    for field, span in (("optional_data", layout.optional), ("optional_data_2", layout.optional_2)):
        # Only where something is written: an unused zone is all fillers.
        if span is not None and span.read(result.lines).strip(FILLER):
            spans[field] = span
    cells = {name: list(span.cells()) for name, span in spans.items()}
    name = layout.name
    raw = result.lines[name.line][name.start : name.end]
    # (field, span, first, end) of each name part; ICAO's one field splits at '<<'.
    parts: list[tuple[str, Span, int, int]] = []
    if layout.given_names is not None:
        given = layout.given_names
        parts = [("surname", name, 0, len(raw)), ("given_names", given, 0, given.end - given.start)]
    else:
        split = raw.find(FILLER * 2)
        parts.append(("surname", name, 0, split if split >= 0 else len(raw)))
        if split >= 0:
            parts.append(("given_names", name, split + 2, len(raw)))
    for field, span, begin, end in parts:
        text = span.read(result.lines)
        letters = [i for i in range(begin, end) if text[i] != FILLER]
        if letters:
            cells[field] = [(span.line, span.start + i) for i in range(letters[0], letters[-1] + 1)]
    return cells
