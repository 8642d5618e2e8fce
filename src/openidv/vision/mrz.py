"""Parse and validate ICAO Doc 9303 machine-readable zones (MRZ).

Written from the public ICAO 9303 rules (Parts 3 to 7); standard library only.

Layouts (detected from the line count, line lengths and the document code):

* TD1: 3 lines of 30 (identity cards), composite check digit, long-number rule.
* TD2: 2 lines of 36, composite check digit, long-number rule.
* TD3: 2 lines of 44 (passports), personal-number and composite check digits.
* MRV-A: 2 lines of 44 whose document code starts with ``V`` (visa, no composite).
* MRV-B: 2 lines of 36 whose document code starts with ``V`` (visa, no composite).

Validity model. Every field of an `MrzResult` is an `MrzField` whose ``valid`` is

* ``True``: a check digit covers the field, it holds, and the content is well formed;
* ``False``: its check digit fails or the content breaks its ICAO character class or
  value rules (month 13, a digit in a country code...) - or the MRZ could not be read;
* ``None``: the format gives the field no check digit of its own (names, nationality,
  sex, most optional data) and it is well formed. Such fields are only as good as the read.

``MrzResult.valid`` is true only when the layout was recognised and nothing at all went
wrong; ``problems`` says what did, in sentences. Malformed input never raises.

Public API:

* `compute_check_digit(data) -> int`
* `parse_mrz(lines, *, today=None, repair=False) -> MrzResult`
* `normalise_ocr_lines(text_or_lines) -> list[str]`
* `read_mrz(text_or_lines, *, today=None, repair=True) -> MrzResult` (normalise, then parse)
* `to_document_fields(result) -> dict[str, Any]` (Yoti ``document_fields`` keys)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from openidv.vision.country_codes import is_icao_country_code

# ---------------------------------------------------------------------------
# Character classes and check digits
# ---------------------------------------------------------------------------

FILLER = "<"
_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALPHABET = _DIGITS | _LETTERS | {FILLER}
_LETTERS_OR_FILLER = _LETTERS | {FILLER}
_DATE_CHARS = _DIGITS | {FILLER}
_WEIGHTS = (7, 3, 1)


def _char_value(char: str) -> int | None:
    """ICAO value of one MRZ character: digits as themselves, A=10..Z=35, filler 0."""
    if char == FILLER:
        return 0
    if char in _DIGITS:
        return ord(char) - ord("0")
    if char in _LETTERS:
        return ord(char) - ord("A") + 10
    return None


def compute_check_digit(data: str) -> int:
    """The ICAO 9303 check digit of ``data`` (weights 7, 3, 1 repeating, modulo 10).

    Raises ValueError for a character outside A-Z, 0-9 and ``<``; the parser never calls
    this on unchecked input, so parsing itself does not raise.
    """
    total = 0
    for index, char in enumerate(data):
        value = _char_value(char)
        if value is None:
            raise ValueError(f"character {char!r} is not allowed in an MRZ")
        total += value * _WEIGHTS[index % 3]
    return total % 10


def _safe_check_digit(data: str) -> int | None:
    try:
        return compute_check_digit(data)
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Public result types
# ---------------------------------------------------------------------------


class MrzFormat(enum.Enum):
    """The five ICAO 9303 MRZ layouts."""

    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRV_A = "MRV-A"
    MRV_B = "MRV-B"


class ProblemCode(enum.StrEnum):
    """Stable machine-readable kinds of problem (the message is for people)."""

    SHAPE = "shape"  # wrong number of lines or line lengths; nothing else was read
    CHARACTER = "character"  # a character outside the field's ICAO character class
    CHECK_DIGIT = "check_digit"
    DATE = "date"  # six digits that are not a calendar date
    DOCUMENT_CODE = "document_code"  # a code the layout does not allow (e.g. TD3 not 'P')
    COUNTRY_CODE = "country_code"
    SEX = "sex"
    MISSING = "missing"  # a mandatory field is empty
    # Two readings that check digits cannot tell apart (G and 6 weigh the same mod 10),
    # found by comparison with another source (the printed VIZ): not a sign of forgery.
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class MrzProblem:
    """One thing wrong with an MRZ: a stable code, the field concerned and a sentence."""

    code: ProblemCode
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class MrzRepair:
    """One character of the OCR text changed to what the MRZ must hold there."""

    field: str
    line: int  # 1-based, as a person counts
    position: int  # 1-based
    original: str
    replacement: str
    # Why the change is believed: the field's check digit then holds (the default), or, for
    # fields no check digit covers, what else vouches for it (the character class the
    # position allows, the list of country codes).
    basis: str = "check digit then holds"

    @property
    def message(self) -> str:
        return (
            f"line {self.line} position {self.position}: read {self.original!r} as "
            f"{self.replacement!r} ({self.field.replace('_', ' ')} {self.basis})"
        )


@dataclass(frozen=True)
class MrzField:
    """One MRZ data element.

    ``raw`` is the text exactly as it sits in the MRZ (fillers included, check digit
    excluded); ``value`` is the cleaned value (ISO date for dates, fillers removed, None
    when empty or unusable); ``check_digit`` is the character in the field's check-digit
    position, if the format defines one. See the module docstring for ``valid``.
    """

    name: str
    raw: str
    value: str | None
    valid: bool | None
    check_digit: str | None = None
    repaired: bool = False


FIELD_NAMES = (
    "document_code",
    "issuing_state",
    "document_number",
    "nationality",
    "date_of_birth",
    "sex",
    "expiry_date",
    "optional_data",
    "optional_data_2",
    "surname",
    "given_names",
)


@dataclass(frozen=True)
class MrzResult:
    """Everything read from one MRZ, field by field, with what went wrong.

    ``optional_data`` is the TD3 personal number, the TD1 line-1 / TD2 optional data
    (what is left of it after a long document number), or the visa optional data;
    ``optional_data_2`` is the TD1 line-2 optional data (value None elsewhere).
    ``composite_valid`` is None for visas, which have no composite check digit.
    """

    format: MrzFormat | None
    lines: tuple[str, ...]
    document_code: MrzField
    issuing_state: MrzField
    document_number: MrzField
    nationality: MrzField
    date_of_birth: MrzField
    sex: MrzField
    expiry_date: MrzField
    optional_data: MrzField
    optional_data_2: MrzField
    surname: MrzField
    given_names: MrzField
    composite_valid: bool | None
    problems: tuple[MrzProblem, ...]
    repairs: tuple[MrzRepair, ...] = ()

    @property
    def fields(self) -> dict[str, MrzField]:
        return {name: getattr(self, name) for name in FIELD_NAMES}

    @property
    def valid(self) -> bool:
        # Belt and braces: every failure also files a problem, but a field marked
        # invalid or a failed composite must never yield an overall pass.
        return (
            self.format is not None
            and not self.problems
            and self.composite_valid is not False
            and all(field.valid is not False for field in self.fields.values())
        )

    @property
    def repaired(self) -> bool:
        return bool(self.repairs)

    def problems_for(self, field: str) -> list[MrzProblem]:
        return [problem for problem in self.problems if problem.field == field]


# ---------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------


class _Span(NamedTuple):
    """A slice of one MRZ line: 0-based line index, start and end (exclusive)."""

    line: int
    start: int
    end: int

    def read(self, lines: Sequence[str]) -> str:
        return lines[self.line][self.start : self.end]

    def cells(self) -> Iterator[tuple[int, int]]:
        return ((self.line, column) for column in range(self.start, self.end))


@dataclass(frozen=True)
class _Layout:
    fmt: MrzFormat
    widths: tuple[int, ...]
    document_codes: frozenset[str]  # allowed first characters of the document code
    document_code: _Span
    issuing_state: _Span
    document_number: _Span
    document_number_check: _Span
    nationality: _Span
    birth: _Span
    birth_check: _Span
    sex: _Span
    expiry: _Span
    expiry_check: _Span
    optional: _Span
    optional_check: _Span | None
    optional_2: _Span | None
    name: _Span
    composite_check: _Span | None
    composite: tuple[_Span, ...]
    # TD1/TD2 only: a filler in the number's check-digit position means the number goes
    # on in the optional data, followed by its check digit (9303 Parts 5 and 6).
    long_number: bool


def _two_line_layout(
    fmt: MrzFormat,
    width: int,
    *,
    document_codes: str,
    optional_end: int,
    optional_check: bool,
    composite: bool,
    long_number: bool,
) -> _Layout:
    # TD2, TD3 and both visas share the first 28 positions of line 2.
    return _Layout(
        fmt=fmt,
        widths=(width, width),
        document_codes=frozenset(document_codes),
        document_code=_Span(0, 0, 2),
        issuing_state=_Span(0, 2, 5),
        name=_Span(0, 5, width),
        document_number=_Span(1, 0, 9),
        document_number_check=_Span(1, 9, 10),
        nationality=_Span(1, 10, 13),
        birth=_Span(1, 13, 19),
        birth_check=_Span(1, 19, 20),
        sex=_Span(1, 20, 21),
        expiry=_Span(1, 21, 27),
        expiry_check=_Span(1, 27, 28),
        optional=_Span(1, 28, optional_end),
        optional_check=_Span(1, optional_end, optional_end + 1) if optional_check else None,
        optional_2=None,
        composite_check=_Span(1, width - 1, width) if composite else None,
        composite=(
            (_Span(1, 0, 10), _Span(1, 13, 20), _Span(1, 21, width - 1)) if composite else ()
        ),
        long_number=long_number,
    )


_TD1 = _Layout(
    fmt=MrzFormat.TD1,
    widths=(30, 30, 30),
    document_codes=frozenset("ACI"),
    document_code=_Span(0, 0, 2),
    issuing_state=_Span(0, 2, 5),
    document_number=_Span(0, 5, 14),
    document_number_check=_Span(0, 14, 15),
    optional=_Span(0, 15, 30),
    birth=_Span(1, 0, 6),
    birth_check=_Span(1, 6, 7),
    sex=_Span(1, 7, 8),
    expiry=_Span(1, 8, 14),
    expiry_check=_Span(1, 14, 15),
    nationality=_Span(1, 15, 18),
    optional_2=_Span(1, 18, 29),
    composite_check=_Span(1, 29, 30),
    composite=(_Span(0, 5, 30), _Span(1, 0, 7), _Span(1, 8, 15), _Span(1, 18, 29)),
    optional_check=None,
    name=_Span(2, 0, 30),
    long_number=True,
)
_TD2 = _two_line_layout(
    MrzFormat.TD2,
    36,
    document_codes="ACI",
    optional_end=35,
    optional_check=False,
    composite=True,
    long_number=True,
)
_TD3 = _two_line_layout(
    MrzFormat.TD3,
    44,
    document_codes="P",
    optional_end=42,
    optional_check=True,
    composite=True,
    long_number=False,
)
_MRV_A = _two_line_layout(
    MrzFormat.MRV_A,
    44,
    document_codes="V",
    optional_end=44,
    optional_check=False,
    composite=False,
    long_number=False,
)
_MRV_B = _two_line_layout(
    MrzFormat.MRV_B,
    36,
    document_codes="V",
    optional_end=36,
    optional_check=False,
    composite=False,
    long_number=False,
)
_SHAPES_TEXT = (
    "3 lines of 30 characters (TD1), 2 lines of 36 (TD2, MRV-B) or 2 lines of 44 (TD3, MRV-A)"
)


def _detect_layout(lines: Sequence[str]) -> _Layout | None:
    shape = tuple(len(line) for line in lines)
    is_visa = bool(lines) and lines[0].startswith("V")
    if shape == _TD1.widths:
        return _TD1
    if shape == _TD3.widths:
        return _MRV_A if is_visa else _TD3
    if shape == _TD2.widths:
        return _MRV_B if is_visa else _TD2
    return None


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

    def __init__(self, lines: Sequence[str], layout: _Layout, today: dt.date) -> None:
        self.lines = lines
        self.layout = layout
        self.today = today
        self.problems: list[MrzProblem] = []

    def _problem(self, code: ProblemCode, field: str | None, message: str) -> None:
        self.problems.append(MrzProblem(code, message, field))

    def _read(self, span: _Span) -> str:
        return span.read(self.lines)

    def _class_ok(self, raw: str, allowed: frozenset[str], field: str, label: str) -> bool:
        bad = _bad_chars(raw, allowed)
        if bad:
            self._problem(ProblemCode.CHARACTER, field, f"{label} {raw!r} holds characters {bad!r}")
        return not bad

    def _check(self, data: str, check_char: str, field: str, label: str) -> bool:
        expected = _safe_check_digit(data)
        if expected is None:
            message = (
                f"{label} check digit cannot be computed: {data!r} holds characters "
                "outside A-Z, 0-9 and '<'"
            )
        elif check_char not in _DIGITS:
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
        well_formed = raw[0] in _LETTERS and raw[1] in _LETTERS_OR_FILLER
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

    def country(self, span: _Span, field: str, label: str) -> MrzField:
        raw = self._read(span)
        code = raw.rstrip(FILLER)  # 'D<<' is Germany: codes shorter than 3 are filler-padded
        if not code or not all(char in _LETTERS for char in code):
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

    def date(self, span: _Span, check_span: _Span, field: str, label: str) -> MrzField:
        raw = self._read(span)
        check_char = self._read(check_span)
        check_ok = self._check(raw, check_char, field, label)
        if not self._class_ok(raw, _DATE_CHARS, field, label):
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
        raw = self._read(self.layout.name)
        primary, _, secondary = raw.partition(FILLER * 2)
        well_formed = self._class_ok(raw, _LETTERS_OR_FILLER, "surname", "name")
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

    def optional(self, raw: str, field: str) -> MrzField:
        valid = None if self._class_ok(raw, _ALPHABET, field, "optional data") else False
        return MrzField(field, raw, raw.strip(FILLER) or None, valid)

    def td3_optional(self, check_span: _Span) -> MrzField:
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
        well_formed = self._class_ok(raw, _ALPHABET, "document_number", "document number")
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
        nationality = self.country(layout.nationality, "nationality", "nationality")
        birth = self.date(layout.birth, layout.birth_check, "date_of_birth", "date of birth")
        sex = self.sex()
        expiry = self.date(layout.expiry, layout.expiry_check, "expiry_date", "expiry date")
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
        f"not an MRZ layout: expected {_SHAPES_TEXT}; got {len(lines)} line(s) of length {lengths}",
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
    spans: tuple[_Span, ...]


def _segments(layout: _Layout) -> list[_Segment]:
    segments = [
        _Segment("document_number", (layout.document_number_check,)),
        _Segment("date_of_birth", (layout.birth, layout.birth_check)),
        _Segment("expiry_date", (layout.expiry, layout.expiry_check)),
    ]
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
    lines: Sequence[str], layout: _Layout, today: dt.date
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


def _split_lines(mrz: str | Sequence[str]) -> list[str]:
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
    lines = _split_lines(mrz)
    layout = _detect_layout(lines)
    if layout is None:
        return _unreadable(lines)
    reference = today if today is not None else dt.date.today()
    repairs: list[MrzRepair] = []
    if repair:
        lines, repairs = _repair(lines, layout, reference)
    result = _Reader(lines, layout, reference).result()
    return _mark_repaired(result, repairs) if repairs else result


# ---------------------------------------------------------------------------
# OCR normalisation
# ---------------------------------------------------------------------------

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


def _clean_line(line: str) -> str:
    text = unicodedata.normalize("NFKC", line.translate(_FILLER_TABLE)).upper()
    return "".join(char for char in text if char in _ALPHABET)


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
    cleaned = [line for line in map(_clean_line, raw_lines) if line]
    picked = _pick_mrz(cleaned)
    return picked if picked is not None else cleaned


def read_mrz(
    text_or_lines: str | Iterable[str], *, today: dt.date | None = None, repair: bool = True
) -> MrzResult:
    """OCR text to a parsed MRZ: `normalise_ocr_lines`, then `parse_mrz` with repair."""
    return parse_mrz(normalise_ocr_lines(text_or_lines), today=today, repair=repair)


# ---------------------------------------------------------------------------
# Yoti document_fields
# ---------------------------------------------------------------------------

# Yoti's own MRZ.Type enum (yoti-python-sdk protobuf compubapi_v1/MRZ.proto):
# UNDEFINED=0, TD1=1, TD3=2, RUS_ID=3, TD2=4. It has no visa types, so visas go by size.
YOTI_MRZ_TYPES = {
    MrzFormat.TD1: 1,
    MrzFormat.TD3: 2,
    MrzFormat.MRV_A: 2,
    MrzFormat.TD2: 4,
    MrzFormat.MRV_B: 4,
}
# First character of the document code. I/A/C cover identity cards and other official
# travel documents; ICAO leaves the second character to the issuer, so residence
# permits (often 'IR'/'AR') cannot be told apart reliably and stay NATIONAL_ID.
DOCUMENT_TYPES = {
    "P": "PASSPORT",
    "V": "VISA",
    "I": "NATIONAL_ID",
    "A": "NATIONAL_ID",
    "C": "NATIONAL_ID",
}
# ICAO codes that are not ISO 3166-1 alpha-3. Only Germany's one-letter code is mapped;
# ICAO-only codes (XXA stateless, GBD/GBN..., UNO, EUE, XXX...) pass through unchanged.
_ICAO_TO_ISO_ALPHA3 = {"D": "DEU"}
# '<' means the sex is unspecified, which is not the same claim as Yoti's OTHER,
# so gender is left out rather than invented.
_GENDERS = {"M": "MALE", "F": "FEMALE"}


def _usable(field: MrzField) -> str | None:
    """A field's value unless it failed: failed fields are never reported."""
    return field.value if field.valid is not False else None


def _country(field: MrzField) -> str | None:
    code = _usable(field)
    return _ICAO_TO_ISO_ALPHA3.get(code, code) if code is not None else None


def _mrz_object(result: MrzResult) -> dict[str, Any] | None:
    if result.format is None:
        return None
    mrz: dict[str, Any] = {"type": YOTI_MRZ_TYPES[result.format]}
    for number, line in enumerate(result.lines, start=1):
        mrz[f"line{number}"] = line
    return mrz


def to_document_fields(result: MrzResult) -> dict[str, Any]:
    """Map a parsed MRZ to Yoti's document-fields JSON keys (keys only when known).

    Fields marked invalid are left out, so a failed check digit never reaches the
    output as extracted data; callers decide from ``result.valid`` whether to trust the
    rest. Names stay in MRZ upper case; ``full_name`` is given names then family name.
    """
    family_name = _usable(result.surname)
    given_names = _usable(result.given_names)
    code = _usable(result.document_code)
    sex = _usable(result.sex)
    candidates: dict[str, Any] = {
        "full_name": " ".join(part for part in (given_names, family_name) if part) or None,
        "given_names": given_names,
        "family_name": family_name,
        "date_of_birth": _usable(result.date_of_birth),
        "nationality": _country(result.nationality),
        "gender": _GENDERS.get(sex) if sex is not None else None,
        "document_number": _usable(result.document_number),
        "expiration_date": _usable(result.expiry_date),
        "issuing_country": _country(result.issuing_state),
        "document_type": DOCUMENT_TYPES.get(code[0]) if code else None,
        "mrz": _mrz_object(result),
    }
    return {key: value for key, value in candidates.items() if value is not None}
