"""Tests for openidv.vision.mrz against ICAO 9303 specimens and independently built MRZs.

The MRZ builders below are written separately from the parser (their own check-digit code
and their own field positions), so a round trip only passes when both agree with ICAO 9303.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import importlib
import json
import random
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from openidv.vision import mrz as mrz_module
from openidv.vision.mrz import (
    MrzField,
    MrzFormat,
    MrzResult,
    ProblemCode,
    compute_check_digit,
    normalise_ocr_lines,
    parse_mrz,
    read_mrz,
    to_document_fields,
)

TODAY = dt.date(2025, 6, 15)
# The ICAO 9303 layouts the builders below make (FRA-CNI, a national layout, has its own).
ICAO_FORMATS = [fmt for fmt in MrzFormat if fmt is not MrzFormat.FRA_CNI]

# --- ICAO 9303 specimens (and the German specimens, whose codes are 'D<<') ---------------

TD3_SPECIMEN = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD1_SPECIMEN = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
TD2_SPECIMEN = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
]
MRVA_SPECIMEN = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
]
MRVB_SPECIMEN = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX4009078F9612109<<<<<<<<",
]
# ICAO 9303 Part 5 example of a document number longer than nine characters.
TD1_LONG_NUMBER_SPECIMEN = [
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
]
GERMAN_PASSPORT_SPECIMEN = [
    "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
    "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4",
]
GERMAN_ID_CARD_SPECIMEN = [
    "IDD<<T220001293<<<<<<<<<<<<<<<",
    "6408125<2010315D<<<<<<<<<<<<<4",
    "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
]
SPECIMENS = {
    MrzFormat.TD1: TD1_SPECIMEN,
    MrzFormat.TD2: TD2_SPECIMEN,
    MrzFormat.TD3: TD3_SPECIMEN,
    MrzFormat.MRV_A: MRVA_SPECIMEN,
    MrzFormat.MRV_B: MRVB_SPECIMEN,
}

# --- An independent MRZ builder -------------------------------------------------------

_VALUES = {char: index for index, char in enumerate(string.digits + string.ascii_uppercase)}
_VALUES["<"] = 0


def check(data: str) -> str:
    """ICAO check digit, written apart from the module under test."""
    weights = (7, 3, 1)
    return str(sum(_VALUES[char] * weights[i % 3] for i, char in enumerate(data)) % 10)


def pad(text: str, width: int) -> str:
    assert len(text) <= width, (text, width)
    return text.ljust(width, "<")


@dataclass(frozen=True)
class Identity:
    code: str
    state: str
    number: str
    surname: str
    given: str
    nationality: str
    birth: str  # YYMMDD as printed
    sex: str
    expiry: str  # YYMMDD as printed
    optional: str = ""
    optional_2: str = ""


def name_field(person: Identity, width: int) -> str:
    text = person.surname.replace(" ", "<")
    if person.given:
        text += "<<" + person.given.replace(" ", "<")
    return pad(text, width)


def number_and_optional(person: Identity, width: int) -> tuple[str, str, str]:
    """Nine-character number, its check character and the optional data (TD1/TD2 rule)."""
    if len(person.number) <= 9:
        number = pad(person.number, 9)
        return number, check(number), pad(person.optional, width)
    overflow = person.number[9:] + check(person.number) + "<" + person.optional
    return person.number[:9], "<", pad(overflow, width)


def dates_block(person: Identity) -> str:
    return (
        pad(person.nationality, 3)
        + person.birth
        + check(person.birth)
        + person.sex
        + person.expiry
        + check(person.expiry)
    )


def build_td1(person: Identity) -> list[str]:
    number, number_check, optional = number_and_optional(person, 15)
    line1 = pad(person.code, 2) + pad(person.state, 3) + number + number_check + optional
    line2 = (
        person.birth
        + check(person.birth)
        + person.sex
        + person.expiry
        + check(person.expiry)
        + pad(person.nationality, 3)
        + pad(person.optional_2, 11)
    )
    line2 += check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return [line1, line2, name_field(person, 30)]


def build_td2(person: Identity) -> list[str]:
    number, number_check, optional = number_and_optional(person, 7)
    line2 = number + number_check + dates_block(person) + optional
    line2 += check(line2[0:10] + line2[13:20] + line2[21:35])
    return [pad(person.code, 2) + pad(person.state, 3) + name_field(person, 31), line2]


def build_td3(person: Identity) -> list[str]:
    number = pad(person.number, 9)
    optional = pad(person.optional, 14)
    line2 = number + check(number) + dates_block(person) + optional + check(optional)
    line2 += check(line2[0:10] + line2[13:20] + line2[21:43])
    return [pad(person.code, 2) + pad(person.state, 3) + name_field(person, 39), line2]


def build_visa(person: Identity, width: int) -> list[str]:
    number = pad(person.number, 9)
    line2 = number + check(number) + dates_block(person) + pad(person.optional, width - 28)
    return [pad(person.code, 2) + pad(person.state, 3) + name_field(person, width - 5), line2]


BUILDERS: dict[MrzFormat, Callable[[Identity], list[str]]] = {
    MrzFormat.TD1: build_td1,
    MrzFormat.TD2: build_td2,
    MrzFormat.TD3: build_td3,
    MrzFormat.MRV_A: lambda person: build_visa(person, 44),
    MrzFormat.MRV_B: lambda person: build_visa(person, 36),
}
CODES = {
    MrzFormat.TD1: ["I<", "ID", "AC", "C<", "IR"],
    MrzFormat.TD2: ["I<", "ID", "AR", "C<"],
    MrzFormat.TD3: ["P<", "PD", "PO"],
    MrzFormat.MRV_A: ["V<", "VA", "VB"],
    MrzFormat.MRV_B: ["V<", "VC"],
}
# Longest number each builder can carry (TD1/TD2 by the long-number rule).
MAX_NUMBER = {MrzFormat.TD1: 15, MrzFormat.TD2: 14}
OPTIONAL_WIDTH = {
    MrzFormat.TD1: 15,
    MrzFormat.TD2: 7,
    MrzFormat.TD3: 14,
    MrzFormat.MRV_A: 16,
    MrzFormat.MRV_B: 8,
}
COUNTRIES = ["UTO", "D", "GBR", "NLD", "FRA", "XXA", "UNO", "GBD"]
SEX_VALUES = {"M": "M", "F": "F", "<": "X"}
ALNUM = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Case:
    fmt: MrzFormat
    person: Identity
    birth: dt.date
    expiry: dt.date

    @property
    def lines(self) -> list[str]:
        return BUILDERS[self.fmt](self.person)


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(low, high)))


def random_case(rng: random.Random, fmt: MrzFormat) -> Case:
    number = "".join(rng.choice(ALNUM) for _ in range(rng.randint(5, MAX_NUMBER.get(fmt, 9))))
    room = OPTIONAL_WIDTH[fmt]
    if len(number) > 9:
        room -= len(number) - 9 + 2  # continuation, its check digit, one filler
    # Birth within the last 99 years: older people's two-digit years are ambiguous.
    birth = TODAY - dt.timedelta(days=rng.randint(0, 36000))
    expiry = TODAY + dt.timedelta(days=rng.randint(-7300, 7300))
    person = Identity(
        code=rng.choice(CODES[fmt]),
        state=rng.choice(COUNTRIES),
        number=number,
        surname=" ".join(_word(rng, 2, 6) for _ in range(rng.randint(1, 2))),
        given=" ".join(_word(rng, 2, 5) for _ in range(rng.randint(0, 2))),
        nationality=rng.choice(COUNTRIES),
        birth=birth.strftime("%y%m%d"),
        sex=rng.choice("MF<"),
        expiry=expiry.strftime("%y%m%d"),
        optional="".join(rng.choice(ALNUM) for _ in range(rng.randint(0, room))),
        optional_2=(
            "".join(rng.choice(ALNUM) for _ in range(rng.randint(0, 11)))
            if fmt is MrzFormat.TD1
            else ""
        ),
    )
    return Case(fmt, person, birth, expiry)


def cases(fmt: MrzFormat, count: int) -> list[Case]:
    rng = random.Random(f"mrz-{fmt.value}")
    return [random_case(rng, fmt) for _ in range(count)]


def assert_matches(result: MrzResult, case: Case) -> None:
    person = case.person
    context = (case.lines, result.problems)
    assert result.valid, context
    assert result.problems == (), context
    assert result.format is case.fmt, context
    assert result.document_code.value == person.code.rstrip("<"), context
    assert result.issuing_state.value == person.state, context
    assert result.document_number.value == person.number, context
    assert result.document_number.valid is True, context
    assert result.nationality.value == person.nationality, context
    assert result.date_of_birth.value == case.birth.isoformat(), context
    assert result.date_of_birth.valid is True, context
    assert result.sex.value == SEX_VALUES[person.sex], context
    assert result.expiry_date.value == case.expiry.isoformat(), context
    assert result.expiry_date.valid is True, context
    assert result.optional_data.value == (person.optional or None), context
    assert result.optional_data_2.value == (person.optional_2 or None), context
    assert result.surname.value == person.surname, context
    assert result.given_names.value == (person.given or None), context
    has_composite = case.fmt in (MrzFormat.TD1, MrzFormat.TD2, MrzFormat.TD3)
    assert result.composite_valid is (True if has_composite else None), context
    assert result.lines == tuple(case.lines), context


def replace_char(lines: list[str], line: int, column: int, char: str) -> list[str]:
    changed = list(lines)
    changed[line] = changed[line][:column] + char + changed[line][column + 1 :]
    return changed


def successor(char: str) -> str:
    """A different character whose ICAO value differs by 1 (so any check digit notices)."""
    if char == "<":
        return "1"
    if char.isdigit():
        return str((int(char) + 1) % 10)
    return "Y" if char == "Z" else chr(ord(char) + 1)


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


# ======================================================================================
# Check digits
# ======================================================================================


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("L898902C3", 6),
        ("740812", 2),
        ("120415", 9),
        ("ZE184226B<<<<<", 1),
        ("D23145890", 7),
        ("D23145890734", 9),
        ("L8988901C", 4),
        ("<<<<<<", 0),
        ("", 0),
        ("A", 0),  # 10 * 7 = 70
        ("AB", 3),  # 10 * 7 + 11 * 3 = 103
        ("Z", 5),  # 35 * 7 = 245
        ("L898902C36" + "7408122" + "1204159ZE184226B<<<<<1", 0),  # TD3 composite
    ],
)
def test_compute_check_digit_known_values(data: str, expected: int) -> None:
    assert compute_check_digit(data) == expected


def test_compute_check_digit_agrees_with_independent_implementation() -> None:
    rng = random.Random("check-digits")
    for _ in range(2000):
        data = "".join(rng.choice(ALNUM + "<") for _ in range(rng.randint(0, 40)))
        assert str(compute_check_digit(data)) == check(data), data


@pytest.mark.parametrize("data", ["l898902c3", "74 0812", "\u304f", "12-04", "\uff21"])
def test_compute_check_digit_rejects_characters_outside_the_mrz_alphabet(data: str) -> None:
    with pytest.raises(ValueError, match="not allowed"):
        compute_check_digit(data)


# ======================================================================================
# Specimens
# ======================================================================================


def test_td3_specimen() -> None:
    result = parse_mrz(TD3_SPECIMEN, today=TODAY)
    assert result.valid
    assert result.format is MrzFormat.TD3
    assert result.document_code.value == "P"
    assert result.issuing_state.value == "UTO"
    assert result.document_number == MrzField(
        "document_number", "L898902C3", "L898902C3", True, "6"
    )
    assert result.nationality.value == "UTO"
    assert result.date_of_birth == MrzField("date_of_birth", "740812", "1974-08-12", True, "2")
    assert result.sex.value == "F"
    assert result.expiry_date == MrzField("expiry_date", "120415", "2012-04-15", True, "9")
    assert result.optional_data == MrzField(
        "optional_data", "ZE184226B<<<<<", "ZE184226B", True, "1"
    )
    assert result.surname.value == "ERIKSSON"
    assert result.given_names.value == "ANNA MARIA"
    assert result.composite_valid is True
    assert not result.repaired


def test_td3_specimen_as_one_string_with_surrounding_whitespace() -> None:
    text = "\n  " + TD3_SPECIMEN[0] + "  \r\n" + TD3_SPECIMEN[1] + "\n\n"
    assert parse_mrz(text, today=TODAY) == parse_mrz(TD3_SPECIMEN, today=TODAY)


def test_td1_specimen() -> None:
    result = parse_mrz(TD1_SPECIMEN, today=TODAY)
    assert result.valid
    assert result.format is MrzFormat.TD1
    assert result.document_code.value == "I"
    assert result.document_number.value == "D23145890"
    assert result.document_number.check_digit == "7"
    assert result.date_of_birth.value == "1974-08-12"
    assert result.expiry_date.value == "2012-04-15"
    assert result.sex.value == "F"
    assert result.nationality.value == "UTO"
    assert result.optional_data.value is None
    assert result.optional_data_2.value is None
    assert result.optional_data.valid is None  # TD1 optional data has no check digit
    assert (result.surname.value, result.given_names.value) == ("ERIKSSON", "ANNA MARIA")
    assert result.composite_valid is True


def test_td2_specimen() -> None:
    result = parse_mrz(TD2_SPECIMEN, today=TODAY)
    assert result.valid
    assert result.format is MrzFormat.TD2
    assert result.document_number.value == "D23145890"
    assert result.date_of_birth.value == "1974-08-12"
    assert result.expiry_date.value == "2012-04-15"
    assert (result.surname.value, result.given_names.value) == ("ERIKSSON", "ANNA MARIA")
    assert result.composite_valid is True


@pytest.mark.parametrize(
    ("lines", "fmt", "optional"),
    [(MRVA_SPECIMEN, MrzFormat.MRV_A, "6ZE184226B"), (MRVB_SPECIMEN, MrzFormat.MRV_B, None)],
)
def test_visa_specimens(lines: list[str], fmt: MrzFormat, optional: str | None) -> None:
    result = parse_mrz(lines, today=TODAY)
    assert result.valid
    assert result.format is fmt
    assert result.document_code.value == "V"
    assert result.document_number.value == "L8988901C"
    assert result.nationality.value == "XXX"
    assert result.date_of_birth.value == "1940-09-07"
    # 2096 is more than 50 years ahead of 2025, so the expiry is 1996.
    assert result.expiry_date.value == "1996-12-10"
    assert result.optional_data.value == optional
    assert result.optional_data.valid is None  # visas define no optional-data check digit
    assert result.composite_valid is None  # and no composite check digit


def test_german_passport_specimen_with_filler_personal_number_check() -> None:
    result = parse_mrz(GERMAN_PASSPORT_SPECIMEN, today=TODAY)
    assert result.valid, result.problems
    assert result.issuing_state.value == "D"
    assert result.nationality.value == "D"
    assert result.document_number.value == "C01X00T47"
    # An empty personal number may carry '<' as its check digit.
    assert result.optional_data.check_digit == "<"
    assert result.optional_data.valid is True


def test_german_id_card_specimen_with_unspecified_sex() -> None:
    result = parse_mrz(GERMAN_ID_CARD_SPECIMEN, today=TODAY)
    assert result.valid, result.problems
    assert result.document_code.value == "ID"
    assert result.sex.value == "X"
    assert result.expiry_date.value == "2020-10-31"


# ======================================================================================
# Round trips across all five formats
# ======================================================================================


@pytest.mark.parametrize("fmt", ICAO_FORMATS)
def test_round_trip_random_identities(fmt: MrzFormat) -> None:
    for case in cases(fmt, 300):
        assert_matches(parse_mrz(case.lines, today=TODAY), case)


@pytest.mark.parametrize("fmt", [MrzFormat.TD1, MrzFormat.TD2])
def test_round_trips_include_long_document_numbers(fmt: MrzFormat) -> None:
    long_cases = [case for case in cases(fmt, 300) if len(case.person.number) > 9]
    assert len(long_cases) > 30  # the generator really exercises the rule
    for case in long_cases:
        number_check = case.lines[0][14] if fmt is MrzFormat.TD1 else case.lines[1][9]
        assert number_check == "<"
        assert_matches(parse_mrz(case.lines, today=TODAY), case)


def _noisy(lines: list[str], rng: random.Random) -> str:
    fillers = ["\u304f", "\u2039", "\u3008", "\uff1c", "<"]
    out = []
    for line in lines:
        chars = []
        for char in line:
            if char == "<":
                chars.append(rng.choice(fillers))
            elif rng.random() < 0.2:
                chars.append(full_width(char))
            elif rng.random() < 0.2:
                chars.append(char.lower())
            else:
                chars.append(char)
            if rng.random() < 0.1:
                chars.append(rng.choice([" ", "\u3000", "\t"]))
        out.append("".join(chars))
    return "\n".join(["Surname / Nom", *out, ""])


@pytest.mark.parametrize("fmt", ICAO_FORMATS)
def test_round_trip_through_ocr_noise(fmt: MrzFormat) -> None:
    rng = random.Random(f"noise-{fmt.value}")
    for case in cases(fmt, 100):
        text = _noisy(case.lines, rng)
        assert normalise_ocr_lines(text) == case.lines, text
        assert_matches(read_mrz(text, today=TODAY), case)


# ======================================================================================
# Tampering: one changed character in a checked field
# ======================================================================================

# Spans written out here (line, start, end including the check digit), not taken from
# the module, so a wrong layout in the module cannot agree with itself.
CHECKED_SPANS: dict[MrzFormat, dict[str, tuple[int, int, int]]] = {
    MrzFormat.TD1: {
        "document_number": (0, 5, 15),
        "date_of_birth": (1, 0, 7),
        "expiry_date": (1, 8, 15),
    },
    MrzFormat.TD2: {
        "document_number": (1, 0, 10),
        "date_of_birth": (1, 13, 20),
        "expiry_date": (1, 21, 28),
    },
    MrzFormat.TD3: {
        "document_number": (1, 0, 10),
        "date_of_birth": (1, 13, 20),
        "expiry_date": (1, 21, 28),
        "optional_data": (1, 28, 43),
    },
    MrzFormat.MRV_A: {
        "document_number": (1, 0, 10),
        "date_of_birth": (1, 13, 20),
        "expiry_date": (1, 21, 28),
    },
    MrzFormat.MRV_B: {
        "document_number": (1, 0, 10),
        "date_of_birth": (1, 13, 20),
        "expiry_date": (1, 21, 28),
    },
}
YOTI_KEY_FOR = {
    "document_number": "document_number",
    "date_of_birth": "date_of_birth",
    "expiry_date": "expiration_date",
}
TAMPER_CASES = [
    (fmt, field, span) for fmt, spans in CHECKED_SPANS.items() for field, span in spans.items()
]


@pytest.mark.parametrize(
    ("fmt", "field", "span"), TAMPER_CASES, ids=[f"{f.value}-{n}" for f, n, _ in TAMPER_CASES]
)
def test_every_character_of_a_checked_field_is_protected(
    fmt: MrzFormat, field: str, span: tuple[int, int, int]
) -> None:
    line, start, end = span
    lines = SPECIMENS[fmt]
    has_composite = fmt in (MrzFormat.TD1, MrzFormat.TD2, MrzFormat.TD3)
    for column in range(start, end):
        tampered = replace_char(lines, line, column, successor(lines[line][column]))
        result = parse_mrz(tampered, today=TODAY)
        where = (fmt, field, column, tampered)
        assert result.fields[field].valid is False, where
        assert not result.valid, where
        assert result.problems_for(field), where
        if has_composite:
            assert result.composite_valid is False, where
        # Nothing else is blamed: the other checked fields still hold.
        for other in CHECKED_SPANS[fmt]:
            if other != field:
                assert result.fields[other].valid is True, (where, other)
        yoti_key = YOTI_KEY_FOR.get(field)
        assert yoti_key is None or yoti_key not in to_document_fields(result), where


@pytest.mark.parametrize(
    ("fmt", "span"),
    [(MrzFormat.TD1, (0, 15, 30)), (MrzFormat.TD1, (1, 18, 29)), (MrzFormat.TD2, (1, 28, 35))],
)
def test_optional_data_without_own_check_digit_is_caught_by_the_composite(
    fmt: MrzFormat, span: tuple[int, int, int]
) -> None:
    line, start, end = span
    lines = SPECIMENS[fmt]
    for column in range(start, end):
        tampered = replace_char(lines, line, column, "7")
        result = parse_mrz(tampered, today=TODAY)
        assert result.composite_valid is False, column
        assert not result.valid
        assert result.problems_for("composite")
        assert result.optional_data.valid is None
        assert result.optional_data_2.valid is None


@pytest.mark.parametrize("fmt", [MrzFormat.TD1, MrzFormat.TD2, MrzFormat.TD3])
def test_tampered_composite_digit(fmt: MrzFormat) -> None:
    lines = SPECIMENS[fmt]
    last = len(lines[1]) - 1
    result = parse_mrz(replace_char(lines, 1, last, successor(lines[1][last])), today=TODAY)
    assert result.composite_valid is False
    assert not result.valid
    assert [p.code for p in result.problems] == [ProblemCode.CHECK_DIGIT]
    assert "composite" in result.problems[0].message
    # The fields' own check digits still hold, so they are still reported valid.
    assert result.document_number.valid is True


def test_visa_optional_data_is_unprotected_and_reported_as_unchecked() -> None:
    tampered = replace_char(MRVA_SPECIMEN, 1, 30, "X")
    result = parse_mrz(tampered, today=TODAY)
    assert result.valid  # ICAO gives visa optional data no check digit
    assert result.optional_data.valid is None
    assert result.optional_data.value == "6ZX184226B"


@pytest.mark.parametrize("fmt", ICAO_FORMATS)
def test_names_nationality_and_sex_are_unchecked_not_valid(fmt: MrzFormat) -> None:
    result = parse_mrz(SPECIMENS[fmt], today=TODAY)
    for name in ("surname", "given_names", "nationality", "sex", "issuing_state"):
        assert result.fields[name].valid is None, name
    # Changing a name letter is therefore invisible to the MRZ's own arithmetic.
    name_line = 2 if fmt is MrzFormat.TD1 else 0
    name_column = 0 if fmt is MrzFormat.TD1 else 5
    lines = replace_char(SPECIMENS[fmt], name_line, name_column, "F")
    changed = parse_mrz(lines, today=TODAY)
    assert changed.valid
    assert changed.surname.value == "FRIKSSON"


# ======================================================================================
# Long document numbers (TD1 and TD2)
# ======================================================================================


def test_td1_long_number_specimen() -> None:
    result = parse_mrz(TD1_LONG_NUMBER_SPECIMEN, today=TODAY)
    assert result.valid, result.problems
    assert result.document_number.value == "D23145890734"
    assert result.document_number.raw == "D23145890734"
    assert result.document_number.check_digit == "9"
    assert result.optional_data.value is None
    assert result.date_of_birth.value == "1934-07-12"
    assert result.expiry_date.value == "1995-07-12"
    assert result.sex.value == "M"
    assert (result.surname.value, result.given_names.value) == ("STEVENSON", "PETER JOHN")


@pytest.mark.parametrize("column", range(15, 19))
def test_td1_long_number_continuation_is_protected(column: int) -> None:
    lines = TD1_LONG_NUMBER_SPECIMEN
    result = parse_mrz(replace_char(lines, 0, column, successor(lines[0][column])), today=TODAY)
    assert result.document_number.valid is False
    assert result.composite_valid is False
    assert not result.valid


def test_long_number_with_optional_data_after_it() -> None:
    person = Identity(
        code="I<",
        state="UTO",
        number="AB1234567890",
        surname="DOE",
        given="JANE",
        nationality="UTO",
        birth="900101",
        sex="F",
        expiry="300101",
        optional="XY12",
    )
    lines = build_td1(person)
    assert lines[0] == "I<UTOAB1234567<890" + check("AB1234567890") + "<XY12<<<<<<"
    result = parse_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    assert result.document_number.value == "AB1234567890"
    assert result.optional_data.value == "XY12"
    assert result.optional_data.raw == "XY12<<<<<<"  # after the number's check digit and filler
    td2 = parse_mrz(build_td2(dataclasses.replace(person, optional="")), today=TODAY)
    assert td2.valid, td2.problems
    assert td2.document_number.value == "AB1234567890"


@pytest.mark.parametrize("optional", ["<<<<<<<<<<<<<<<", "7<<<<<<<<<<<<<<"])
def test_long_number_marker_without_continuation_is_a_problem(optional: str) -> None:
    line1 = "I<UTOD23145890<" + optional
    line2 = TD1_SPECIMEN[1][:29]
    line2 += check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    result = parse_mrz([line1, line2, TD1_SPECIMEN[2]], today=TODAY)
    assert result.document_number.valid is False
    assert not result.valid
    assert result.problems_for("document_number")
    assert "long document number" in result.problems_for("document_number")[0].message


def test_filler_check_digit_is_not_a_long_number_in_td3() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 9, "<")
    result = parse_mrz(lines, today=TODAY)
    assert result.document_number.valid is False
    assert result.document_number.value == "L898902C3"
    assert not result.valid


# ======================================================================================
# Dates
# ======================================================================================


def td3_with_dates(birth: str, expiry: str) -> list[str]:
    person = Identity(
        code="P<",
        state="UTO",
        number="L898902C3",
        surname="ERIKSSON",
        given="ANNA MARIA",
        nationality="UTO",
        birth=birth,
        sex="F",
        expiry=expiry,
    )
    return build_td3(person)


@pytest.mark.parametrize(
    ("raw", "today", "expected"),
    [
        ("740812", TODAY, "1974-08-12"),
        ("100101", TODAY, "2010-01-01"),
        ("100101", dt.date(2009, 12, 31), "1910-01-01"),
        ("250615", TODAY, "2025-06-15"),  # born today: the past includes today
        ("250616", TODAY, "1925-06-16"),  # tomorrow in 2025 is impossible, so 1925
        ("000229", TODAY, "2000-02-29"),
        ("991231", TODAY, "1999-12-31"),
    ],
)
def test_birth_date_century(raw: str, today: dt.date, expected: str) -> None:
    result = parse_mrz(td3_with_dates(raw, "300101"), today=today)
    assert result.date_of_birth.value == expected
    assert result.date_of_birth.valid is True
    assert result.valid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("120415", "2012-04-15"),
        ("350101", "2035-01-01"),
        ("750615", "2075-06-15"),  # exactly 50 years ahead: still this century
        ("760101", "1976-01-01"),  # further than 50 years ahead: last century
        ("991231", "1999-12-31"),
    ],
)
def test_expiry_date_century(raw: str, expected: str) -> None:
    result = parse_mrz(td3_with_dates("740812", raw), today=TODAY)
    assert result.expiry_date.value == expected
    assert result.valid


@pytest.mark.parametrize(
    ("birth", "expiry", "field"),
    [
        ("741312", "300101", "date_of_birth"),  # month 13
        ("740230", "300101", "date_of_birth"),  # 30 February
        ("740800", "300101", "date_of_birth"),  # day 0
        ("010229", "300101", "date_of_birth"),  # 2001 and 1901 are not leap years
        ("740812", "301301", "expiry_date"),
        ("740812", "300132", "expiry_date"),
    ],
)
def test_impossible_dates_are_problems_not_exceptions(birth: str, expiry: str, field: str) -> None:
    # Check digits are computed over the impossible dates, so only the date itself is wrong.
    result = parse_mrz(td3_with_dates(birth, expiry), today=TODAY)
    assert result.fields[field].valid is False
    assert result.fields[field].value is None
    assert not result.valid
    assert [p.code for p in result.problems] == [ProblemCode.DATE]
    assert result.problems[0].field == field
    assert "calendar date" in result.problems[0].message
    assert YOTI_KEY_FOR[field] not in to_document_fields(result)


@pytest.mark.parametrize("birth", ["<<<<<<", "7408<<", "74<<<<"])
def test_unknown_dates_filled_with_fillers(birth: str) -> None:
    result = parse_mrz(td3_with_dates(birth, "300101"), today=TODAY)
    assert result.valid, result.problems
    assert result.date_of_birth.value is None
    assert result.date_of_birth.valid is True
    assert "date_of_birth" not in to_document_fields(result)


def test_unknown_date_with_a_wrong_check_digit_is_invalid() -> None:
    lines = replace_char(td3_with_dates("<<<<<<", "300101"), 1, 19, "3")
    result = parse_mrz(lines, today=TODAY)
    assert result.date_of_birth.valid is False
    assert not result.valid


def test_letters_in_a_date_are_reported() -> None:
    result = parse_mrz(td3_with_dates("74A812", "300101"), today=TODAY)
    assert result.date_of_birth.valid is False
    assert ProblemCode.CHARACTER in {p.code for p in result.problems_for("date_of_birth")}


def test_today_defaults_to_the_current_date() -> None:
    result = parse_mrz(TD3_SPECIMEN)
    assert result.date_of_birth.value == "1974-08-12"
    assert result.valid


# ======================================================================================
# OCR normalisation
# ======================================================================================


def test_hiragana_ku_fillers() -> None:
    text = "\n".join(line.replace("<", "\u304f") for line in TD3_SPECIMEN)
    assert normalise_ocr_lines(text) == TD3_SPECIMEN
    assert read_mrz(text, today=TODAY).valid


@pytest.mark.parametrize("glyph", ["\u2039", "\u3008", "\u2329", "\uff1c", "\ufe64"])
def test_other_single_filler_lookalikes(glyph: str) -> None:
    lines = [line.replace("<", glyph) for line in TD1_SPECIMEN]
    assert normalise_ocr_lines(lines) == TD1_SPECIMEN


def test_double_chevron_counts_as_two_fillers() -> None:
    text = "\n".join(line.replace("<<", "\u00ab") for line in TD3_SPECIMEN)
    assert normalise_ocr_lines(text) == TD3_SPECIMEN


def test_full_width_characters() -> None:
    text = "\n".join(full_width(line) for line in TD2_SPECIMEN)
    assert text != "\n".join(TD2_SPECIMEN)
    assert normalise_ocr_lines(text) == TD2_SPECIMEN


def test_spaces_and_lowercase_inside_lines() -> None:
    lines = [
        " p<uto ERIKSSON << ANNA <MARIA <<<<<<<<<<<<<<<<<<< ",
        "L898902C3 6 UTO 740812 2 F 120415 9 ZE184226B <<<<< 1 0",
    ]
    assert normalise_ocr_lines(lines) == TD3_SPECIMEN


def test_mrz_is_picked_out_of_surrounding_text() -> None:
    text = "\n".join(
        [
            "PASSPORT  PASSEPORT",
            "Type/Type P   Code/Code UTO",
            "Surname/Nom ERIKSSON",
            "Given names/Prenoms ANNA MARIA",
            "12 AUG/AOUT 74",
            *TD3_SPECIMEN,
            "",
        ]
    )
    assert normalise_ocr_lines(text) == TD3_SPECIMEN


def test_mrz_run_together_on_one_line_is_split() -> None:
    assert normalise_ocr_lines(" ".join(TD3_SPECIMEN)) == TD3_SPECIMEN
    assert normalise_ocr_lines("".join(TD1_SPECIMEN)) == TD1_SPECIMEN


def test_miscounted_trailing_fillers_are_fixed() -> None:
    short = [TD3_SPECIMEN[0][:-4], TD3_SPECIMEN[1]]
    long = [TD3_SPECIMEN[0] + "<<<", TD3_SPECIMEN[1]]
    assert normalise_ocr_lines(short) == TD3_SPECIMEN
    assert normalise_ocr_lines(long) == TD3_SPECIMEN
    td1 = [TD1_SPECIMEN[0][:-2], TD1_SPECIMEN[1], TD1_SPECIMEN[2] + "<<"]
    assert normalise_ocr_lines(td1) == TD1_SPECIMEN


def test_lost_characters_that_are_not_trailing_fillers_are_not_invented() -> None:
    damaged = [TD3_SPECIMEN[0], TD3_SPECIMEN[1][:-1]]  # ends in a digit: cannot pad
    assert normalise_ocr_lines(damaged) == damaged
    result = read_mrz(damaged, today=TODAY)
    assert result.format is None
    assert [p.code for p in result.problems] == [ProblemCode.SHAPE]


def test_lowest_mrz_on_the_page_wins() -> None:
    text = "\n".join([*TD3_SPECIMEN, "Observations", *GERMAN_PASSPORT_SPECIMEN, "page 2"])
    assert normalise_ocr_lines(text) == GERMAN_PASSPORT_SPECIMEN


def test_generator_input() -> None:
    assert normalise_ocr_lines(line for line in MRVB_SPECIMEN) == MRVB_SPECIMEN


def test_exact_line_lengths_win_over_trimmed_ones() -> None:
    person = Identity("V<", "UTO", "L8988901C", "DOE", "", "UTO", "800101", "M", "300101")
    lines = build_visa(person, 44)
    # Both lines end in more than eight fillers, so they could be trimmed to an MRV-B...
    assert lines[0].endswith("<" * 8)
    assert lines[1].endswith("<" * 8)
    # ...but the reading that needs no trimming is preferred.
    assert normalise_ocr_lines(lines) == lines
    assert read_mrz(lines, today=TODAY).format is MrzFormat.MRV_A


@pytest.mark.parametrize("text", ["", "   \n\t\n", "\u304f\u304f", "hello world"])
def test_normalise_without_an_mrz(text: str) -> None:
    lines = normalise_ocr_lines(text)
    assert all(set(line) <= set(ALNUM + "<") for line in lines)
    result = parse_mrz(lines, today=TODAY)
    assert result.format is None
    assert not result.valid


# ======================================================================================
# Conservative repair
# ======================================================================================


def test_letter_in_date_is_repaired_when_the_check_digit_confirms_it() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 15, "O")  # 740812 read as 74O812
    assert not parse_mrz(lines, today=TODAY).valid
    result = parse_mrz(lines, today=TODAY, repair=True)
    assert result.valid, result.problems
    assert result.repaired
    assert result.date_of_birth.repaired
    assert result.date_of_birth.value == "1974-08-12"
    assert not result.document_number.repaired
    assert [(r.field, r.line, r.position, r.original, r.replacement) for r in result.repairs] == [
        ("date_of_birth", 2, 16, "O", "0")
    ]
    assert "line 2 position 16" in result.repairs[0].message
    assert result.lines == tuple(TD3_SPECIMEN)


def test_several_letters_and_check_digits_are_repaired() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 9, "G")  # number check 6
    lines = replace_char(lines, 1, 21, "I")  # expiry 120415
    lines = replace_char(lines, 1, 26, "S")
    lines = replace_char(lines, 1, 43, "O")  # composite 0
    lines = replace_char(lines, 1, 19, "Z")  # birth check 2
    result = read_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    assert result.lines == tuple(TD3_SPECIMEN)
    assert {r.field for r in result.repairs} == {
        "document_number",
        "date_of_birth",
        "expiry_date",
        "composite",
    }


def test_td1_repair_with_eight_and_one() -> None:
    lines = replace_char(TD1_SPECIMEN, 1, 4, "I")  # 740812 -> 7408I2
    lines = replace_char(lines, 1, 3, "B")  # -> 740BI2
    result = read_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    assert result.date_of_birth.value == "1974-08-12"
    assert len(result.repairs) == 2


def test_repair_is_refused_when_the_check_digit_still_fails() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 15, "O")
    lines = replace_char(lines, 1, 18, "3")  # 74O813: O->0 gives 740813, check 2 fails
    result = parse_mrz(lines, today=TODAY, repair=True)
    assert not result.repaired
    assert result.date_of_birth.valid is False
    assert result.date_of_birth.raw == "74O813"
    assert result.lines == tuple(lines)
    assert not result.valid


def test_repair_never_touches_alphanumeric_or_alphabetic_fields() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 5, "O")  # number L898902C3 -> L8989O2C3
    lines = replace_char(lines, 1, 12, "0")  # nationality UTO -> UT0
    result = parse_mrz(lines, today=TODAY, repair=True)
    assert not result.repaired
    assert result.document_number.valid is False
    assert result.nationality.valid is False
    assert ProblemCode.COUNTRY_CODE in {p.code for p in result.problems}
    assert "nationality" not in to_document_fields(result)


def test_a_letter_code_no_state_has_is_not_trusted() -> None:
    # 'NLD' misread as 'NLO': letters only, no check digit covers it (a real false accept
    # of the document benchmark before this rule).
    lines = replace_char(TD3_SPECIMEN, 1, 11, "Q")  # nationality UTO -> UQO, no state's code
    result = parse_mrz(lines, today=TODAY)
    assert result.nationality.valid is False
    assert result.nationality.value == "UQO"
    assert [p.field for p in result.problems] == ["nationality"]
    assert "not a country code" in result.problems[0].message
    assert not result.valid


@pytest.mark.parametrize("code", ["D<<", "GBD", "XXA", "UNO", "EUE", "NLD", "RKS"])
def test_codes_icao_adds_to_iso_3166_are_accepted(code: str) -> None:
    lines = [TD3_SPECIMEN[0][:2] + code + TD3_SPECIMEN[0][5:], TD3_SPECIMEN[1]]
    result = parse_mrz(lines, today=TODAY)
    assert result.issuing_state.valid is None, result.problems
    assert result.valid


def test_read_mrz_can_skip_repair() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 15, "O")
    assert read_mrz(lines, today=TODAY).valid
    assert not read_mrz(lines, today=TODAY, repair=False).valid


# ======================================================================================
# Bad input never raises
# ======================================================================================


@pytest.mark.parametrize(
    "mrz",
    [
        "",
        "   ",
        "\n\n",
        "garbage",
        [],
        ["P<UTO"],
        [TD3_SPECIMEN[0][:-1], TD3_SPECIMEN[1]],
        [TD3_SPECIMEN[0], TD3_SPECIMEN[1] + "<"],
        [TD3_SPECIMEN[0], TD2_SPECIMEN[1]],
        [*TD1_SPECIMEN[:2], TD1_SPECIMEN[2][:-1]],
        [*TD1_SPECIMEN, TD1_SPECIMEN[2]],
        TD1_SPECIMEN[:2],
        ["".join(TD3_SPECIMEN)],  # the strict parser does not split run-together lines
    ],
)
def test_wrong_shapes_are_reported(mrz: str | list[str]) -> None:
    result = parse_mrz(mrz, today=TODAY)
    assert result.format is None
    assert not result.valid
    assert [p.code for p in result.problems] == [ProblemCode.SHAPE]
    assert "expected 3 lines of 30" in result.problems[0].message
    assert all(field.valid is False for field in result.fields.values())
    assert all(field.value is None for field in result.fields.values())
    assert to_document_fields(result) == {}


def test_check_digit_problem_says_what_was_expected() -> None:
    result = parse_mrz(replace_char(TD3_SPECIMEN, 1, 27, "4"), today=TODAY)
    (problem,) = result.problems_for("expiry_date")
    assert problem.code is ProblemCode.CHECK_DIGIT
    assert str(problem) == "expiry date check digit is 4 but '120415' computes to 9"


def test_overall_validity_never_ignores_a_failed_composite_or_field() -> None:
    failed = parse_mrz(replace_char(TD3_SPECIMEN, 1, 43, "1"), today=TODAY)
    assert not dataclasses.replace(failed, problems=()).valid
    good = parse_mrz(TD3_SPECIMEN, today=TODAY)
    broken_field = dataclasses.replace(good.sex, valid=False)
    assert not dataclasses.replace(good, sex=broken_field).valid


def test_lowercase_is_rejected_by_the_strict_parser() -> None:
    result = parse_mrz([line.lower() for line in TD3_SPECIMEN], today=TODAY)
    assert result.format is MrzFormat.TD3
    assert not result.valid
    assert ProblemCode.CHARACTER in {p.code for p in result.problems}
    assert result.document_number.valid is False


def test_non_mrz_characters_in_check_digit_arithmetic_do_not_raise() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 2, "\u304f")
    result = parse_mrz(lines, today=TODAY)
    assert result.document_number.valid is False
    assert result.composite_valid is False
    messages = " ".join(str(problem) for problem in result.problems)
    assert "cannot be computed" in messages


@pytest.mark.parametrize("alphabet", [ALNUM + "<", ALNUM + "<" + "a\u304f -\u00e9"])
def test_fuzz_never_raises(alphabet: str) -> None:
    rng = random.Random(f"fuzz-{alphabet}")
    shapes = [(30, 3), (36, 2), (44, 2), (44, 3), (29, 3)]
    for _ in range(1500):
        width, count = rng.choice(shapes)
        lines = ["".join(rng.choice(alphabet) for _ in range(width)) for _ in range(count)]
        if rng.random() < 0.5:
            lines[0] = rng.choice("PVIAC") + lines[0][1:]
        result = parse_mrz(lines, today=TODAY, repair=rng.random() < 0.5)
        assert isinstance(result.valid, bool)
        if result.valid:  # vanishingly rare; then every checked field must hold
            assert result.document_number.valid is True
            assert result.date_of_birth.valid is True
        else:
            assert result.problems
        to_document_fields(result)
        read_mrz("\n".join(lines), today=TODAY)


@pytest.mark.parametrize(
    ("lines", "code", "field"),
    [
        (replace_char(TD3_SPECIMEN, 0, 0, "I"), ProblemCode.DOCUMENT_CODE, "document_code"),
        (replace_char(TD2_SPECIMEN, 0, 0, "P"), ProblemCode.DOCUMENT_CODE, "document_code"),
        (replace_char(TD1_SPECIMEN, 0, 0, "X"), ProblemCode.DOCUMENT_CODE, "document_code"),
        (replace_char(TD3_SPECIMEN, 0, 1, "7"), ProblemCode.CHARACTER, "document_code"),
        (replace_char(TD3_SPECIMEN, 0, 2, "<"), ProblemCode.COUNTRY_CODE, "issuing_state"),
        (replace_char(TD3_SPECIMEN, 1, 20, "Z"), ProblemCode.SEX, "sex"),
        (replace_char(TD3_SPECIMEN, 0, 8, "1"), ProblemCode.CHARACTER, "surname"),
        ([TD3_SPECIMEN[0][:5] + "<" * 39, TD3_SPECIMEN[1]], ProblemCode.MISSING, "surname"),
    ],
)
def test_malformed_unchecked_fields(lines: list[str], code: ProblemCode, field: str) -> None:
    result = parse_mrz(lines, today=TODAY)
    assert [(p.code, p.field) for p in result.problems] == [(code, field)]
    assert result.fields[field].valid is False
    assert not result.valid
    assert field not in to_document_fields(result)


def test_sex_x_is_accepted_as_unspecified() -> None:
    result = parse_mrz(replace_char(TD3_SPECIMEN, 1, 20, "X"), today=TODAY)
    assert result.sex.value == "X"
    assert result.valid


def test_empty_document_number_is_missing() -> None:
    person = Identity("P<", "UTO", "", "DOE", "JOHN", "UTO", "800101", "M", "300101")
    result = parse_mrz(build_td3(person), today=TODAY)
    assert ProblemCode.MISSING in {p.code for p in result.problems_for("document_number")}
    assert result.document_number.valid is False
    assert not result.valid


@pytest.mark.parametrize("check_char", ["<", "0"])
def test_td3_empty_personal_number_check_digit(check_char: str) -> None:
    lines = replace_char(GERMAN_PASSPORT_SPECIMEN, 1, 42, check_char)
    line2 = lines[1][:43] + check(lines[1][0:10] + lines[1][13:20] + lines[1][21:43])
    result = parse_mrz([lines[0], line2], today=TODAY)
    assert result.valid, result.problems
    assert result.optional_data.valid is True


def test_td3_filled_personal_number_needs_a_real_check_digit() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 42, "<")
    result = parse_mrz(lines, today=TODAY)
    assert result.optional_data.valid is False
    assert "not a digit" in result.problems_for("optional_data")[0].message


def test_single_name_and_multi_word_surname() -> None:
    person = Identity("P<", "UTO", "X1", "VAN DER BERG", "", "UTO", "800101", "M", "300101")
    result = parse_mrz(build_td3(person), today=TODAY)
    assert result.valid
    assert result.surname.value == "VAN DER BERG"
    assert result.given_names.value is None
    fields = to_document_fields(result)
    assert fields["full_name"] == "VAN DER BERG"
    assert "given_names" not in fields


# ======================================================================================
# French national identity card (1988-2021): a national 2 x 36 layout, not ICAO TD2
# ======================================================================================


def _french_card(surname: str, given: str, number: str, birth: str, sex: str) -> list[str]:
    """Built from the card's own layout with this file's check-digit code: "IDFRA", the
    surname (25), department and office (6); the number (12) and its check digit, the given
    names (14), the birth date and its check digit, the sex, a check digit over both lines."""
    line1 = ("IDFRA" + surname).ljust(30, "<") + "<<<<<<"
    body = number + check(number) + given.ljust(14, "<") + birth + check(birth) + sex
    return [line1, body + check(line1 + body)]


# The specimen card (BERTHIER Corinne) as printed; its check digits hold.
FRENCH_SPECIMEN = ["IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "9409923102854CORINNE<<<<<<<6512068F4"]


def test_french_national_id_specimen() -> None:
    assert _french_card("BERTHIER", "CORINNE", "940992310285", "651206", "F") == FRENCH_SPECIMEN
    result = parse_mrz(FRENCH_SPECIMEN, today=TODAY)
    assert result.valid, result.problems
    assert result.format is MrzFormat.FRA_CNI
    assert result.document_number.value == "940992310285"
    assert result.document_number.valid is True
    assert result.surname.value == "BERTHIER"
    assert result.given_names.value == "CORINNE"
    assert result.date_of_birth.value == "1965-12-06"
    assert result.date_of_birth.valid is True
    assert result.composite_valid is True
    # Not in the layout, so not reported: no nationality, no expiry date.
    assert result.nationality.value is None
    assert result.expiry_date.value is None
    fields = to_document_fields(result)
    assert fields["issuing_country"] == "FRA"
    assert fields["document_type"] == "NATIONAL_ID"
    assert fields["family_name"] == "BERTHIER"
    assert "nationality" not in fields
    assert "expiration_date" not in fields


def test_french_national_id_given_names_split_at_double_fillers() -> None:
    lines = _french_card("DE<LA<TOUR", "JEAN<<PIERRE", "120675012345", "800229", "M")
    result = parse_mrz(lines, today=TODAY)
    assert result.valid, result.problems
    assert result.surname.value == "DE LA TOUR"
    assert result.given_names.value == "JEAN PIERRE"


@pytest.mark.parametrize(
    ("line", "position", "field"),
    [(1, 3, "document_number"), (1, 30, "date_of_birth"), (0, 8, "composite")],
)
def test_french_national_id_check_digits_catch_one_change(
    line: int, position: int, field: str
) -> None:
    lines = list(FRENCH_SPECIMEN)
    original = lines[line][position]
    replacement = "7" if original.isdigit() else "X"
    lines[line] = lines[line][:position] + replacement + lines[line][position + 1 :]
    result = parse_mrz(lines, today=TODAY)
    assert result.format is MrzFormat.FRA_CNI
    assert not result.valid
    assert field in {problem.field for problem in result.problems}


def test_an_icao_td2_from_france_stays_td2() -> None:
    # A TD2 zone that opens IDFRA but fits TD2 (its check digits hold there) is read as TD2.
    number, birth, expiry = "X4RTBPFW4", "900101", "300101"
    line2 = number + check(number) + "FRA" + birth + check(birth) + "F" + expiry
    line2 += check(expiry) + "<" * 7
    line2 += check(line2[0:10] + line2[13:20] + line2[21:35])
    result = parse_mrz(["IDFRAMARTIN<<ALICE".ljust(36, "<"), line2], today=TODAY)
    assert result.format is MrzFormat.TD2
    assert result.valid, result.problems


# ======================================================================================
# Yoti document_fields
# ======================================================================================

YOTI_KEYS = {
    "full_name",
    "given_names",
    "family_name",
    "date_of_birth",
    "nationality",
    "gender",
    "document_number",
    "expiration_date",
    "issuing_country",
    "document_type",
    "mrz",
}


def test_document_fields_for_the_td3_specimen() -> None:
    fields = to_document_fields(parse_mrz(TD3_SPECIMEN, today=TODAY))
    assert fields == {
        "full_name": "ANNA MARIA ERIKSSON",
        "given_names": "ANNA MARIA",
        "family_name": "ERIKSSON",
        "date_of_birth": "1974-08-12",
        "nationality": "UTO",
        "gender": "FEMALE",
        "document_number": "L898902C3",
        "expiration_date": "2012-04-15",
        "issuing_country": "UTO",
        "document_type": "PASSPORT",
        "mrz": {"type": 2, "line1": TD3_SPECIMEN[0], "line2": TD3_SPECIMEN[1]},
    }
    assert json.loads(json.dumps(fields)) == fields


def test_document_fields_for_a_german_id_card() -> None:
    fields = to_document_fields(parse_mrz(GERMAN_ID_CARD_SPECIMEN, today=TODAY))
    assert fields["nationality"] == "DEU"
    assert fields["issuing_country"] == "DEU"
    assert fields["document_type"] == "NATIONAL_ID"
    assert "gender" not in fields  # '<' is "unspecified", not OTHER
    assert fields["mrz"] == {
        "type": 1,
        "line1": GERMAN_ID_CARD_SPECIMEN[0],
        "line2": GERMAN_ID_CARD_SPECIMEN[1],
        "line3": GERMAN_ID_CARD_SPECIMEN[2],
    }


@pytest.mark.parametrize(
    ("lines", "document_type", "mrz_type", "gender"),
    [
        (TD1_SPECIMEN, "NATIONAL_ID", 1, "FEMALE"),
        (TD2_SPECIMEN, "NATIONAL_ID", 4, "FEMALE"),
        (TD3_SPECIMEN, "PASSPORT", 2, "FEMALE"),
        (MRVA_SPECIMEN, "VISA", 2, "FEMALE"),
        (MRVB_SPECIMEN, "VISA", 4, "FEMALE"),
        (TD1_LONG_NUMBER_SPECIMEN, "NATIONAL_ID", 1, "MALE"),
        (GERMAN_PASSPORT_SPECIMEN, "PASSPORT", 2, "FEMALE"),
    ],
)
def test_document_fields_types(
    lines: list[str], document_type: str, mrz_type: int, gender: str
) -> None:
    fields = to_document_fields(parse_mrz(lines, today=TODAY))
    assert set(fields) <= YOTI_KEYS
    assert fields["document_type"] == document_type
    assert fields["mrz"]["type"] == mrz_type
    assert fields["gender"] == gender
    assert ("line3" in fields["mrz"]) is (len(lines) == 3)


@pytest.mark.parametrize("code", ["A<", "C<", "IR"])
def test_other_card_codes_are_national_ids(code: str) -> None:
    lines = [code + TD1_SPECIMEN[0][2:], *TD1_SPECIMEN[1:]]
    fields = to_document_fields(parse_mrz(lines, today=TODAY))
    assert fields["document_type"] == "NATIONAL_ID"


def test_failed_fields_are_left_out_of_document_fields() -> None:
    lines = replace_char(TD3_SPECIMEN, 1, 14, "5")  # birth 740812 -> 750812, check fails
    result = parse_mrz(lines, today=TODAY)
    assert not result.valid
    fields = to_document_fields(result)
    assert "date_of_birth" not in fields
    assert fields["document_number"] == "L898902C3"
    assert fields["expiration_date"] == "2012-04-15"


def test_document_fields_follow_generated_identities() -> None:
    for case in cases(MrzFormat.TD3, 50):
        fields = to_document_fields(parse_mrz(case.lines, today=TODAY))
        person = case.person
        assert fields["document_number"] == person.number
        assert fields["date_of_birth"] == case.birth.isoformat()
        assert fields["expiration_date"] == case.expiry.isoformat()
        assert fields["family_name"] == person.surname
        assert fields.get("gender") == {"M": "MALE", "F": "FEMALE", "<": None}[person.sex]
        expected_nationality = "DEU" if person.nationality == "D" else person.nationality
        assert fields["nationality"] == expected_nationality


# ======================================================================================
# Module hygiene
# ======================================================================================


def _imported_modules(path: str) -> set[str]:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            assert node.module is not None
            imported.add(node.module)
    return imported


def test_module_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    own = {"openidv.vision.country_codes"}  # a table, itself standard library only
    assert mrz_module.__file__ is not None
    package = Path(mrz_module.__file__).parent
    for path in sorted(package.glob("*.py")):
        # The package's own modules, each standard library only too.
        imported = {
            n for n in _imported_modules(str(path)) if not n.startswith("openidv.vision.mrz")
        }
        assert {name.split(".")[0] for name in imported - own} <= allowed, (path.name, imported)
    for name in own:
        module_file = importlib.import_module(name).__file__
        assert module_file is not None
        assert {n.split(".")[0] for n in _imported_modules(module_file)} <= allowed
