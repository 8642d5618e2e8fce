"""Repair of misread MRZ characters from the recogniser's runner-up readings, vouched for by
the check digits.

The recogniser scores every class at every position of a line (`recogniser.CharRead`): where
it misreads an OCR-B glyph (``B`` as ``8``, ``R`` as ``8`` on a 6 px line, ``I`` as ``|``),
the printed character is nearly always among its runner-ups. Two mechanisms use that:

* **Character class.** ICAO fixes what each position may hold (digits in dates and check
  digits, letters in country codes, names and the document code). A character outside its
  position's class is replaced by the likeliest runner-up inside it (``688`` in a country code
  becomes ``GBR`` when the model's runner-ups were G, B and R), falling back to the fixed
  look-alike tables only when the model offered nothing.
* **Check digits.** When a field's check digit fails, substitutions by runner-ups (at most two)
  are tried at every position the check digit covers, the check digit included; a repair is
  kept only when exactly one of the fewest-change candidates makes the check digit hold, and
  (dates) the date is a calendar date. The composite check digit must then hold as well: it
  weighs the dates differently from their own check digits, so it is a second, independent
  test of a date repair and picks among candidates. It is *not* independent for the document
  number (which starts the composite, under the same weights as its own check digit, so any
  change that satisfies one satisfies both): a number is repaired only from a single strong
  runner-up, and the reader still asks the printed number about it (`crosscheck.number_in_doubt`).
* **Country codes** have no check digit: a code ICAO does not know is replaced only when
  exactly one runner-up combination gives one it does.

Names and the document code are covered by nothing: they get the class repair only, and their
characters' probabilities are reported so that the caller can refuse a name read unsurely
(`mrz_text.MrzLegibility`). Every change is recorded as an `MrzRepair` with its basis.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from openidv.vision.country_codes import is_icao_country_code
from openidv.vision.mrz import FILLER, MrzRepair, compute_check_digit
from openidv.vision.mrz.layouts import Layout, Span, detect_layout

__all__ = [
    "IMPLIED_BASIS",
    "LOOK_ALIKES",
    "CellRead",
    "constrain_classes",
    "repair_by_check_digits",
]

Cell = tuple[int, int]  # (line, column), 0-based

DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
ALPHANUMERIC = DIGITS | LETTERS | {FILLER}
# Look-alikes for when the recogniser offered no runner-up of the right class.
LETTER_TO_DIGIT = {
    "O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "7", "Z": "2", "S": "5",
    "G": "6", "B": "8", "A": "4",
}  # fmt: skip
DIGIT_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
# Pairs drawn alike in OCR-B (the recogniser reads the shape surely, only not its class).
LOOK_ALIKES = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8"}
# A runner-up weaker than this is not tried by the check-digit search (a repair it would make
# is as likely a coincidence of the mod-10 sum as a correction).
MIN_REPAIR_PROB = 0.05
# The document number: its check digit is its only test, so only a strong runner-up counts.
MIN_NUMBER_REPAIR_PROB = 0.1
MAX_CHANGES = 2
MIN_FILLER_RUN = 4  # a run of one letter this long in a name is misread fillers
IMPLIED_BASIS = "is the only code of a layout whose check digits hold"
MAX_TRIALS = 4000


@dataclass(frozen=True)
class CellRead:
    """What the recogniser read at one MRZ position: the character, its probability (None
    for a filler added to complete a short line) and its runner-ups with theirs."""

    char: str
    confidence: float | None = None
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class _Group:
    """Positions one check digit covers."""

    field: str
    data: tuple[Span, ...]
    check: Span
    date: bool = False


def _cells(spans: Sequence[Span]) -> list[Cell]:
    return [cell for span in spans for cell in span.cells()]


def _classes(layout: Layout) -> dict[Cell, tuple[str, frozenset[str]]]:
    """(field, allowed characters) of every position of the layout."""
    table: dict[Cell, tuple[str, frozenset[str]]] = {}

    def put(span: Span | None, field: str, allowed: frozenset[str]) -> None:
        if span is not None:
            for cell in span.cells():
                table[cell] = (field, allowed)

    letters_or_filler = LETTERS | {FILLER}
    put(layout.name, "name", letters_or_filler)
    put(layout.given_names, "given_names", letters_or_filler)
    put(layout.document_code, "document_code", letters_or_filler)
    put(layout.issuing_state, "issuing_state", letters_or_filler)
    put(layout.nationality, "nationality", letters_or_filler)
    put(layout.sex, "sex", frozenset("MFX<"))
    put(layout.document_number, "document_number", ALPHANUMERIC)
    put(layout.optional, "optional_data", ALPHANUMERIC)
    put(layout.optional_2, "optional_data_2", ALPHANUMERIC)
    for span, field in (
        (layout.birth, "date_of_birth"),
        (layout.birth_check, "date_of_birth"),
        (layout.expiry, "expiry_date"),
        (layout.expiry_check, "expiry_date"),
        (layout.optional_check, "optional_data"),
        (layout.composite_check, "composite"),
    ):
        put(span, field, DIGITS)
    # A long TD1/TD2 number carries '<' in its check-digit position.
    put(layout.document_number_check, "document_number", DIGITS | {FILLER})
    return table


def _groups(layout: Layout) -> list[_Group]:
    groups = [
        _Group("document_number", (layout.document_number,), layout.document_number_check),
        _Group("date_of_birth", (layout.birth,), layout.birth_check, date=True),
    ]
    if layout.expiry is not None and layout.expiry_check is not None:
        groups.append(_Group("expiry_date", (layout.expiry,), layout.expiry_check, date=True))
    if layout.optional_check is not None:
        groups.append(_Group("optional_data", (layout.optional,), layout.optional_check))
    return groups


def _holds(grid: Sequence[Sequence[str]], data: Sequence[Span], check: Span) -> bool:
    text = _text(grid, data)
    digit = grid[check.line][check.start]
    if digit not in DIGITS or any(char not in ALPHANUMERIC for char in text):
        return False
    return compute_check_digit(text) == int(digit)


def _date_ok(raw: str) -> bool:
    if any(char not in DIGITS for char in raw):
        return FILLER in raw and all(char in DIGITS or char == FILLER for char in raw)
    try:
        dt.date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:6]))
    except ValueError:
        return False
    return True


def _runner_ups(read: CellRead, allowed: frozenset[str], floor: float) -> list[tuple[str, float]]:
    return [(char, p) for char, p in read.alternatives if char in allowed and p >= floor]


def constrain_classes(
    lines: Sequence[str], grid: Sequence[Sequence[CellRead]]
) -> tuple[list[str], list[MrzRepair]]:
    """Replace every character of a letters-only position that is not a letter (or '<') by
    the likeliest letter the recogniser offered there, else by its look-alike letter.

    Digit positions are left to `repair_by_check_digits`, which can test its changes."""
    layout = detect_layout(lines)
    if layout is None:
        return list(lines), []
    rows = [list(line) for line in lines]
    repairs: list[MrzRepair] = []
    classes = _classes(layout)
    # The layout's document code letter (P for TD3, V for visas, A/C/I for cards) is known
    # from the line lengths (and a leading V): the code gets the runner-up that fits it.
    classes[(0, 0)] = ("document_code", layout.document_codes)
    for (row, column), (kind, allowed) in classes.items():
        have = rows[row][column]
        if have in allowed or allowed >= DIGITS:
            continue
        offered = _runner_ups(grid[row][column], allowed, 0.0)
        want = offered[0][0] if offered else DIGIT_TO_LETTER.get(have)
        if want is None or want not in allowed:
            continue
        rows[row][column] = want
        field = kind
        if kind == "name" and layout.given_names is not None:
            field = "surname"  # the given names have a field of their own
        elif kind == "name":
            name = layout.name
            split = "".join(rows[name.line][name.start : name.end]).find(FILLER * 2)
            field = "given_names" if 0 <= split < column - name.start else "surname"
        repairs.append(
            MrzRepair(field, row + 1, column + 1, have, want, basis="allows only letters there")
        )
    repairs = _whole_codes_only(rows, lines, layout, repairs)
    name = layout.name
    repairs.extend(_filler_runs(rows, grid, name))
    if layout.given_names is not None:
        repairs.extend(_filler_runs(rows, grid, layout.given_names, "given_names"))
        return ["".join(row) for row in rows], repairs
    raw = "".join(rows[name.line][name.start : name.end])
    if raw[-1] != FILLER and raw[:-1].endswith(FILLER * 3) and raw.strip(FILLER) != raw[-1]:
        # One character after a run of closing fillers at the line's end: no name resumes
        # there ('<<' comes once, between surname and given names), it is a mark beside
        # the line (an arrow head, a stamp's edge) read as a letter.
        column = name.end - 1
        repairs.append(
            MrzRepair(
                "given_names" if FILLER * 2 in raw[:-1].rstrip(FILLER) else "surname",
                name.line + 1, column + 1, raw[-1], FILLER,
                basis="cannot resume after its closing fillers",
            )
        )  # fmt: skip
        rows[name.line][column] = FILLER
    return ["".join(row) for row in rows], repairs


def _whole_codes_only(
    rows: list[list[str]], lines: Sequence[str], layout: Layout, repairs: list[MrzRepair]
) -> list[MrzRepair]:
    """Undo the letter repairs of a country code that still holds a digit: a code printed
    with digits (Romania's nationality '132' on old cards) is what the document says, and
    half of it turned into letters ('I3Z') is neither that nor a code."""
    kept = list(repairs)
    for span in (layout.issuing_state, layout.nationality):
        if span is None or all(rows[span.line][c] not in DIGITS for _, c in span.cells()):
            continue
        for row, column in span.cells():
            rows[row][column] = lines[row][column]
        cells = {(row + 1, column + 1) for row, column in span.cells()}
        kept = [r for r in kept if (r.line, r.position) not in cells]
    return kept


def _filler_runs(
    rows: list[list[str]], grid: Sequence[Sequence[CellRead]], name: Span, own: str | None = None
) -> list[MrzRepair]:
    """Runs of one letter in the name field that the recogniser also took for fillers: at 5-6
    px a run of chevrons reads as CCCC or EEEE, which no name holds."""
    repairs: list[MrzRepair] = []
    row = rows[name.line]
    column = name.start
    while column < name.end:
        end = column
        while end < name.end and row[end] == row[column]:
            end += 1
        run = range(column, end)
        if row[column] != FILLER and len(run) >= MIN_FILLER_RUN:
            cells = [grid[name.line][c] for c in run]
            if all(FILLER in dict(cell.alternatives) for cell in cells):
                split = "".join(row[name.start : column]).find(FILLER * 2)
                field = own or ("given_names" if split >= 0 else "surname")
                for c in run:
                    repairs.append(
                        MrzRepair(field, name.line + 1, c + 1, row[c], FILLER,
                                  basis="holds no run of one letter; the model saw fillers")
                    )  # fmt: skip
                    row[c] = FILLER
        column = end
    return repairs


def _options(
    rows: Sequence[Sequence[str]],
    grid: Sequence[Sequence[CellRead]],
    group: _Group,
    classes: dict[Cell, tuple[str, frozenset[str]]],
) -> list[dict[Cell, str]]:
    """The fewest-change substitution sets that make the group's check digit hold."""
    cells = [*_cells(group.data), (group.check.line, group.check.start)]
    floor = MIN_NUMBER_REPAIR_PROB if group.field == "document_number" else MIN_REPAIR_PROB
    forced: list[tuple[Cell, list[str]]] = []
    optional: list[tuple[Cell, str]] = []
    for cell in cells:
        row, column = cell
        allowed = classes[cell][1]
        have = rows[row][column]
        offered = [char for char, _ in _runner_ups(grid[row][column], allowed, floor)]
        if have not in allowed:
            # Must change: the model's in-class runner-ups, else the look-alike digit.
            fallback = LETTER_TO_DIGIT.get(have)
            choices = offered or ([fallback] if fallback in allowed else [])
            if not choices:
                return []
            forced.append((cell, choices))
        else:
            optional.extend((cell, char) for char in offered)
    found: list[dict[Cell, str]] = []
    trials = 0
    for count in range(MAX_CHANGES + 1):
        for extra in itertools.combinations(optional, count):
            if len({cell for cell, _ in extra}) < count:
                continue  # two runner-ups of one position
            for picks in itertools.product(*(choices for _, choices in forced)):
                trials += 1
                if trials > MAX_TRIALS:
                    return []
                change = {cell: char for (cell, _), char in zip(forced, picks, strict=True)}
                change.update(extra)
                trial = _apply(rows, change)
                if not _holds(trial, group.data, group.check):
                    continue
                if group.date and not _date_ok(_text(trial, group.data)):
                    continue
                found.append(change)
        if found:
            return found
    return []


def _text(rows: Sequence[Sequence[str]], spans: Sequence[Span]) -> str:
    return "".join("".join(rows[s.line][s.start : s.end]) for s in spans)


def _fields_hold(rows: Sequence[Sequence[str]], layout: Layout) -> bool:
    """Every field's own check digit holds (a long number's lies in the optional data,
    which the composite covers)."""
    for group in _groups(layout):
        long_number = rows[group.check.line][group.check.start] == FILLER
        if group.field == "document_number" and layout.long_number and long_number:
            continue
        if not _holds(rows, group.data, group.check):
            return False
    return True


def _apply(rows: Sequence[Sequence[str]], change: dict[Cell, str]) -> list[list[str]]:
    trial = [list(row) for row in rows]
    for (row, column), char in change.items():
        trial[row][column] = char
    return trial


def _composite_holds(rows: Sequence[Sequence[str]], layout: Layout) -> bool | None:
    if layout.composite_check is None:
        return None
    return _holds(rows, layout.composite, layout.composite_check)


def _combinations(
    per_group: list[list[dict[Cell, str]]],
) -> Iterator[dict[Cell, str]]:
    for picks in itertools.product(*per_group):
        merged: dict[Cell, str] = {}
        for pick in picks:
            merged.update(pick)
        yield merged


def repair_by_check_digits(
    lines: Sequence[str], grid: Sequence[Sequence[CellRead]]
) -> tuple[list[str], list[MrzRepair]]:
    """Lines with failing check digits repaired from the recogniser's runner-ups where the
    check digits (and the composite) single out one repair; see the module docstring."""
    layout = detect_layout(lines)
    if layout is None:
        return list(lines), []
    classes = _classes(layout)
    rows = [list(line) for line in lines]
    per_group: list[list[dict[Cell, str]]] = []
    fields: dict[Cell, str] = {}
    for group in _groups(layout):
        check_char = rows[group.check.line][group.check.start]
        if group.field == "document_number" and layout.long_number and check_char == FILLER:
            continue  # a long number's check digit sits in the optional data
        if _holds(rows, group.data, group.check):
            continue
        options = _options(rows, grid, group, classes)
        # The number's check digit is its only test (see the module docstring): one
        # candidate or none. A date may have several, which the composite then sorts out.
        if not options or (group.field == "document_number" and len(options) > 1):
            continue
        if layout.composite_check is None and len(options) > 1:
            continue
        per_group.append(options)
        for option in options:
            fields.update(dict.fromkeys(option, group.field))
    chosen: dict[Cell, str] | None = None
    if per_group:
        if layout.composite_check is None:
            chosen = next(_combinations(per_group))
        else:
            passing = [
                change
                for change in itertools.islice(_combinations(per_group), MAX_TRIALS)
                if _composite_holds(_apply(rows, change), layout)
            ]
            chosen = passing[0] if len(passing) == 1 else None
    if chosen is None and layout.composite_check is not None:
        chosen = _composite_digit(rows, grid, layout)
        if chosen:
            fields.update(dict.fromkeys(chosen, "composite"))
    repairs: list[MrzRepair] = [
        MrzRepair(fields[cell], cell[0] + 1, cell[1] + 1, rows[cell[0]][cell[1]], char)
        for cell, char in sorted((chosen or {}).items())
    ]
    trial = _apply(rows, chosen or {})
    trial, country_repairs = _repair_countries(trial, grid, layout)
    repairs.extend(country_repairs)
    code = _implied_code(trial, layout)
    if code is not None:
        repairs.append(code)
        trial[0][0] = code.replacement
    return ["".join(row) for row in trial], repairs


def _implied_code(rows: Sequence[Sequence[str]], layout: Layout) -> MrzRepair | None:
    """The document code's letter where the layout allows only one and its check digits
    prove the layout: two lines of 44 whose composite holds are a passport (visas have no
    composite), whose code starts with P, whatever covered it (a stamp, a drawn dot)."""
    allowed = layout.document_codes
    have = rows[0][0]
    if len(allowed) != 1 or have in allowed or layout.composite_check is None:
        return None
    if not _composite_holds(rows, layout) or not _fields_hold(rows, layout):
        return None
    (want,) = allowed
    return MrzRepair("document_code", 1, 1, have, want, basis=IMPLIED_BASIS)


def _composite_digit(
    rows: Sequence[Sequence[str]], grid: Sequence[Sequence[CellRead]], layout: Layout
) -> dict[Cell, str] | None:
    """Every field's check digit holds but the composite fails: its own digit misread, when
    the digit it should be is the recogniser's runner-up there."""
    span = layout.composite_check
    if span is None or _composite_holds(rows, layout) is not False:
        return None
    if not _fields_hold(rows, layout):
        return None
    text = _text(rows, layout.composite)
    if any(char not in ALPHANUMERIC for char in text):
        return None
    want = str(compute_check_digit(text))
    cell = (span.line, span.start)
    read = grid[span.line][span.start]
    offered = [char for char, _ in _runner_ups(read, DIGITS, MIN_REPAIR_PROB)]
    have = rows[span.line][span.start]
    if want in offered or (have not in DIGITS and LETTER_TO_DIGIT.get(have) == want):
        return {cell: want}
    return None


def _repair_countries(
    rows: list[list[str]], grid: Sequence[Sequence[CellRead]], layout: Layout
) -> tuple[list[list[str]], list[MrzRepair]]:
    repairs: list[MrzRepair] = []
    codes = [(layout.issuing_state, "issuing_state")]
    if layout.nationality is not None:
        codes.append((layout.nationality, "nationality"))
    for span, field in codes:
        cells = list(span.cells())
        code = "".join(rows[r][c] for r, c in cells)
        if _valid_code(code):
            continue
        choices = [
            [rows[r][c], *(ch for ch, _ in _runner_ups(grid[r][c], LETTERS | {FILLER}, 0.0))]
            for r, c in cells
        ]
        valid: list[tuple[int, str]] = []
        for picks in itertools.product(*choices):
            changes = sum(pick != rows[r][c] for pick, (r, c) in zip(picks, cells, strict=True))
            if 0 < changes <= MAX_CHANGES and _valid_code("".join(picks)):
                valid.append((changes, "".join(picks)))
        if not valid:
            continue
        fewest = min(changes for changes, _ in valid)
        best = [candidate for changes, candidate in valid if changes == fewest]
        if len(best) != 1:
            continue
        for (r, c), char in zip(cells, best[0], strict=True):
            if rows[r][c] != char:
                repairs.append(
                    MrzRepair(field, r + 1, c + 1, rows[r][c], char, basis="is then a country code")
                )
                rows[r][c] = char
    return rows, repairs


def _valid_code(code: str) -> bool:
    stripped = code.rstrip(FILLER)
    return bool(stripped) and all(c in LETTERS for c in stripped) and is_icao_country_code(stripped)
