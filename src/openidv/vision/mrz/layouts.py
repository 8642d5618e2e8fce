"""Where each field sits in each MRZ layout, and which layout some lines have (standard
library only)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from openidv.vision.mrz.check_digits import DIGITS, LETTERS_OR_FILLER, safe_check_digit
from openidv.vision.mrz.result import MrzFormat

__all__ = [
    "FRA_CNI", "MRV_A", "MRV_B", "SHAPES_TEXT", "TD1", "TD2", "TD3", "Layout", "Span",
    "detect_layout", "is_french_national_id",
]  # fmt: skip


class Span(NamedTuple):
    """A slice of one MRZ line: 0-based line index, start and end (exclusive)."""

    line: int
    start: int
    end: int

    def read(self, lines: Sequence[str]) -> str:
        return lines[self.line][self.start : self.end]

    def cells(self) -> Iterator[tuple[int, int]]:
        return ((self.line, column) for column in range(self.start, self.end))


@dataclass(frozen=True)
class Layout:
    fmt: MrzFormat
    widths: tuple[int, ...]
    document_codes: frozenset[str]  # allowed first characters of the document code
    document_code: Span
    issuing_state: Span
    document_number: Span
    document_number_check: Span
    nationality: Span | None  # None: the layout holds no nationality (FRA-CNI)
    birth: Span
    birth_check: Span
    sex: Span
    expiry: Span | None  # None: the layout holds no expiry date (FRA-CNI)
    expiry_check: Span | None
    optional: Span
    optional_check: Span | None
    optional_2: Span | None
    name: Span
    composite_check: Span | None
    composite: tuple[Span, ...]
    # TD1/TD2 only: a filler in the number's check-digit position means the number goes
    # on in the optional data, followed by its check digit (9303 Parts 5 and 6).
    long_number: bool
    # Given names in a field of their own (FRA-CNI); None: ``name`` holds the primary and
    # secondary identifiers separated by '<<', as ICAO lays them out.
    given_names: Span | None = None


def _two_line_layout(
    fmt: MrzFormat,
    width: int,
    *,
    document_codes: str,
    optional_end: int,
    optional_check: bool,
    composite: bool,
    long_number: bool,
) -> Layout:
    # TD2, TD3 and both visas share the first 28 positions of line 2.
    return Layout(
        fmt=fmt,
        widths=(width, width),
        document_codes=frozenset(document_codes),
        document_code=Span(0, 0, 2),
        issuing_state=Span(0, 2, 5),
        name=Span(0, 5, width),
        document_number=Span(1, 0, 9),
        document_number_check=Span(1, 9, 10),
        nationality=Span(1, 10, 13),
        birth=Span(1, 13, 19),
        birth_check=Span(1, 19, 20),
        sex=Span(1, 20, 21),
        expiry=Span(1, 21, 27),
        expiry_check=Span(1, 27, 28),
        optional=Span(1, 28, optional_end),
        optional_check=Span(1, optional_end, optional_end + 1) if optional_check else None,
        optional_2=None,
        composite_check=Span(1, width - 1, width) if composite else None,
        composite=((Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, width - 1)) if composite else ()),
        long_number=long_number,
    )


TD1 = Layout(
    fmt=MrzFormat.TD1,
    widths=(30, 30, 30),
    document_codes=frozenset("ACI"),
    document_code=Span(0, 0, 2),
    issuing_state=Span(0, 2, 5),
    document_number=Span(0, 5, 14),
    document_number_check=Span(0, 14, 15),
    optional=Span(0, 15, 30),
    birth=Span(1, 0, 6),
    birth_check=Span(1, 6, 7),
    sex=Span(1, 7, 8),
    expiry=Span(1, 8, 14),
    expiry_check=Span(1, 14, 15),
    nationality=Span(1, 15, 18),
    optional_2=Span(1, 18, 29),
    composite_check=Span(1, 29, 30),
    composite=(Span(0, 5, 30), Span(1, 0, 7), Span(1, 8, 15), Span(1, 18, 29)),
    optional_check=None,
    name=Span(2, 0, 30),
    long_number=True,
)
TD2 = _two_line_layout(
    MrzFormat.TD2,
    36,
    document_codes="ACI",
    optional_end=35,
    optional_check=False,
    composite=True,
    long_number=True,
)
TD3 = _two_line_layout(
    MrzFormat.TD3,
    44,
    document_codes="P",
    optional_end=42,
    optional_check=True,
    composite=True,
    long_number=False,
)
MRV_A = _two_line_layout(
    MrzFormat.MRV_A,
    44,
    document_codes="V",
    optional_end=44,
    optional_check=False,
    composite=False,
    long_number=False,
)
MRV_B = _two_line_layout(
    MrzFormat.MRV_B,
    36,
    document_codes="V",
    optional_end=36,
    optional_check=False,
    composite=False,
    long_number=False,
)
# France's national identity card of 1988-2021 ("carte nationale d'identite securisee"), a
# national layout of 2 x 36 that only looks like TD2. Line 1: "ID", "FRA", the surname (25),
# the department (3) and office (3) that issued it. Line 2: the card number (12: year and
# month of issue, department, sequence) and its check digit, the given names (14, separated
# by '<<', cut where too long), the date of birth and its check digit, the sex, and a check
# digit over both lines (line 2 without itself). No nationality, no expiry date. Check
# digits are ICAO's (7-3-1, mod 10).
FRA_CNI = Layout(
    fmt=MrzFormat.FRA_CNI,
    widths=(36, 36),
    document_codes=frozenset("I"),
    document_code=Span(0, 0, 2),
    issuing_state=Span(0, 2, 5),
    name=Span(0, 5, 30),
    optional=Span(0, 30, 36),
    document_number=Span(1, 0, 12),
    document_number_check=Span(1, 12, 13),
    given_names=Span(1, 13, 27),
    birth=Span(1, 27, 33),
    birth_check=Span(1, 33, 34),
    sex=Span(1, 34, 35),
    composite_check=Span(1, 35, 36),
    composite=(Span(0, 0, 36), Span(1, 0, 35)),
    nationality=None,
    expiry=None,
    expiry_check=None,
    optional_check=None,
    optional_2=None,
    long_number=False,
)

SHAPES_TEXT = (
    "3 lines of 30 characters (TD1), 2 lines of 36 (TD2, MRV-B, French national ID) or 2 "
    "lines of 44 (TD3, MRV-A)"
)


def _holds(data: str, check: str) -> bool:
    expected = safe_check_digit(data)
    return expected is not None and check == str(expected)


def _evidence(lines: Sequence[str], layout: Layout) -> int:
    """How many of the layout's check digits hold on these lines, plus one when the three
    characters at TD2's nationality are of the class the layout puts there (letters for
    TD2, the card number's digits for FRA-CNI)."""
    spans = [
        (layout.document_number, layout.document_number_check),
        (layout.birth, layout.birth_check),
    ]
    if layout.expiry is not None and layout.expiry_check is not None:
        spans.append((layout.expiry, layout.expiry_check))
    score = sum(_holds(data.read(lines), check.read(lines)) for data, check in spans)
    if layout.composite_check is not None:
        data = "".join(span.read(lines) for span in layout.composite)
        score += _holds(data, layout.composite_check.read(lines))
    middle = lines[1][10:13]
    wanted = LETTERS_OR_FILLER if layout.nationality is not None else DIGITS
    return score + all(char in wanted for char in middle)


def is_french_national_id(lines: Sequence[str]) -> bool:
    """Two lines of 36 opening with ``IDFRA`` (OCR's 1/I, 0/D confusions forgiven there)
    that fit the French card's layout better than TD2's: more of its check digits hold, and
    the card number runs where TD2 has the nationality. France issued no TD2 document (its
    2021 card is TD1), but a TD2 ``IDFRA`` zone that fits TD2 stays TD2."""
    if tuple(len(line) for line in lines) != FRA_CNI.widths:
        return False
    head = lines[0]
    if not (head[0] in "I1" and head[1] in "D0" and head[2:5] == "FRA"):
        return False
    return _evidence(lines, FRA_CNI) > _evidence(lines, TD2)


def detect_layout(lines: Sequence[str]) -> Layout | None:
    shape = tuple(len(line) for line in lines)
    is_visa = bool(lines) and lines[0].startswith("V")
    if shape == TD1.widths:
        return TD1
    if shape == TD3.widths:
        return MRV_A if is_visa else TD3
    if shape == TD2.widths:
        if is_french_national_id(lines):
            return FRA_CNI
        return MRV_B if is_visa else TD2
    return None
