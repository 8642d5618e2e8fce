"""The MRZ against the printed zone (VIZ): which fields agree, which differ, and how surely.

No check digit covers the names or the document code, and a check digit lets G/6 and S/8
misreads through: the printed zone is the second source. The comparisons here are pure
(the reader calls them once the VIZ is read; the authenticity check calls them on a card's
other side):

* `cross_check`: fields whose printed value differs from the MRZ's, as much as the capture
  lets a difference be believed (`is_degraded`);
* `agreeing_fields`: fields printed as the MRZ has them (what an APPROVE needs);
* `surely_different` / `names_contradicted`: a difference no reading error explains;
* the MRZ settled by the printed zone: names read from illegible characters put in doubt
  unless printed (`names_in_doubt`), a number differing only by check-digit-neutral
  look-alikes marked ambiguous (`check_neutral_swaps`), the century of a birth the
  document prints (`with_printed_century`), values matched across a card's sides
  (`match_across_sides`).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections.abc import Sequence

from openidv.vision.documents.matching import find_mrz_values
from openidv.vision.documents.quality import QualityMeasures, QualityThresholds
from openidv.vision.documents.result import DocumentReading, Reason, ReasonCode
from openidv.vision.documents.transliterate import same_name, same_number, shape_fold
from openidv.vision.documents.viz import VizField
from openidv.vision.mrz import (
    MrzField,
    MrzProblem,
    MrzResult,
    ProblemCode,
    compute_check_digit,
)

__all__ = [
    "CROSS_CHECKED_FIELDS",
    "DEGRADED_CAPTURE",
    "MIN_COMPARED_CONFIDENCE",
    "MIN_FIELD_CONFIDENCE",
    "MIN_NUMBER_CONFIDENCE",
    "agreeing_fields",
    "check_digit_misread",
    "check_neutral_swaps",
    "cross_check",
    "is_degraded",
    "legible",
    "match_across_sides",
    "mrz_names_legible",
    "names_contradicted",
    "names_in_doubt",
    "names_unconfirmed",
    "number_as_printed",
    "number_in_doubt",
    "number_unconfirmed",
    "surely_different",
    "with_printed_century",
]

# The fields both the MRZ and the printed zone carry, compared by `cross_check`.
CROSS_CHECKED_FIELDS = (
    "surname", "given_names", "date_of_birth", "expiry_date", "document_number", "sex"
)  # fmt: skip
# A printed document number is trusted as a second source from this OCR confidence.
MIN_NUMBER_CONFIDENCE = 0.8
# A printed field read with less confidence than this is compared with the MRZ only for
# differences a misread cannot explain (as on a poor capture); below the second, not at all.
MIN_FIELD_CONFIDENCE = 0.8
MIN_COMPARED_CONFIDENCE = 0.5
# Capture problems under which printed (VIZ) text is often read only in part.
DEGRADED_CAPTURE = frozenset(
    {ReasonCode.BLURRY, ReasonCode.GLARE, ReasonCode.LOW_RESOLUTION, ReasonCode.UNDEREXPOSED,
     ReasonCode.OVEREXPOSED}
)  # fmt: skip
# Below this similarity (difflib ratio) two names differ by more than a partial read.
DEGRADED_NAME_RATIO = 0.5


def _fold_name(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.upper())
    return re.sub(r"[^A-Z]", "", plain)


def _clearly_different_names(mrz_name: str, viz_name: str) -> bool:
    """Names that a partly hidden or blurred read cannot explain: neither contains the
    other (glare hides the start or the end of a word) and they share little."""
    if mrz_name in viz_name or viz_name in mrz_name:
        return False
    return difflib.SequenceMatcher(None, mrz_name, viz_name).ratio() < DEGRADED_NAME_RATIO


def _plausible(name: str, field: VizField) -> bool:
    """The value read under a caption can be that field's at all: a name holds no slash
    and no run of digits (a bilingual nationality or a date read under the wrong caption),
    a document number has five characters or more, one a digit (not a country code)."""
    value = field.value or ""
    if name in ("surname", "given_names"):
        return "/" not in value and sum(char.isdigit() for char in value) < 2
    if name == "document_number":
        compact = re.sub(r"[^0-9A-Z]", "", value)
        return len(compact) >= 5 and any(char.isdigit() for char in compact)
    return True


def _same(name: str, mrz: MrzResult, field: VizField, *, tolerant: bool) -> bool:
    """The value read under ``name``'s caption is the MRZ's (``tolerant``: or differs no
    more than a partial read explains)."""
    mrz_field = mrz.fields[name]
    assert mrz_field.value is not None and field.value is not None
    if name in ("surname", "given_names"):
        mrz_name, viz_name = _fold_name(mrz_field.value), _fold_name(field.value)
        # The MRZ truncates long names, and transliterates (Ü -> UE): a VIZ name that
        # merely starts with the MRZ name, or vice versa, is not a mismatch.
        same = viz_name.startswith(mrz_name) or mrz_name.startswith(viz_name)
        same = same or same_name(field.value, mrz_field.value, truncated=True)
        # A VIZ value that is the MRZ's *other* name was read under the wrong caption
        # (small, blurred captions): a reading error, not evidence of tampering.
        other = mrz.fields["given_names" if name == "surname" else "surname"].value
        same = same or (other is not None and same_name(field.value, other))
        return same or (tolerant and not _clearly_different_names(mrz_name, viz_name))
    mrz_value = mrz_field.value.replace("<", "")
    if name != "document_number":
        return mrz_value == field.value
    same = mrz_value == field.value or same_number(field.value, mrz_value)
    return same or (tolerant and len(mrz_value) != len(field.value))


def _comparable(name: str, mrz: MrzResult, field: VizField | None) -> VizField | None:
    mrz_field = mrz.fields[name]
    if field is None or field.value is None or mrz_field.valid is False or not mrz_field.value:
        return None
    return field


def cross_check(mrz: MrzResult, viz: dict[str, VizField], *, degraded: bool = False) -> list[str]:
    """Fields whose MRZ value (when not invalid) differs from the VIZ value.

    A printed field found by its MRZ value (``matches_mrz``) agrees. Otherwise the value
    read under the field's caption is compared, names after ICAO transliteration and
    look-alike folding (`transliterate`), when it can be that field's value at all
    (`_plausible`: real layouts put other values near a caption).

    ``degraded``: the capture has glare, blur or low resolution. Printed text is then often
    read in part, so only differences such a read cannot explain count: a name unlike the
    MRZ's, a date that differs (a partly read date does not parse), a document number of
    the MRZ's length that differs. A field read with less than `MIN_FIELD_CONFIDENCE` is
    compared that way on any capture (ignoring it would let a printed name that is plainly
    another one pass whenever the OCR is unsure of it); one below
    `MIN_COMPARED_CONFIDENCE` is not compared."""
    mismatches: list[str] = []
    for name in CROSS_CHECKED_FIELDS:
        field = _comparable(name, mrz, viz.get(name))
        if field is None or field.matches_mrz:
            continue
        if field.confidence < MIN_COMPARED_CONFIDENCE or not _plausible(name, field):
            continue
        if field.cut and name not in ("surname", "given_names", "document_number"):
            continue  # a date or a sex read in part parses as another one, or not at all
        # A value read in part differs only where what was read differs.
        tolerant = degraded or field.cut or field.confidence < MIN_FIELD_CONFIDENCE
        if not _same(name, mrz, field, tolerant=tolerant):
            mismatches.append(name)
    return mismatches


def agreeing_fields(mrz: MrzResult, viz: dict[str, VizField]) -> list[str]:
    """Fields whose printed value is the MRZ's: found by the MRZ's value, or read under
    its caption with confidence and equal (after transliteration and look-alikes). Only
    these show that the printed data was not altered; a value merely not contradicting
    the MRZ (a partial read) does not."""
    agreeing: list[str] = []
    for name in CROSS_CHECKED_FIELDS:
        field = _comparable(name, mrz, viz.get(name))
        if field is None:
            continue
        if field.matches_mrz or (
            not field.cut
            and field.confidence >= MIN_FIELD_CONFIDENCE
            and _plausible(name, field)
            and _same(name, mrz, field, tolerant=False)
        ):
            agreeing.append(name)
    return agreeing


def names_contradicted(mrz: MrzResult, viz: dict[str, VizField]) -> list[str]:
    """The MRZ names that a printed value read with some confidence under their caption
    (and able to be a name) does not agree with: one of the two reads is wrong, and no
    check digit says which."""
    agreeing = agreeing_fields(mrz, viz)
    contradicted = []
    for name in ("surname", "given_names"):
        field = _comparable(name, mrz, viz.get(name))
        if (
            field is not None
            and name not in agreeing
            and field.confidence >= MIN_COMPARED_CONFIDENCE
            and _plausible(name, field)
            and not _same(name, mrz, field, tolerant=field.cut)
        ):
            contradicted.append(name)
    return contradicted


def _one_misread_apart(mrz_name: str, printed: str) -> bool:
    """Some printed word is the MRZ name but for one character dropped, added or changed:
    a single misread on either side explains the difference (HARUDDIN, HAIRUDDIN)."""
    target = _fold_name(mrz_name)
    words = [_fold_name(word) for word in re.split(r"[\s,/-]+", printed)]
    words.append(_fold_name(printed))
    for word in words:
        if not word or abs(len(word) - len(target)) > 1:
            continue
        matcher = difflib.SequenceMatcher(None, target, word)
        edits = sum(
            max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
        )
        if edits <= 1:
            return True
    return False


def surely_different(
    name: str, mrz: MrzResult, field: VizField, *, mrz_names_legible: bool
) -> bool:
    """A mismatch that no reading error explains: the printed value was read with full
    confidence and can be that field's, the MRZ value is check-digit-sure (names, which
    no check digit covers: read from legible characters), and a name differs by more than
    one misread character."""
    if field.matches_mrz or field.cut or field.confidence < MIN_FIELD_CONFIDENCE:
        return False  # a value read in part is for a human to compare
    if not _plausible(name, field):
        return False
    mrz_field = mrz.fields[name]
    if mrz_field.value is None:
        return False
    if name in ("surname", "given_names"):
        return mrz_names_legible and not _one_misread_apart(mrz_field.value, field.value or "")
    return mrz_field.valid is True


def legible(
    quality: QualityMeasures | None,
    thresholds: QualityThresholds,
    field_confidence: dict[str, float],
) -> bool:
    """The MRZ names can stand on their own: characters tall enough and sharp, and each
    name's least sure character recognised with `min_name_char_confidence` (without the
    recogniser's per-character figures: clear of glare)."""
    if quality is None or quality.mrz_text_height_px is None:
        return False
    if (
        quality.mrz_text_height_px < thresholds.min_mrz_text_height_px
        or quality.sharpness < thresholds.min_sharpness
    ):
        return False
    names = [
        field_confidence[name] for name in ("surname", "given_names") if name in field_confidence
    ]
    if names:
        return min(names) >= thresholds.min_name_char_confidence
    return not quality.mrz_glare


def mrz_names_legible(reading: DocumentReading, thresholds: QualityThresholds) -> bool:
    """The MRZ's names (covered by no check digit) were read from characters tall enough,
    sharp and recognised surely: their read can stand on its own."""
    return legible(reading.quality, thresholds, reading.mrz_field_confidence)


def names_unconfirmed(mrz: MrzResult, viz: dict[str, VizField]) -> list[str]:
    """The MRZ names not found printed (a name the MRZ leaves empty needs nothing)."""
    return [
        name
        for name in ("surname", "given_names")
        if mrz.fields[name].value and not (name in viz and viz[name].matches_mrz)
    ]


def names_in_doubt(mrz: MrzResult, names: list[str]) -> MrzResult:
    """Mark names read from illegible characters, and found printed nowhere, as uncertain:
    no check digit covers them, and a valid MRZ must not carry a misread name (a card back
    enlarged threefold read with a wrong surname and every check digit holding)."""
    if not names:
        return mrz
    problems = [
        MrzProblem(
            ProblemCode.AMBIGUOUS,
            f"the {name.replace('_', ' ')} was read from MRZ characters too small, blurred or "
            "under glare to be sure of, and was not found in the printed zone",
            name,
        )
        for name in names
    ]
    return _with_names_valid(mrz, names, False, (*mrz.problems, *problems))


def _with_names_valid(
    mrz: MrzResult, names: Sequence[str], valid: bool | None, problems: tuple[MrzProblem, ...]
) -> MrzResult:
    """The MRZ with ``names`` (surname, given names) marked ``valid`` and ``problems``."""
    surname, given_names = mrz.surname, mrz.given_names
    return dataclasses.replace(
        mrz,
        problems=problems,
        surname=dataclasses.replace(surname, valid=valid) if "surname" in names else surname,
        given_names=(
            dataclasses.replace(given_names, valid=valid) if "given_names" in names else given_names
        ),
    )


# Look-alike pairs with the same ICAO check-digit value (G = 16, S = 28): a misread between
# them passes every check digit, so only an independent reading can reveal it.
_NEUTRAL_CHARS = frozenset("G6S8")


def number_in_doubt(mrz: MrzResult | None) -> bool:
    """The MRZ document number needs a second source: it fails its check digit, or it holds
    G, 6, S or 8, whose misreads (G/6, S/8) every check digit lets through."""
    if mrz is None or mrz.format is None:
        return False
    number = mrz.document_number
    # A number repaired from the recogniser's runner-ups passed its one check digit only.
    return (
        not number.valid
        or number.repaired
        or any(char in _NEUTRAL_CHARS for char in number.value or "")
    )


def number_unconfirmed(
    mrz: MrzResult, printed: VizField | None, field_confidence: dict[str, float]
) -> MrzResult:
    """The MRZ number left ambiguous when it holds G, 6, S or 8, was read from a character
    less sure than `MIN_SURE_CHAR_CONFIDENCE`, and no printed number confirms it: an S read
    as 8 passes every check digit (a passport's ZS0000177 read Z80000177 in poor light, its
    printed number not found). A number read surely stands on its check digit."""
    number = mrz.document_number
    if number.valid is not True or not set(number.value or "") & _NEUTRAL_CHARS:
        return mrz
    if field_confidence.get("document_number", 1.0) >= MIN_SURE_CHAR_CONFIDENCE:
        return mrz
    if printed is not None and (printed.matches_mrz or printed.value == number.value):
        return mrz
    return _number_ambiguous(
        mrz,
        f"the MRZ number {number.value!r} was read unsurely and holds G, 6, S or 8, whose "
        "look-alikes pass its check digit; no printed number confirms it",
    )


def number_as_printed(field: VizField, mrz_number: str) -> str:
    """The number as the page prints it. A field found by matching the MRZ's value carries
    the MRZ's spelling as its value; its line's text holds what was printed, which may
    differ by look-alikes (a printed BD0002028 for an MRZ read 800002028)."""
    if not field.matches_mrz:
        return field.value or ""
    printed = "".join(char for char in field.text.upper() if char.isascii() and char.isalnum())
    wanted = shape_fold(mrz_number, number=True)
    width = len(mrz_number)
    for start in range(len(printed) - width + 1):
        window = printed[start : start + width]
        if shape_fold(window, number=True) == wanted:
            return window
    return mrz_number


def check_neutral_swaps(mrz: MrzResult, printed: str | None) -> MrzResult:
    """Mark the MRZ document number ambiguous when the printed (VIZ) number differs from it
    only by look-alikes that its check digit cannot rule out. One look-alike of the same
    check-digit value (G/6, S/8) always passes; two can cancel out (B for 8 and D for 0
    weigh 21 and 39: a BD0002028 read 800002028 passes): which one is right cannot be known.
    A printed variant that fails the check digit is the printed read's error."""
    read = mrz.document_number.value
    if printed is None or read is None or mrz.document_number.valid is not True:
        return mrz
    if printed == read:
        return mrz
    if mrz.document_number.repaired:
        # The repair made the check digit hold, but the printed number (read with
        # confidence) says otherwise: one check digit is too weak to overrule it.
        return _number_ambiguous(
            mrz, f"the MRZ number was repaired to {read!r} but {printed!r} is printed"
        )
    if len(printed) != len(read) or not all(
        _look_alike(a, b) for a, b in zip(printed, read, strict=True)
    ):
        return mrz
    if _check_rules_out(mrz.document_number, printed):
        return mrz
    return _number_ambiguous(
        mrz,
        f"the MRZ number {read!r} and the printed {printed!r} differ only by look-alikes "
        "that its check digit cannot tell apart",
    )


def _look_alike(printed: str, read: str) -> bool:
    return (
        printed == read
        or {printed, read} == {"G", "6"}
        or shape_fold(printed, number=True) == shape_fold(read, number=True)
    )


def _check_rules_out(number: MrzField, printed: str) -> bool:
    """The number's check digit refutes the printed variant. Where the variant cannot be
    put in the MRZ's place (a long TD1 number, whose check digit sits further on), nothing
    refutes it."""
    raw, check = number.raw, number.check_digit
    if number.value is None or not raw.startswith(number.value) or not (check or "").isdigit():
        return False
    candidate = printed + raw[len(number.value) :]
    try:
        return compute_check_digit(candidate) != int(check or "")
    except ValueError:
        return True  # not an MRZ character: the printed read is wrong


def _number_ambiguous(mrz: MrzResult, message: str) -> MrzResult:
    problem = MrzProblem(ProblemCode.AMBIGUOUS, message, "document_number")
    return dataclasses.replace(
        mrz,
        document_number=dataclasses.replace(mrz.document_number, valid=False),
        problems=(*mrz.problems, problem),
    )


# An MRZ field read surely: each of its characters recognised with at least this
# probability. The recogniser reads a clean MRZ's characters at 0.97-1.0; the misreads that
# check digits caught or could not catch on real pages recaptured (turned, in perspective,
# in poor light) came at 0.49-0.86: D read as 0, B as 8, S as 8. Set from those, not tuned.
MIN_SURE_CHAR_CONFIDENCE = 0.9


def check_digit_misread(mrz: MrzResult, field_confidence: dict[str, float]) -> bool:
    """Some failing check digit of ``mrz`` covers a field read from a character less sure
    than `MIN_SURE_CHAR_CONFIDENCE`: a reading error explains the failure as well as
    an alteration does. The composite alone failing is not explained here: every field it
    covers held."""
    return any(
        field_confidence.get(problem.field or "", 1.0) < MIN_SURE_CHAR_CONFIDENCE
        for problem in mrz.problems
        if problem.code is ProblemCode.CHECK_DIGIT and problem.field != "composite"
    )


def with_printed_century(mrz: MrzResult, printed: VizField | None) -> MrzResult:
    """The MRZ's date of birth in the century the document prints (the MRZ has two-digit
    years, and a 1911 birth on a document valid in 2012 reads as 2011)."""
    birth = mrz.date_of_birth
    if printed is None or not printed.matches_mrz or printed.value in (None, birth.value):
        return mrz
    return dataclasses.replace(mrz, date_of_birth=dataclasses.replace(birth, value=printed.value))


def match_across_sides(readings: list[DocumentReading]) -> list[DocumentReading]:
    """Look for each side's MRZ values among the printed lines of the other sides (a card's
    MRZ is on its back, the holder's printed details on its front). Names the MRZ side left
    in doubt (`names_in_doubt`) that another side prints are sure again."""
    matched = list(readings)
    for index, reading in enumerate(readings):
        mrz = reading.mrz
        if mrz is None or mrz.format is None:
            continue
        doubted = _doubted_names(mrz)
        undoubted = _without_name_doubt(mrz, doubted)
        found_on = {
            other_index: find_mrz_values(undoubted, other.printed_lines)
            for other_index, other in enumerate(readings)
            if other_index != index and other.printed_lines
        }
        confirmed = {name for found in found_on.values() for name in found} >= set(doubted)
        if doubted and confirmed:
            matched[index] = _lift_name_doubt(matched[index], undoubted)
        for other_index, found in found_on.items():
            # A name still in doubt is not shown to the other side as the MRZ's.
            shown = {n: f for n, f in found.items() if confirmed or n not in doubted}
            if shown:
                viz = {**matched[other_index].viz, **shown}
                matched[other_index] = dataclasses.replace(matched[other_index], viz=viz)
    return matched


def _doubted_names(mrz: MrzResult) -> list[str]:
    return [
        problem.field
        for problem in mrz.problems
        if problem.code is ProblemCode.AMBIGUOUS and problem.field in ("surname", "given_names")
    ]


def _without_name_doubt(mrz: MrzResult, doubted: list[str]) -> MrzResult:
    """The MRZ as read, without the doubt `names_in_doubt` cast on its names."""
    if not doubted:
        return mrz
    problems = tuple(
        p for p in mrz.problems if not (p.code is ProblemCode.AMBIGUOUS and p.field in doubted)
    )
    return _with_names_valid(mrz, doubted, None, problems)


def _lift_name_doubt(reading: DocumentReading, mrz: MrzResult) -> DocumentReading:
    """The reading with its MRZ's names sure again; the 'could not be read with certainty'
    reason goes when nothing else was uncertain."""
    reasons = reading.reasons
    if mrz.valid:
        reasons = tuple(r for r in reasons if r.code is not ReasonCode.MRZ_UNREADABLE)
    return dataclasses.replace(reading, mrz=mrz, reasons=reasons)


def is_degraded(reasons: Sequence[Reason]) -> bool:
    """The capture has one of the quality problems that make printed text unreliable."""
    return any(reason.code in DEGRADED_CAPTURE for reason in reasons)
