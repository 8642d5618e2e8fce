"""Repair of recognised MRZ text from the recogniser's runner-ups (`mrz_repair`, via
`mrz_text.read_ocr_lines`), on hand-built recogniser reads: no model needed."""

from __future__ import annotations

import datetime as dt

from openidv.vision.documents.mrz_text import read_ocr_lines
from openidv.vision.documents.recogniser import CharRead, LineRead

TODAY = dt.date(2026, 1, 15)
# ICAO 9303 Part 4's specimen (every check digit holds).
TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)


def _line(text: str, misreads: dict[int, tuple[str, tuple[tuple[str, float], ...]]]) -> LineRead:
    """``text`` read surely, except at the given positions: (what was read, runner-ups)."""
    chars = []
    for index, char in enumerate(text):
        if index in misreads:
            read, alternatives = misreads[index]
            chars.append(CharRead(read, 0.6, alternatives))
        else:
            chars.append(CharRead(char, 0.99))
    line = "".join(c.char for c in chars)
    return LineRead(line, 0.95, tuple(chars))


def test_a_letters_only_field_takes_the_runner_up_letter() -> None:
    # 'UTO' read as '6B8': the look-alike table would give 'GBB'; the recogniser's own
    # runner-ups say U, T, O.
    line2 = _line(
        TD3[1], {10: ("6", (("U", 0.3),)), 11: ("8", (("T", 0.2),)), 12: ("0", (("O", 0.4),))}
    )
    result, legibility = read_ocr_lines([_line(TD3[0], {}), line2], today=TODAY)
    assert result.lines == TD3 and result.valid
    assert {r.field for r in result.repairs} == {"nationality"}
    assert legibility.field_confidence["nationality"] == 0.2


def test_a_failing_date_is_repaired_from_a_runner_up_the_composite_confirms() -> None:
    # 7408122 read 7406122 (8 as 6), the recogniser's runner-up was 8.
    line2 = _line(TD3[1], {16: ("6", (("8", 0.3),))})
    result, _ = read_ocr_lines([_line(TD3[0], {}), line2], today=TODAY)
    assert result.valid and result.lines == TD3
    assert [(r.field, r.original, r.replacement) for r in result.repairs] == [
        ("date_of_birth", "6", "8")
    ]
    assert result.date_of_birth.repaired


def test_no_repair_without_a_runner_up() -> None:
    line2 = _line(TD3[1], {16: ("6", ())})
    result, _ = read_ocr_lines([_line(TD3[0], {}), line2], today=TODAY)
    assert not result.valid and result.date_of_birth.valid is False and not result.repairs


def test_a_weak_runner_up_is_not_tried() -> None:
    line2 = _line(TD3[1], {16: ("6", (("8", 0.03),))})
    result, _ = read_ocr_lines([_line(TD3[0], {}), line2], today=TODAY)
    assert result.date_of_birth.valid is False


def test_the_number_is_repaired_only_from_one_strong_runner_up() -> None:
    # The number's own check digit is its only test (the composite weighs it the same).
    strong = _line(TD3[1], {1: ("B", (("8", 0.3),))})
    result, _ = read_ocr_lines([_line(TD3[0], {}), strong], today=TODAY)
    assert result.document_number.valid and result.document_number.repaired
    weak = _line(TD3[1], {1: ("B", (("8", 0.06),))})
    result, _ = read_ocr_lines([_line(TD3[0], {}), weak], today=TODAY)
    assert result.document_number.valid is False


def test_a_repair_is_right_or_not_made() -> None:
    # TD1's expiry misread twice, with runner-ups at both places and a decoy: whatever the
    # search finds, it never reports a wrong expiry as valid.
    line2 = _line(TD1[1], {9: ("3", (("2", 0.3),)), 11: ("8", (("4", 0.3), ("7", 0.2)))})
    result, _ = read_ocr_lines([_line(TD1[0], {}), line2, _line(TD1[2], {})], today=TODAY)
    assert result.lines == TD1 or result.expiry_date.valid is False


def test_a_glyph_outside_the_alphabet_inside_a_line_is_not_dropped() -> None:
    # 'ERIKSSON' read 'ER!KSSON': dropping '!' would shift the name and pad the line.
    line1 = _line(TD3[0], {7: ("!", (("I", 0.35), ("1", 0.1)))})
    result, legibility = read_ocr_lines([line1, _line(TD3[1], {})], today=TODAY)
    assert result.lines == TD3 and result.surname.value == "ERIKSSON"
    # The I was the runner-up: the surname is only as sure as it.
    assert legibility.field_confidence["surname"] == 0.35


def test_a_bare_stroke_is_read_as_i_and_as_1_in_a_digit_column() -> None:
    # MRZ fonts whose I has no serifs are read as a bar; the bar and the I are one reading
    # of the glyph (0.6 + 0.35), and a digit's column makes it 1.
    line1 = _line(TD3[0], {7: ("|", (("I", 0.35),))})
    line2 = _line(TD3[1], {21: ("|", (("1", 0.05),))})  # the expiry's 1 (F1204159)
    result, legibility = read_ocr_lines([line1, line2], today=TODAY)
    assert result.lines == TD3 and result.valid and result.surname.value == "ERIKSSON"
    assert legibility.field_confidence["surname"] == 0.95


def test_the_passport_code_is_implied_by_a_layout_its_check_digits_prove() -> None:
    line1 = _line(TD3[0], {0: ("N", ())})  # a drawn dot over the P
    result, _ = read_ocr_lines([line1, _line(TD3[1], {})], today=TODAY)
    assert result.lines == TD3 and result.document_code.value == "P"


def test_a_mark_beside_the_line_is_cut_away() -> None:
    line1 = _line(TD3[0][:-1] + "2", {})  # an arrow head read as a last character
    line2 = LineRead(TD3[1] + "Ve", 0.9, tuple(CharRead(c, 0.9) for c in TD3[1] + "Ve"))
    result, _ = read_ocr_lines([line1, line2], today=TODAY)
    assert result.lines == TD3 and result.valid


def test_text_alone_gives_no_legibility() -> None:
    result, legibility = read_ocr_lines(list(TD3), today=TODAY)
    assert result.valid and legibility.line_confidence == () and legibility.field_confidence == {}


def test_legibility_per_line_and_field() -> None:
    line1 = _line(TD3[0], {6: ("R", (("P", 0.2),))})  # a doubtful letter in the surname
    result, legibility = read_ocr_lines([line1, _line(TD3[1], {})], today=TODAY)
    assert result.valid  # names carry no check digit: nothing can tell
    assert legibility.field_confidence["surname"] == 0.6
    assert legibility.field_confidence["given_names"] == 0.99
    assert legibility.field_confidence["document_code"] == 0.99
    assert len(legibility.line_confidence) == 2 and legibility.line_confidence[0] < 0.99


def test_a_run_of_fillers_read_as_letters_is_put_back() -> None:
    # At 5-6 px the chevrons after the given names read as CCCC; the model had '<' second.
    text = TD3[0][:28] + "CCCC" + TD3[0][32:]
    line1 = _line(text, {i: ("C", (("<", 0.3),)) for i in range(28, 32)})
    result, _ = read_ocr_lines([line1, _line(TD3[1], {})], today=TODAY)
    assert result.lines == TD3 and result.given_names.value == "ANNA MARIA"
    unsure = _line(text, {i: ("C", ()) for i in range(28, 32)})
    result, _ = read_ocr_lines([unsure, _line(TD3[1], {})], today=TODAY)
    assert result.lines != TD3  # left as read: the decision layer sees its confidence


def test_names_read_from_a_line_completed_with_fillers_are_not_legible() -> None:
    # JEAN read JEA: the recogniser lost a letter, the line came out one short and was
    # completed with a filler at its end, where nothing shows the loss.
    short = TD3[0].replace("ANNA", "ANA", 1)
    _, whole = read_ocr_lines([_line(TD3[0], {}), _line(TD3[1], {})], today=TODAY)
    _, completed = read_ocr_lines([_line(short, {}), _line(TD3[1], {})], today=TODAY)
    assert whole.field_confidence["given_names"] == 0.99
    assert completed.field_confidence["given_names"] == 0.0
    assert completed.field_confidence["surname"] == 0.0
    # The other line's fields keep their confidence.
    assert completed.field_confidence["document_number"] == 0.99
