"""The MRZ's values looked for among every printed text line (MRZ-guided comparison).

Reading a printed field by its caption needs the caption recognised and the value found
where the layout puts it; real documents defeat both (numbered and trilingual captions,
values beside their captions, guilloches, glare). But the question the checks ask of the
printed zone is narrower: *does it print what the MRZ says?* So each MRZ value is looked for
in every recognised line, as the issuer would print it: names transliterated or with
look-alike letters (`transliterate`), numbers with their spaces, dates in any of the ways
documents print them (``12 AUG/AOÛT 1964``, ``12.08.1964``, ``12 08 1964``, ``07 DEC 84``).
A value found is compared, and agrees. A value not found anywhere leaves the caption read
to decide: what it read there differs from the MRZ (a possible alteration) or nothing was
read (undecided).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from openidv.vision.documents import personal_numbers
from openidv.vision.documents.dates import Date, printed_dates
from openidv.vision.documents.ocr import TextBox
from openidv.vision.documents.transliterate import same_name, same_number, shape_fold
from openidv.vision.documents.viz import VizField
from openidv.vision.mrz import MrzFormat, MrzResult

__all__ = ["MATCHED_FIELDS", "find_mrz_values", "may_hold_mrz_value", "row_joined"]

MATCHED_FIELDS = ("surname", "given_names", "document_number", "date_of_birth", "expiry_date")
# Words of a line joined into one candidate value at most (a name printed "VAN DER BERG",
# a number printed in groups "X 1234 567").
_MAX_RUN = 4
_WORD = re.compile("[^\\W_]+(?:['\u2019][^\\W_]+)*")
# A field number printed against a name ("1MUSTERMANN") is not part of it; a digit inside
# one is a look-alike misread (J0HN) and stays for `transliterate` to fold.
_FIELD_NUMBER = re.compile(r"^[0-9]+(?=[^\W\d_])")
# Positions of the document number in a TD2, TD3 or visa MRZ; characters a printed number
# may run on past a number cut to fit them (`_number_cut`).
_NUMBER_FIELD = 9
_MAX_NUMBER_OVERRUN = 3
# Caption words some issuers print between a number's series and the rest ("SERIA HD NR
# 198025": the MRZ's HD198025); left out of the runs a number is looked for in.
_NUMBER_WORDS = frozenset({"NR", "NO", "NUM", "NUMBER", "NUMERO"})
# Two text boxes are parts of one printed line (a date whose year stands apart: "19 OKT/OCT"
# then "1971" further right) when they overlap vertically by this share of the lower one's
# height, are of like height (the detector's boxes of one line differ by up to 1.7x), and
# the gap between them is at most this many heights.
_ROW_OVERLAP = 0.6
_ROW_HEIGHT_RATIO = 2.0
_ROW_GAP_HEIGHTS = 6.0
_DATE_FIELDS = frozenset({"date_of_birth", "expiry_date"})


def _same_date(printed: Date, iso: str) -> bool:
    """The printed date is the MRZ's. The MRZ has two-digit years: its century is a guess
    (a 1911 birth reads as 2011 on a document valid in 2012), so a four-digit printed year
    agrees by its last two digits and says which century it is (`_printed_iso`)."""
    year, month, day = (int(part) for part in iso.split("-"))
    return printed[1:] == (month, day) and printed[0] % 100 == year % 100


def _printed_iso(printed: Date, iso: str) -> str:
    """The MRZ's date with the century the document prints, when it prints one."""
    if printed[0] < 1000:
        return iso
    return f"{printed[0]:04d}{iso[4:]}"


def _runs(text: str, *, names: bool = False, number: bool = False) -> Iterator[str]:
    """Every run of up to `_MAX_RUN` consecutive words of a line, joined by spaces (for
    ``names``, without a field number printed against a word; for a ``number``, without
    the caption words printed inside one)."""
    words = _WORD.findall(text)
    if names:
        words = [_FIELD_NUMBER.sub("", word) for word in words]
    yield from _word_runs(words)
    if number:
        kept = [word for word in words if word.upper() not in _NUMBER_WORDS]
        if len(kept) < len(words):
            yield from _word_runs(kept)


def _word_runs(words: list[str]) -> Iterator[str]:
    for start in range(len(words)):
        for end in range(start + 1, min(start + _MAX_RUN, len(words)) + 1):
            yield " ".join(words[start:end])


def _truncated(mrz: MrzResult) -> bool:
    """The name field was filled to its end: the issuer may have cut the name short."""
    if not mrz.lines:
        return False
    names_line = mrz.lines[2] if len(mrz.lines) == 3 else mrz.lines[0]  # TD1: the third
    return not names_line.endswith("<")


def _number_cut(mrz: MrzResult) -> bool:
    """The document number fills its nine MRZ positions on a layout with no room for the
    rest (TD2, TD3, visas; a TD1 card carries a longer number on in its optional data): the
    issuer may have printed a longer number and entered its first nine characters, as the
    United States do on visas (printed 555123ABC12, in the MRZ 555123ABC)."""
    value = mrz.document_number.value or ""
    return mrz.format not in (None, MrzFormat.TD1) and len(value) == _NUMBER_FIELD


def _agreeing_value(
    field: str,
    mrz_value: str,
    text: str,
    truncated: bool,
    number_cut: bool = False,
    birth_in: Callable[[str], set[Date]] | None = None,
) -> str | None:
    """The field's value when the printed ``text`` shows the MRZ's value, else None: the
    MRZ's value, but for a date printed with its century (which the MRZ lacks).
    ``birth_in``: the dates of birth the personal numbers of a text encode (`_births`)."""
    if field == "document_number" and number_cut:
        runs = _runs(text, number=True)
        return mrz_value if any(_cut_number(run, mrz_value) for run in runs) else None
    if field in ("surname", "given_names", "document_number"):
        return mrz_value if _agrees(field, mrz_value, text, truncated) else None
    dates = [date for date in printed_dates(text) if _same_date(date, mrz_value)]
    if not dates and birth_in is not None and field == "date_of_birth":
        dates = [date for date in birth_in(text) if _same_date(date, mrz_value)]
    return _printed_iso(max(dates), mrz_value) if dates else None


def _births(mrz: MrzResult) -> Callable[[str], set[Date]] | None:
    """The dates of birth encoded in the personal numbers of the MRZ's issuing state or
    nationality printed in a text (`personal_numbers`), or None where neither has such a
    scheme."""
    states = {value for value in (mrz.issuing_state.value, mrz.nationality.value) if value}
    if not states & set(personal_numbers.SCHEMES):
        return None
    return functools.partial(personal_numbers.birth_dates, states=states, sex=mrz.sex.value)


def _agrees(field: str, mrz_value: str, text: str, truncated: bool) -> bool:
    if field in ("surname", "given_names"):
        # Names are covered by no check digit: a one-letter name agrees with too much.
        if len(mrz_value.replace(" ", "")) < 2:
            return False
        runs = _runs(text, names=True)
        return any(same_name(run, mrz_value, truncated=truncated) for run in runs)
    return any(same_number(run, mrz_value) for run in _runs(text, number=True))


def _cut_number(printed: str, mrz_value: str) -> bool:
    """The printed number is the MRZ's, or begins with it and runs on by a few characters
    (`_number_cut`): what the MRZ does not hold is not compared."""
    if same_number(printed, mrz_value):
        return True
    folded, wanted = shape_fold(printed, number=True), shape_fold(mrz_value, number=True)
    extra = len(folded) - len(wanted)
    return 0 < extra <= _MAX_NUMBER_OVERRUN and folded.startswith(wanted)


def find_mrz_values(
    mrz: MrzResult, boxes: Sequence[TextBox], fields: Sequence[str] = MATCHED_FIELDS
) -> dict[str, VizField]:
    """The printed lines that print each MRZ value (not those the MRZ marks invalid), as
    `VizField`s with ``matches_mrz`` set, the MRZ's value (a date with the century the
    document prints) and the line's recognition confidence; the most confident line when
    several do."""
    truncated = _truncated(mrz)
    number_cut = _number_cut(mrz)
    births = _births(mrz)
    found: dict[str, VizField] = {}
    joined: list[TextBox] | None = None
    for field in fields:
        mrz_field = mrz.fields[field]
        if mrz_field.value is None or mrz_field.valid is False:
            continue
        candidates = list(boxes)
        if field in _DATE_FIELDS:
            joined = joined if joined is not None else row_joined(boxes)
            candidates += joined
        best: tuple[TextBox, str] | None = None
        for box in candidates:
            if best is not None and box.score <= best[0].score:
                continue
            # Only what was read whole: a line read in part may have split its last word
            # (a name cut to the MRZ's, a year cut to two digits).
            text = box.whole_text
            value = _agreeing_value(field, mrz_field.value, text, truncated, number_cut, births)
            if value is not None:
                best = box, value
        if best is not None:
            box, value = best
            found[field] = VizField(
                name=field,
                value=value,
                text=box.text,
                confidence=round(box.score, 4),
                matches_mrz=True,
            )
    return found


def _same_row(left: TextBox, right: TextBox) -> bool:
    """``right`` continues ``left``'s printed line: beside it to the right, of like height,
    overlapping it vertically, not further away than `_ROW_GAP_HEIGHTS` heights."""
    low, high = sorted((left.height, right.height))
    if low <= 0 or high > _ROW_HEIGHT_RATIO * low:
        return False
    overlap = min(left.bottom, right.bottom) - max(left.top, right.top)
    gap = right.left - left.right
    return overlap >= _ROW_OVERLAP * low and -0.5 * low <= gap <= _ROW_GAP_HEIGHTS * low


def row_joined(boxes: Sequence[TextBox]) -> list[TextBox]:
    """Each box joined with each box that continues its printed line to the right (the
    detector splits a line at a wide gap: "19 OKT/OCT" and its year "1971", or merges the
    year with the next value), as one box with the lower confidence of the two. Only ever
    read for the MRZ's dates: a value found in such a pair is still the MRZ's value,
    character for character."""
    out: list[TextBox] = []
    for left in boxes:
        if left.cut:  # what lies between the two was not read
            continue
        for right in boxes:
            if right is left or not _same_row(left, right):
                continue
            top, bottom = min(left.top, right.top), max(left.bottom, right.bottom)
            quad = np.array(
                [[left.left, top], [right.right, top], [right.right, bottom], [left.left, bottom]],
                dtype=np.float32,
            )
            text = f"{left.text} {right.text}"
            score = min(left.score, right.score)
            out.append(TextBox(quad=quad, text=text, score=score, cut=right.cut))
    return out


# Characters a line begun must share with an MRZ name or number to be worth reading whole.
_SHARED_RUN = 4


def may_hold_mrz_value(mrz: MrzResult, begun: str) -> bool:
    """A line recognised only in part (its first characters, ``begun``) may go on to print
    one of the MRZ's values: it shares a run of characters with a name or the number, or
    holds digits (a date, a number)."""
    if sum(char.isdigit() for char in begun) >= 2:
        return True
    text = shape_fold(begun)
    for field in ("surname", "given_names", "document_number"):
        value = shape_fold(mrz.fields[field].value or "")
        runs = {value[i : i + _SHARED_RUN] for i in range(len(value) - _SHARED_RUN + 1)}
        if any(run in text for run in runs):
            return True
    return False
