"""Reading the fields of an MRZ against its layout, with the conservative letter-for-digit
repair (standard library only)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from openidv.vision.country_codes import is_icao_country_code
from openidv.vision.mrz.check_digits import (
    ALPHABET,
    DATE_CHARS,
    DIGITS,
    FILLER,
    LETTERS,
    LETTERS_OR_FILLER,
    safe_check_digit,
)
from openidv.vision.mrz.layouts import SHAPES_TEXT, Layout, Span, detect_layout
from openidv.vision.mrz.result import (
    FIELD_NAMES,
    MrzField,
    MrzProblem,
    MrzRepair,
    MrzResult,
    ProblemCode,
)

__all__ = ["EXPIRY_HORIZON_YEARS", "parse_mrz", "split_lines"]

# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

# An expiry date 20YY further ahead than this is taken as 19YY: no travel document is
# issued for half a century, but old documents (expired in the 1990s) still get scanned.
EXPIRY_HORIZON_YEARS = 50


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _birth_date(yy: int, month: int, day: int, today: dt.date) -> dt.date | None:
    """The century that puts the birth date in the past (today counts as the past)."""
    recent = _make_date(2000 + yy, month, day)
    if recent is not None and recent <= today:
        return recent
    return _make_date(1900 + yy, month, day)


def _expiry_date(yy: int, month: int, day: int, today: dt.date) -> dt.date | None:
    year = 2000 + yy
    if year > today.year + EXPIRY_HORIZON_YEARS:
        year -= 100
    return _make_date(year, month, day)


# ---------------------------------------------------------------------------
# Reading one MRZ against one layout
# ---------------------------------------------------------------------------

_SEXES = {"M": "M", "F": "F", FILLER: "X", "X": "X"}  # '<' is ICAO's "unspecified"


def _words(raw: str) -> str | None:
    """Name words: fillers separate words; runs of fillers collapse."""
    return " ".join(part for part in raw.split(FILLER) if part) or None


def _bad_chars(raw: str, allowed: frozenset[str]) -> str:
    return "".join(sorted({char for char in raw if char not in allowed}))


class _Reader:
    """Reads the fields of one MRZ against one layout, collecting problems as it goes."""

    def __init__(self, lines: Sequence[str], layout: Layout, today: dt.date) -> None:
        self.lines = lines
        self.layout = layout
        self.today = today
        self.problems: list[MrzProblem] = []

    def _problem(self, code: ProblemCode, field: str | None, message: str) -> None:
        self.problems.append(MrzProblem(code, message, field))

    def _read(self, span: Span) -> str:
        return span.read(self.lines)

    def _class_ok(self, raw: str, allowed: frozenset[str], field: str, label: str) -> bool:
        bad = _bad_chars(raw, allowed)
        if bad:
            self._problem(ProblemCode.CHARACTER, field, f"{label} {raw!r} holds characters {bad!r}")
        return not bad

    def _check(self, data: str, check_char: str, field: str, label: str) -> bool:
        expected = safe_check_digit(data)
        if expected is None:
            message = (
                f"{label} check digit cannot be computed: {data!r} holds characters "
                "outside A-Z, 0-9 and '<'"
            )
        elif check_char not in DIGITS:
            message = f"{label} check digit is {check_char!r}, not a digit (expected {expected})"
        elif int(check_char) != expected:
            message = f"{label} check digit is {check_char} but {data!r} computes to {expected}"
        else:
            return True
        self._problem(ProblemCode.CHECK_DIGIT, field, message)
        return False

    # -- fields --------------------------------------------------------------

    def document_code(self) -> MrzField:
        raw = self._read(self.layout.document_code)
        well_formed = raw[0] in LETTERS and raw[1] in LETTERS_OR_FILLER
        if not well_formed:
            self._problem(
                ProblemCode.CHARACTER,
                "document_code",
                f"document code {raw!r} must be a letter followed by a letter or '<'",
            )
        elif raw[0] not in self.layout.document_codes:
            allowed = " or ".join(sorted(self.layout.document_codes))
            self._problem(
                ProblemCode.DOCUMENT_CODE,
                "document_code",
                f"document code {raw!r} does not fit {self.layout.fmt.value}: "
                f"it should start with {allowed}",
            )
            well_formed = False
        return MrzField(
            "document_code", raw, raw.rstrip(FILLER) or None, None if well_formed else False
        )

    def country(self, span: Span, field: str, label: str) -> MrzField:
        raw = self._read(span)
        code = raw.rstrip(FILLER)  # 'D<<' is Germany: codes shorter than 3 are filler-padded
        if not code or not all(char in LETTERS for char in code):
            message = f"{label} {raw!r} is not a code of letters padded with '<'"
        elif not is_icao_country_code(code):
            # No check digit covers it: an unknown code is most often a misread letter.
            message = f"{label} {code!r} is not a country code ICAO 9303 allows"
        else:
            return MrzField(field, raw, code, None)
        self._problem(ProblemCode.COUNTRY_CODE, field, message)
        return MrzField(field, raw, code or None, False)

    def sex(self) -> MrzField:
        raw = self._read(self.layout.sex)
        if raw in _SEXES:
            return MrzField("sex", raw, _SEXES[raw], None)
        self._problem(ProblemCode.SEX, "sex", f"sex {raw!r} is not M, F or '<'")
        return MrzField("sex", raw, None, False)

    def date(self, span: Span, check_span: Span, field: str, label: str) -> MrzField:
        raw = self._read(span)
        check_char = self._read(check_span)
        check_ok = self._check(raw, check_char, field, label)
        if not self._class_ok(raw, DATE_CHARS, field, label):
            return MrzField(field, raw, None, False, check_char)
        if FILLER in raw:
            # 9303 fills unknown (parts of) dates with '<'; nothing to convert, no error.
            return MrzField(field, raw, None, check_ok, check_char)
        yy, month, day = int(raw[0:2]), int(raw[2:4]), int(raw[4:6])
        resolve = _birth_date if field == "date_of_birth" else _expiry_date
        value = resolve(yy, month, day, self.today)
        if value is None:
            self._problem(ProblemCode.DATE, field, f"{label} {raw!r} is not a calendar date")
            return MrzField(field, raw, None, False, check_char)
        return MrzField(field, raw, value.isoformat(), check_ok, check_char)

    def names(self) -> tuple[MrzField, MrzField]:
        if self.layout.given_names is not None:
            return self.separate_names(self.layout.given_names)
        raw = self._read(self.layout.name)
        primary, _, secondary = raw.partition(FILLER * 2)
        well_formed = self._class_ok(raw, LETTERS_OR_FILLER, "surname", "name")
        if not raw.strip(FILLER):
            self._problem(ProblemCode.MISSING, "surname", "the name field is empty")
            well_formed = False
        elif FILLER * 2 in secondary.rstrip(FILLER):
            # Given names are separated by single fillers and the field ends in fillers:
            # letters after a second double filler are misread fillers ('<' as 'C', 'K').
            self._problem(
                ProblemCode.CHARACTER,
                "given_names",
                f"the name field {raw!r} continues after its closing fillers",
            )
            well_formed = False
        valid = None if well_formed else False
        return (
            MrzField("surname", primary, _words(primary), valid),
            MrzField("given_names", secondary, _words(secondary), valid),
        )

    def separate_names(self, given_span: Span) -> tuple[MrzField, MrzField]:
        """Surname and given names in fields of their own (FRA-CNI): each only letters and
        fillers, the surname not empty."""
        raw = self._read(self.layout.name)
        given = self._read(given_span)
        surname_ok = self._class_ok(raw, LETTERS_OR_FILLER, "surname", "surname")
        if not raw.strip(FILLER):
            self._problem(ProblemCode.MISSING, "surname", "the surname field is empty")
            surname_ok = False
        given_ok = self._class_ok(given, LETTERS_OR_FILLER, "given_names", "given names")
        return (
            MrzField("surname", raw, _words(raw), None if surname_ok else False),
            MrzField("given_names", given, _words(given), None if given_ok else False),
        )

    def optional(self, raw: str, field: str) -> MrzField:
        valid = None if self._class_ok(raw, ALPHABET, field, "optional data") else False
        return MrzField(field, raw, raw.strip(FILLER) or None, valid)

    def td3_optional(self, check_span: Span) -> MrzField:
        raw = self._read(self.layout.optional)
        check_char = self._read(check_span)
        field = self.optional(raw, "optional_data")
        # An unused personal number may carry '<' instead of 0 as its check digit.
        if not raw.strip(FILLER) and check_char in (FILLER, "0"):
            check_ok = True
        else:
            check_ok = self._check(raw, check_char, "optional_data", "optional data")
        valid = check_ok and field.valid is None
        return dataclasses.replace(field, valid=valid, check_digit=check_char)

    def number(self, raw: str, check_char: str | None) -> MrzField:
        value = raw.replace(FILLER, "") or None
        well_formed = self._class_ok(raw, ALPHABET, "document_number", "document number")
        if value is None:
            self._problem(ProblemCode.MISSING, "document_number", "document number is empty")
            well_formed = False
        if check_char is None:
            return MrzField("document_number", raw, value, False)
        check_ok = self._check(raw, check_char, "document_number", "document number")
        return MrzField("document_number", raw, value, check_ok and well_formed, check_char)

    def number_and_optional(self) -> tuple[MrzField, MrzField]:
        """Document number and the optional data that may hold its continuation."""
        head = self._read(self.layout.document_number)
        check_char = self._read(self.layout.document_number_check)
        optional_raw = self._read(self.layout.optional)
        if not (self.layout.long_number and check_char == FILLER):
            number = self.number(head, check_char)
            if self.layout.optional_check is not None:
                return number, self.td3_optional(self.layout.optional_check)
            return number, self.optional(optional_raw, "optional_data")
        # Long number: continuation, then its check digit, then a filler, then the rest.
        tail = optional_raw.split(FILLER, 1)[0]
        if len(tail) < 2:
            self._problem(
                ProblemCode.CHECK_DIGIT,
                "document_number",
                "document number check digit is '<' (long document number) but the "
                "optional data holds no continuation and check digit",
            )
            return self.number(head, None), self.optional(optional_raw, "optional_data")
        number = self.number(head + tail[:-1], tail[-1])
        return number, self.optional(optional_raw[len(tail) + 1 :], "optional_data")

    def optional_2(self) -> MrzField:
        span = self.layout.optional_2
        if span is None:
            return MrzField("optional_data_2", "", None, None)
        return self.optional(self._read(span), "optional_data_2")

    def composite(self) -> bool | None:
        span = self.layout.composite_check
        if span is None:
            return None
        data = "".join(self._read(part) for part in self.layout.composite)
        return self._check(data, self._read(span), "composite", "composite")

    def result(self) -> MrzResult:
        layout = self.layout
        document_code = self.document_code()
        issuing_state = self.country(layout.issuing_state, "issuing_state", "issuing state")
        number, optional = self.number_and_optional()
        nationality = (
            self.country(layout.nationality, "nationality", "nationality")
            if layout.nationality is not None
            else MrzField("nationality", "", None, None)  # not in this layout
        )
        birth = self.date(layout.birth, layout.birth_check, "date_of_birth", "date of birth")
        sex = self.sex()
        expiry = (
            self.date(layout.expiry, layout.expiry_check, "expiry_date", "expiry date")
            if layout.expiry is not None and layout.expiry_check is not None
            else MrzField("expiry_date", "", None, None)  # not in this layout
        )
        optional_2 = self.optional_2()
        surname, given_names = self.names()
        composite = self.composite()
        return MrzResult(
            format=layout.fmt,
            lines=tuple(self.lines),
            document_code=document_code,
            issuing_state=issuing_state,
            document_number=number,
            nationality=nationality,
            date_of_birth=birth,
            sex=sex,
            expiry_date=expiry,
            optional_data=optional,
            optional_data_2=optional_2,
            surname=surname,
            given_names=given_names,
            composite_valid=composite,
            problems=tuple(self.problems),
        )


def _unreadable(lines: Sequence[str]) -> MrzResult:
    lengths = ", ".join(str(len(line)) for line in lines) or "none"
    problem = MrzProblem(
        ProblemCode.SHAPE,
        f"not an MRZ layout: expected {SHAPES_TEXT}; got {len(lines)} line(s) of length {lengths}",
    )

    def missing(name: str) -> MrzField:
        return MrzField(name, "", None, False)

    return MrzResult(
        format=None,
        lines=tuple(lines),
        document_code=missing("document_code"),
        issuing_state=missing("issuing_state"),
        document_number=missing("document_number"),
        nationality=missing("nationality"),
        date_of_birth=missing("date_of_birth"),
        sex=missing("sex"),
        expiry_date=missing("expiry_date"),
        optional_data=missing("optional_data"),
        optional_data_2=missing("optional_data_2"),
        surname=missing("surname"),
        given_names=missing("given_names"),
        composite_valid=None,
        problems=(problem,),
    )


# ---------------------------------------------------------------------------
# Conservative OCR repair
# ---------------------------------------------------------------------------

# Letters OCR commonly returns for digits. Only applied where ICAO allows nothing but a
# digit (dates and check digits), and only kept when the covering check digit then holds.
_LETTER_TO_DIGIT = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "I": "1",
    "Z": "2",
    "S": "5",
    "G": "6",
    "B": "8",
}


class _Segment(NamedTuple):
    """Numeric positions whose repair a single check digit can confirm."""

    field: str
    spans: tuple[Span, ...]


def _segments(layout: Layout) -> list[_Segment]:
    segments = [
        _Segment("document_number", (layout.document_number_check,)),
        _Segment("date_of_birth", (layout.birth, layout.birth_check)),
    ]
    if layout.expiry is not None and layout.expiry_check is not None:
        segments.append(_Segment("expiry_date", (layout.expiry, layout.expiry_check)))
    if layout.optional_check is not None:
        segments.append(_Segment("optional_data", (layout.optional_check,)))
    if layout.composite_check is not None:
        # Last, so it is judged on the already repaired fields it covers.
        segments.append(_Segment("composite", (layout.composite_check,)))
    return segments


def _segment_holds(result: MrzResult, field: str) -> bool:
    if field == "composite":
        return result.composite_valid is True
    held: bool | None = result.fields[field].valid
    return held is True


def _repair(
    lines: Sequence[str], layout: Layout, today: dt.date
) -> tuple[list[str], list[MrzRepair]]:
    grid = [list(line) for line in lines]
    repairs: list[MrzRepair] = []
    for segment in _segments(layout):
        candidates = [
            MrzRepair(segment.field, row + 1, column + 1, grid[row][column], digit)
            for span in segment.spans
            for row, column in span.cells()
            if (digit := _LETTER_TO_DIGIT.get(grid[row][column])) is not None
        ]
        if not candidates:
            continue
        trial = [row[:] for row in grid]
        for repair in candidates:
            trial[repair.line - 1][repair.position - 1] = repair.replacement
        trial_lines = ["".join(row) for row in trial]
        if _segment_holds(_Reader(trial_lines, layout, today).result(), segment.field):
            grid = trial
            repairs.extend(candidates)
    return ["".join(row) for row in grid], repairs


def _mark_repaired(result: MrzResult, repairs: Sequence[MrzRepair]) -> MrzResult:
    changes: dict[str, Any] = {"repairs": tuple(repairs)}
    for repair in repairs:
        if repair.field in FIELD_NAMES:
            changes[repair.field] = dataclasses.replace(
                getattr(result, repair.field), repaired=True
            )
    return dataclasses.replace(result, **changes)


# ---------------------------------------------------------------------------
# Parsing entry points
# ---------------------------------------------------------------------------


def split_lines(mrz: str | Sequence[str]) -> list[str]:
    chunks = [mrz] if isinstance(mrz, str) else list(mrz)
    raw = [part for chunk in chunks for part in chunk.splitlines()]
    return [line.strip() for line in raw if line.strip()]


def parse_mrz(
    mrz: str | Sequence[str], *, today: dt.date | None = None, repair: bool = False
) -> MrzResult:
    """Parse an MRZ given as one newline-separated string or as its lines.

    Strict about characters: run OCR text through `normalise_ocr_lines` first (or use
    `read_mrz`). ``today`` anchors the century of two-digit years (default: today's
    date). With ``repair`` a letter in a date or check-digit position is read as the
    digit OCR most likely confused it with, but only when the check digit then holds;
    every such change is listed in ``repairs``.
    """
    lines = split_lines(mrz)
    layout = detect_layout(lines)
    if layout is None:
        return _unreadable(lines)
    reference = today if today is not None else dt.date.today()
    repairs: list[MrzRepair] = []
    if repair:
        lines, repairs = _repair(lines, layout, reference)
    result = _Reader(lines, layout, reference).result()
    return _mark_repaired(result, repairs) if repairs else result
