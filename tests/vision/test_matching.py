"""Printed values compared with the MRZ as issuers write them (transliterate, matching)."""

# ruff: noqa: RUF001 - Cyrillic look-alikes of Latin letters, on purpose

from __future__ import annotations

import numpy as np
import pytest

from openidv.vision.documents.dates import parse_date, printed_dates
from openidv.vision.documents.matching import find_mrz_values, may_hold_mrz_value
from openidv.vision.documents.ocr import TextBox
from openidv.vision.documents.transliterate import same_name, same_number
from openidv.vision.mrz import parse_mrz

# A TD3 specimen of our own making: every check digit holds.
PASSPORT = (
    "P<UTOMAENNIK<<MARI<LIIS<<<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO1101018F2506159ZE184226B<<<<<12",
)


def _box(text: str, score: float = 0.95, row: int = 0) -> TextBox:
    quad = np.array([[0, row], [300, row], [300, row + 30], [0, row + 30]], np.float32)
    return TextBox(quad, text, score)


@pytest.mark.parametrize(
    ("printed", "mrz", "same"),
    [
        ("MÄNNIK", "MAENNIK", True),  # ICAO 9303 Part 3: Ä -> AE ...
        ("MÄNNIK", "MANNIK", True),  # ... or A, as some issuers write it
        ("MARI-LIIS", "MARI<LIIS", True),
        ("O'SULLIVAN", "OSULLIVAN", True),
        ("GROẞ", "GROSS", True),
        ("ØSTERGÅRD", "OESTERGAARD", True),
        ("ИВАНОВ", "IVANOV", True),  # Cyrillic, transliterated
        ("ΠΑΠΑΔΟΠΟΥΛΟΣ", "PAPADOPOYLOS", True),  # Greek, transliterated
        ("СОРНІА", "COPHIA", True),  # Cyrillic capitals read for the Latin ones they look like
        ("S0PHIE", "SOPHIE", True),  # a zero read for an O
        ("MUSTERFRAU", "MUSTERMANN", False),
        ("ERIKA", "ERIK", False),
    ],
)
def test_names_agree_by_sound_or_shape(printed: str, mrz: str, same: bool) -> None:
    assert same_name(printed, mrz) is same


def test_a_truncated_mrz_name_agrees_with_the_whole_printed_one() -> None:
    assert same_name("WOLFESCHLEGELSTEINHAUSEN", "WOLFESCHLEGEL", truncated=True)
    assert not same_name("WOLFESCHLEGELSTEINHAUSEN", "WOLFESCHLEGEL")


def test_numbers_agree_through_spaces_and_look_alikes_but_not_g_and_6() -> None:
    assert same_number("C01YPTNHM", "CO1YPTNHM")
    assert same_number("X 1234 567", "X1234567")
    # G and 6 weigh the same in a check digit: only the printed number can tell them apart,
    # so they never agree by shape.
    assert not same_number("G24718663", "624718663")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("12 AUG/AOÛT 1964", (1964, 8, 12)),
        ("12.08.1964", (1964, 8, 12)),
        ("12 08 1964", (1964, 8, 12)),
        ("07 DEC /DEC 84", (84, 12, 7)),
        ("31 DES/DEC 66", (66, 12, 31)),  # the issuer's month first, then the English one
        ("04 BEA/MAY1988", (1988, 5, 4)),
        ("21.121971", (1971, 12, 21)),  # the separator before the year lost
        ("O1.O8.1964", (1964, 8, 1)),  # letters read for digits
        ("1964-08-12", (1964, 8, 12)),
        ("23111959", (1959, 11, 23)),  # every separator lost (printed 23 11 1959)
    ],
)
def test_dates_as_documents_print_them(text: str, date: tuple[int, int, int]) -> None:
    assert date in printed_dates(text)


def test_a_personal_number_is_no_date() -> None:
    assert printed_dates("311266-9539") == set()
    # Eight digits inside a longer run of digits are a number, not a date run together.
    assert printed_dates("45911231023") == set()
    assert printed_dates("1971123456782") == set()


def test_a_date_run_together_is_no_value_read_under_a_caption() -> None:
    # Only a date the MRZ gives may be found in eight bare digits; a caption's value is
    # parsed as printed (a document number under a date caption is no date).
    assert parse_date("23111959") is None


def test_the_mrz_values_are_found_on_any_line_whatever_the_caption() -> None:
    mrz = parse_mrz(PASSPORT)
    assert mrz.valid
    boxes = [
        _box("1. Perekonnanimi/Surname/Nom", row=0),
        _box("[A] MÄNNIK", row=40),  # a caption fragment read into the value
        _box("2MARI-LIIS", row=80),  # a field number printed against it
        _box("L898902C3", row=120),
        _box("01 JAN/JAN 1911", row=160),
        _box("15.06.2025", row=200),
    ]
    found = find_mrz_values(mrz, boxes)
    assert set(found) == {
        "surname", "given_names", "document_number", "date_of_birth", "expiry_date"
    }  # fmt: skip
    assert all(field.matches_mrz for field in found.values())
    # The MRZ's two-digit year is a guess (2011 on a document valid in 2012): the print says.
    assert mrz.date_of_birth.value is not None
    assert found["date_of_birth"].value == "1911-01-01"


def test_an_altered_printed_value_is_not_found() -> None:
    mrz = parse_mrz(PASSPORT)
    found = find_mrz_values(mrz, [_box("MUSTERMANN"), _box("MARIA"), _box("02 JAN 1911")])
    assert found == {}


def test_lines_cut_short_are_read_whole_only_when_they_may_hold_a_value() -> None:
    mrz = parse_mrz(PASSPORT)
    assert may_hold_mrz_value(mrz, "Surname MAENN")
    assert may_hold_mrz_value(mrz, "Date 01 JAN")
    assert not may_hold_mrz_value(mrz, "Place of birth / Lieu")


def test_a_number_cut_to_the_nine_mrz_positions_agrees_with_the_longer_printed_one() -> None:
    # A visa's MRZ holds the first nine characters of a longer printed number.
    mrz = parse_mrz(PASSPORT)
    assert mrz.valid and mrz.document_number.value == "L898902C3"
    for printed, agrees in (
        ("L898902C312", True),
        ("L898902C3", True),
        ("L898902C", False),  # shorter: a character missing, not a number cut
        ("L898902C31234", False),  # runs on too far to be the same number
        ("X898902C312", False),
    ):
        found = find_mrz_values(mrz, [_box(printed)], ["document_number"])
        assert ("document_number" in found) is agrees, printed


def test_a_td1_number_is_never_taken_as_cut() -> None:
    # A TD1 card carries the rest of a longer number in its optional data: the printed
    # number must be the MRZ's whole.
    mrz = parse_mrz(
        (
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        )
    )
    assert mrz.valid and mrz.document_number.value == "D23145890"
    assert find_mrz_values(mrz, [_box("D2314589012")], ["document_number"]) == {}


def _at(text: str, left: float, top: float, width: float, height: float) -> TextBox:
    quad = np.array(
        [[left, top], [left + width, top], [left + width, top + height], [left, top + height]],
        np.float32,
    )
    return TextBox(quad, text, 0.95)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("19OKT/OCT 1971", (1971, 10, 19)),  # the day glued to the month
        ("1COKT/OCT 1971", (1971, 10, 10)),  # ... a C read for its 0
        ("O7DEC 84", (84, 12, 7)),
        ("12 0CT 1964", (1964, 10, 12)),  # a zero read for the month's O
        ("12 N0V/NOV 64", (64, 11, 12)),
        ("2SEPT 1980", (1980, 9, 2)),  # a one-digit day before a month beginning with S
        ("17 RGS 1980", (1980, 9, 17)),  # Lithuanian
        ("03 GRU 1990", (1990, 12, 3)),  # Polish
        ("1 DETS 1999", (1999, 12, 1)),  # Estonian
        ("26 MAÍ/MAY 09", (9, 5, 26)),  # Icelandic
    ],
)
def test_dates_read_through_ocr_confusions(text: str, date: tuple[int, int, int]) -> None:
    assert date in printed_dates(text)


def test_a_confusion_never_stands_for_another_digit() -> None:
    # Each look-alike stands for one digit: "1C" is the 10th, never the 19th the MRZ may
    # say (a 9 hidden under a stamp), and a day glued to a word that names no month is no
    # shorter day (not the 1st).
    assert printed_dates("1COKT/OCT 1971") == {(1971, 10, 10)}
    assert printed_dates("1SOKT/OCT 1971") == {(1971, 10, 15)}
    # A word two languages use for different months is not read at all (LIS: October in
    # Croatian, November in Polish).
    assert printed_dates("12 LIS 1990") == set()


def test_a_year_split_off_its_date_joins_it_on_the_same_line() -> None:
    mrz = parse_mrz(PASSPORT)
    boxes = [
        _at("01 JAN/JAN", 0, 100, 180, 40),
        _at("1911", 240, 108, 80, 28),  # further right, a smaller box of the same line
        _at("1911", 0, 300, 80, 28),  # another line: never joined
    ]
    found = find_mrz_values(mrz, boxes, ["date_of_birth"])
    assert found["date_of_birth"].value == "1911-01-01"
    # The lines below each other are not one line.
    below = [_at("01 JAN/JAN", 0, 100, 180, 40), _at("1911", 0, 150, 80, 28)]
    assert find_mrz_values(mrz, below, ["date_of_birth"]) == {}


def test_a_number_printed_as_series_and_number() -> None:
    mrz = parse_mrz(PASSPORT)
    found = find_mrz_values(mrz, [_box("SERIA L898 NR 902C3")], ["document_number"])
    assert "document_number" in found
    assert find_mrz_values(mrz, [_box("SERIA L898 NR 902C4")], ["document_number"]) == {}


def test_thorn_and_ash_read_as_latin_letters() -> None:
    # A recogniser reads a printed Þ as P and the ligature Æ as E; the MRZ writes TH, AE.
    assert same_name("PURIDUR", "THURIDUR")
    assert same_name("EVARSDÓTTIR", "AEVARSDOTTIR")
    assert same_name("ÆVARSDÓTTIR", "AEVARSDOTTIR")
    # Only the MRZ's TH and AE are read so, not any printed P or E.
    assert not same_name("SMITH", "SMIP")
    assert not same_name("EVANS", "EVENS")
