"""The printed zone's reads as evidence: lines read only in part, dates of birth encoded in
national personal numbers (`printed`, `matching`, `personal_numbers`, `crosscheck`)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from openidv.checks.text_extraction import extract
from openidv.vision.documents import DocumentReading, alternatives, personal_numbers
from openidv.vision.documents.crosscheck import agreeing_fields, cross_check, surely_different
from openidv.vision.documents.matching import find_mrz_values
from openidv.vision.documents.ocr import OcrEngine, TextBox, crop_quad
from openidv.vision.documents.printed import (
    CAPTION_ASPECT,
    PrintedLines,
    continues_right,
    stacked_rows,
)
from openidv.vision.documents.recogniser import CharRead, LineRead
from openidv.vision.documents.viz import extract_fields
from openidv.vision.mrz import MrzResult, parse_mrz
from openidv.vision.mrz.check_digits import compute_check_digit

# A TD3 specimen of our own making: every check digit holds.
PASSPORT = (
    "P<UTOMAENNIK<<MARI<LIIS<<<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO1101018F2506159ZE184226B<<<<<12",
)


def _box(text: str, *, row: int = 0, cut: bool = False, height: int = 30) -> TextBox:
    quad = np.array([[0, row], [300, row], [300, row + height], [0, row + height]], np.float32)
    return TextBox(quad, text, 0.97, cut=cut)


def _td2(state: str, birth: str, sex: str, number: str = "AB1234567") -> MrzResult:
    """A TD2 card of ``state`` with every check digit computed (birth as YYMMDD)."""
    line1 = f"ID{state}POPESCU<<ANA<<<<<<<<<<<<<<<<<<<<<<<"[:36]
    expiry = "300101"
    body = (
        f"{number}{compute_check_digit(number)}{state}{birth}{compute_check_digit(birth)}"
        f"{sex}{expiry}{compute_check_digit(expiry)}<<<<<<<"
    )
    composite = compute_check_digit(body[0:10] + body[13:20] + body[21:35])
    mrz = parse_mrz((line1, f"{body}{composite}"))
    assert mrz.valid, mrz.problems
    return mrz


# -- lines read only in part -------------------------------------------------------------


def test_printed_lines_say_which_lines_were_read_only_in_part() -> None:
    # One short line and one several times longer than CAPTION_ASPECT heights: the first
    # pass reads the long one in part, and says so; read again whole, it is no longer cut.
    image = np.full((120, 900, 3), 255, np.uint8)
    short = np.array([[10, 10], [100, 10], [100, 40], [10, 40]], np.float32)
    long = np.array([[10, 60], [890, 60], [890, 90], [10, 90]], np.float32)

    def recognise(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(f"W{crop.shape[1]}", 0.99) for crop in crops]

    lines = PrintedLines(image, [short, long])
    first = lines.boxes(recognise, fields=())
    assert [box.cut for box in first] == [False, True]
    assert first[1].text == f"W{round(CAPTION_ASPECT * 30)}"
    again = lines.boxes(recognise, fields=None)  # every field wanted: every line whole
    assert [box.cut for box in again] == [False, False]


def test_a_line_read_in_part_is_matched_only_on_its_whole_words() -> None:
    mrz = parse_mrz(PASSPORT)
    assert mrz.valid
    # The last word of a line read in part may be a piece of a longer one: the printed
    # surname could be MAENNIKOVA, or the year 2011 where only "20" was read.
    assert find_mrz_values(mrz, [_box("MAENNIK", cut=True)], ["surname"]) == {}
    assert find_mrz_values(mrz, [_box("MAENNIK", cut=False)], ["surname"]) != {}
    assert find_mrz_values(mrz, [_box("MAENNIK MARI-LI", cut=True)], ["surname"]) != {}
    assert find_mrz_values(mrz, [_box("01 01 11", cut=True)], ["date_of_birth"]) == {}
    assert find_mrz_values(mrz, [_box("01 01 11 M", cut=True)], ["date_of_birth"]) != {}


def test_a_value_read_in_part_never_agrees_nor_is_reported_but_may_differ() -> None:
    mrz = parse_mrz(PASSPORT)
    boxes = [
        _box("Surname/Nom", row=0, height=18),
        _box("MAENN", row=22, cut=True),  # the printed MAENNIKOVA, say: read in part
        _box("Date of birth/Date de naissance", row=80, height=18),
        _box("01 JAN/JAN 20", row=102, cut=True),  # "... 2011": a wrong date, in part
    ]
    viz = extract_fields(boxes, ["surname", "date_of_birth"])
    assert viz["surname"].cut and viz["date_of_birth"].cut
    # Neither shows the printed data agrees with the MRZ ...
    assert agreeing_fields(mrz, viz) == []
    # ... nor contradicts it: what was read is the beginning of the MRZ's surname, and a
    # date read in part parses as another date.
    assert cross_check(mrz, viz) == []
    # A name read in part that differs where it was read is a difference, never certain.
    other = extract_fields([_box("Surname/Nom", height=18), _box("SCHMI", row=22, cut=True)])
    assert cross_check(mrz, other) == ["surname"]
    assert not surely_different("surname", mrz, other["surname"], mrz_names_legible=True)


def test_a_printed_only_value_read_in_part_is_not_reported() -> None:
    mrz = parse_mrz(PASSPORT)
    printed = ("MAENNIK", "MARI-LIIS", "L898902C3", "01.01.1911")
    whole = find_mrz_values(mrz, [_box(text, row=40 * i + 200) for i, text in enumerate(printed)])
    boxes = [
        _box("Authority/Autorite", row=0, height=18),
        _box("UNITED STATES DE", row=22, cut=True),  # "... DEPARTMENT OF STATE"
        _box("Place of birth", row=80, height=18),
        _box("TALLINN", row=102),
    ]
    viz = {**extract_fields(boxes, ["authority", "place_of_birth"]), **whole}
    reading = DocumentReading(
        mrz=mrz, mrz_text=PASSPORT, viz=viz, quality=None, reasons=(), timings_ms={}
    )
    fields = json.loads(extract([reading]).media[0].content)
    assert fields["place_of_birth"] == "TALLINN"
    assert "issuing_authority" not in fields


# -- dates of birth in personal numbers ----------------------------------------------------


@pytest.mark.parametrize(
    ("state", "number", "birth", "sex"),
    [
        ("ROU", "1850509204994", (1985, 5, 9), "M"),  # CNP: 1 = a man born in the 1900s
        ("ROU", "6040229123458", (2004, 2, 29), "F"),  # 6 = a woman born in the 2000s
        ("POL", "44051401359", (1944, 5, 14), "M"),  # PESEL
        ("POL", "02271409867", (2002, 7, 14), "F"),  # PESEL: month + 20 for the 2000s
        ("EST", "37605030299", (1976, 5, 3), "M"),  # isikukood
        ("LTU", "49012240010", (1990, 12, 24), "F"),
        ("BGR", "7523169263", (1875, 3, 16), "M"),  # EGN: month + 20 for the 1800s
    ],
)
def test_a_personal_number_gives_the_birth_its_scheme_encodes(
    state: str, number: str, birth: tuple[int, int, int], sex: str
) -> None:
    assert personal_numbers.birth_dates(f"No {number}", {state}, sex) == {birth}
    assert personal_numbers.birth_dates(number, {state}, None) == {birth}
    # The other sex, another state's scheme, a digit misread (the check digit fails) or
    # the number inside a longer run of digits: no date.
    assert personal_numbers.birth_dates(number, {state}, "F" if sex == "M" else "M") == set()
    assert personal_numbers.birth_dates(number, {"UTO", "FRA"}, sex) == set()
    wrong = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
    assert personal_numbers.birth_dates(wrong, {state}, sex) == set()
    assert personal_numbers.birth_dates(f"9{number}", {state}, sex) == set()


def test_a_birth_printed_only_in_the_personal_number_agrees_with_the_mrz() -> None:
    # Romania's cards print the date of birth only inside the CNP.
    mrz = _td2("ROU", "850509", "M")
    found = find_mrz_values(mrz, [_box("CNP 1850509204994")], ["date_of_birth"])
    assert found["date_of_birth"].matches_mrz
    assert found["date_of_birth"].value == "1985-05-09"
    # Another birth, the other sex, or the same number on another state's card: not found.
    for other in (
        _td2("ROU", "850510", "M"),
        _td2("ROU", "850509", "F"),
        _td2("UTO", "850509", "M"),
    ):
        assert find_mrz_values(other, [_box("CNP 1850509204994")], ["date_of_birth"]) == {}


# -- small print merged with the line above -------------------------------------------------


def _text_rows(*rows: tuple[str, float, int]) -> np.ndarray:
    """A white strip with each (text, scale, baseline) drawn in black."""
    image = np.full((60, 260, 3), 255, np.uint8)
    for text, scale, baseline in rows:
        cv2.putText(image, text, (4, baseline), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1)
    return image


def test_two_stacked_lines_in_one_box_are_told_apart() -> None:
    # A small caption and the value under it, merged into one box by the detector.
    stacked = _text_rows(("Passport No / Passeport", 0.45, 18), ("08CD50338", 0.9, 50))
    split = stacked_rows(stacked)
    assert split is not None
    assert 0.3 < split < 0.55  # between the caption's baseline and the value's top
    # One line, capitals or with ascenders and descenders: no split.
    assert stacked_rows(_text_rows(("08CD50338", 1.2, 45))) is None
    assert stacked_rows(_text_rows(("Typography", 1.2, 40))) is None


# -- unsure characters and their runner-ups -------------------------------------------------


def _read(*chars: tuple[str, float, tuple[tuple[str, float], ...]]) -> LineRead:
    reads = tuple(CharRead(char, prob, alts) for char, prob, alts in chars)
    return LineRead("".join(c.char for c in reads), 0.9, reads)


def _sure(text: str) -> list[tuple[str, float, tuple[tuple[str, float], ...]]]:
    return [(char, 0.99, ()) for char in text]


def test_an_unsure_character_may_be_its_runner_up() -> None:
    # A 272 px page: the 1 of "17 JAN /JAN 85" read as S (0.43), as 1 with 0.15.
    read = _read(("S", 0.43, (("1", 0.15), ("5", 0.14))), *_sure("7 JAN /JAN 85"))
    variants = dict(alternatives.readings(read, frozenset("0123456789")))
    assert variants["17 JAN /JAN 85"] == 0.15
    mrz = parse_mrz(PASSPORT)
    boxes = [_box(text) for text in variants]
    assert find_mrz_values(mrz, boxes, ["date_of_birth"]) == {}  # the MRZ says 1911-01-01
    # ... found for a passport whose MRZ gives 17 January 1985.
    lines = (
        "P<UTOERIKSSON<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO8501178F2506159ZE184226B<<<<<10",
    )
    other = parse_mrz(lines)
    assert other.date_of_birth.valid and other.date_of_birth.value == "1985-01-17", other.problems
    assert "date_of_birth" in find_mrz_values(other, boxes, ["date_of_birth"])


def test_sure_characters_weak_runner_ups_and_other_characters_are_never_taken() -> None:
    digits = frozenset("0123456789")
    sure = _read(("S", 0.95, (("1", 0.04),)), *_sure("7"))
    assert list(alternatives.readings(sure, digits)) == []  # read surely: stays S
    weak = _read(("S", 0.6, (("1", 0.08),)), *_sure("7"))
    assert list(alternatives.readings(weak, digits)) == []  # a runner-up of 8 %: noise
    letter = _read(("S", 0.6, (("B", 0.3),)), *_sure("7"))
    assert list(alternatives.readings(letter, digits)) == []  # no digit: not for a date
    # At most MAX_SUBSTITUTIONS replacements in one line.
    many = _read(*[("O", 0.5, (("0", 0.4),))] * (alternatives.MAX_SUBSTITUTIONS + 1))
    longest = max(text.count("0") for text, _ in alternatives.readings(many, digits))
    assert longest == alternatives.MAX_SUBSTITUTIONS


# -- a line the detector ended short ---------------------------------------------------------


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    return OcrEngine()


def _line_image(text: str) -> np.ndarray:
    image = np.full((60, 900, 3), 255, np.uint8)
    cv2.putText(image, text, (10, 40), cv2.FONT_HERSHEY_DUPLEX, 1.0, (20, 20, 20), 2)
    return image


def test_a_box_ended_inside_its_line_is_known_to_be_cut(ocr: OcrEngine) -> None:
    image = _line_image("UNITED STATES DEPARTMENT OF STATE")
    width = cv2.getTextSize("UNITED STATES DE", cv2.FONT_HERSHEY_DUPLEX, 1.0, 2)[0][0]
    quad = np.array([[6, 12], [10 + width, 12], [10 + width, 48], [6, 48]], np.float32)
    ((text, score),) = ocr.recognise([crop_quad(image, quad)])
    short = TextBox(quad, text, score)
    assert continues_right(image, short, ocr.recognise)
    # The whole line, or a value with a wide gap before the next column, goes on no further.
    whole = _line_image("UNITED STATES")
    end = 10 + cv2.getTextSize("UNITED STATES", cv2.FONT_HERSHEY_DUPLEX, 1.0, 2)[0][0]
    quad = np.array([[6, 12], [end + 4, 12], [end + 4, 48], [6, 48]], np.float32)
    ((text, score),) = ocr.recognise([crop_quad(whole, quad)])
    assert not continues_right(whole, TextBox(quad, text, score), ocr.recognise)
    columns = _line_image("LONDON                 GBR")
    end = 10 + cv2.getTextSize("LONDON", cv2.FONT_HERSHEY_DUPLEX, 1.0, 2)[0][0]
    quad = np.array([[6, 12], [end + 4, 12], [end + 4, 48], [6, 48]], np.float32)
    ((text, score),) = ocr.recognise([crop_quad(columns, quad)])
    assert not continues_right(columns, TextBox(quad, text, score), ocr.recognise)
