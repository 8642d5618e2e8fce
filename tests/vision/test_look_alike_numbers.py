"""A document number the MRZ and the printed zone read differently by look-alikes: the check
digit decides where it can, and where it cannot (G/6, S/8, or two look-alikes that cancel
out) the number is ambiguous rather than reported."""

from __future__ import annotations

import datetime as dt

from openidv.vision.documents.crosscheck import (
    check_digit_misread,
    check_neutral_swaps,
    number_as_printed,
    number_unconfirmed,
)
from openidv.vision.documents.viz import VizField
from openidv.vision.mrz import MrzResult, ProblemCode, compute_check_digit, parse_mrz

TODAY = dt.date(2020, 1, 15)
NAMES = "P<HUNHANDRA<<ROZALIA<IRMA<<<<<<<<<<<<<<<<<<<"
REST = "HUN7802225F2203012<<<<<<<<<<<<<<0"


def _mrz(number: str) -> MrzResult:
    """A TD3 MRZ with ``number``, its check digit and the composite computed."""
    line = f"{number}{compute_check_digit(number)}{REST}"
    composite = line[0:10] + line[13:20] + line[21:43]
    result = parse_mrz([NAMES, f"{line}{compute_check_digit(composite)}"], today=TODAY)
    assert result.valid
    return result


def test_two_look_alikes_that_cancel_out_leave_the_number_ambiguous() -> None:
    # B (11) read as 8 and D (13) as 0 change the sum by 21 + 39 = 60: the check digit holds.
    read = _mrz("800002028")
    checked = check_neutral_swaps(read, "BD0002028")
    assert checked.document_number.valid is False
    assert any(p.code is ProblemCode.AMBIGUOUS for p in checked.problems)


def test_a_printed_look_alike_the_check_digit_refutes_is_the_printed_reads_error() -> None:
    read = _mrz("BD0002028")
    # 8 for B alone changes the sum by 21: the printed read cannot be the number.
    assert check_neutral_swaps(read, "8D0002028").document_number.valid is True


def test_same_value_look_alikes_stay_ambiguous() -> None:
    read = _mrz("AB6123456")
    assert check_neutral_swaps(read, "ABG123456").document_number.valid is False


def test_the_printed_spelling_is_taken_from_its_line() -> None:
    # A field found by matching carries the MRZ's spelling; its line shows the print.
    found = VizField(
        name="document_number",
        value="800002028",
        text="No. BD 000 2028",
        confidence=0.99,
        matches_mrz=True,
    )
    assert number_as_printed(found, "800002028") == "BD0002028"
    by_caption = VizField(
        name="document_number", value="BD0002028", text="BD0002028", confidence=0.99
    )
    assert number_as_printed(by_caption, "800002028") == "BD0002028"


def _stale(number: str, printed_check_for: str) -> MrzResult:
    """An MRZ holding ``number`` with the check digits of ``printed_check_for``."""
    line = f"{printed_check_for}{compute_check_digit(printed_check_for)}{REST}"
    composite = line[0:10] + line[13:20] + line[21:43]
    line = f"{number}{line[9:]}{compute_check_digit(composite)}"
    return parse_mrz([NAMES, line], today=TODAY)


def test_a_failing_check_digit_on_unsure_characters_is_no_evidence_of_tampering() -> None:
    # A digit changed and its check digit left stale, read surely: an altered document.
    altered = _stale("BD0002029", "BD0002028")
    assert not altered.valid
    assert not check_digit_misread(altered, {"document_number": 0.98})
    # The same failure on characters read as unsurely as a real page's B read as 8 (0.86):
    # a misread explains it as well.
    assert check_digit_misread(altered, {"document_number": 0.86})


def test_an_unsure_number_holding_s_or_8_needs_the_printed_number() -> None:
    read = _mrz("Z80000177")  # the page's ZS0000177, S read as 8: every check digit holds
    unsure = {"document_number": 0.63}
    assert number_unconfirmed(read, None, unsure).document_number.valid is False
    printed = VizField(name="document_number", value="Z80000177", text="Z80000177", confidence=0.95)
    assert number_unconfirmed(read, printed, unsure).document_number.valid is True
    # Read surely, the check digit stands.
    assert number_unconfirmed(read, None, {"document_number": 0.99}).document_number.valid
