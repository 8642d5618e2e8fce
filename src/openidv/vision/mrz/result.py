"""What parsing an MRZ gives: formats, fields, problems and repairs (standard library only)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "FIELD_NAMES", "MrzField", "MrzFormat", "MrzProblem", "MrzRepair", "MrzResult", "ProblemCode",
]  # fmt: skip


class MrzFormat(enum.Enum):
    """The five ICAO 9303 MRZ layouts, and the one national layout read here."""

    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRV_A = "MRV-A"
    MRV_B = "MRV-B"
    # France's national identity card of 1988-2021: 2 lines of 36 like TD2, but its own
    # field positions and check digits (`layouts.FRA_CNI`). Not ICAO 9303.
    FRA_CNI = "FRA-CNI"


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
