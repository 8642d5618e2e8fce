"""Which text lines of the printed zone (VIZ) are recognised, and how much of each.

Recognition is most of a VIZ read's time and costs in proportion to a line's length. Of a
typical page's 22 lines, about half are captions ("Date of birth / Date de naissance"), a
quarter the values the checks compare (names, dates, number, sex), the rest the issuing
state, the document's title and values nobody compares. Every line is read first only up
to `CAPTION_ASPECT` heights, enough to tell every caption apart and to read most values
whole (dates, numbers and names are short); then only the lines that were cut short and
may hold a wanted value are read again whole: those printed under a wanted field's caption.

Captions cannot be told from values by size before they are read: the detector's boxes
around the smaller caption type are about as high as the values' (21-28 px against 23-34 px
on a 1000 px page).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import cv2
import numpy as np
from numpy.typing import NDArray

from openidv.vision.documents.ocr import TextBox, crop_quad
from openidv.vision.documents.viz import caption_field, value_distance

__all__ = ["CAPTION_ASPECT", "PrintedLines", "continues_right", "stacked_rows"]

Array = NDArray[np.uint8]
Recognise = Callable[[list[Array]], list[tuple[str, float]]]

# A detected box holds two stacked lines (small print: a caption and its value merged) when
# its ink, row by row, falls between two bands to this share of the fainter band's peak;
# each band must be at least this many pixels high and the gap lie in the box's middle.
STACK_GAP_SHARE = 0.25
MIN_STACKED_ROW_PX = 4
STACK_MARGIN = 0.2

# A detected line goes on past its box's right end when the box widened by this many of
# its heights reads as its own text and more (`continues_right`); a gap between columns is
# wider, a space between words narrower.
CONTINUATION_HEIGHTS = 1.5
# ... the more being at least this many letters or digits, read with this confidence.
MIN_CONTINUATION_CHARS = 2
MIN_CONTINUATION_SCORE = 0.8

# Lines are first recognised up to 6.5 x their height (about 16 characters: "Date of birth
# / G", "Fecha de nacimi"), enough to identify every caption of the table and no wider than
# the recogniser's own minimum input (see `ocr.OcrEngine`).
CAPTION_ASPECT = 6.5


class PrintedLines:
    """The text lines detected on a printed zone, and what was recognised of them so far: a
    read that wants more fields than an earlier one recognises only the lines it adds."""

    def __init__(self, image: Array, quads: list[NDArray[np.float32]]) -> None:
        self.image = image
        self.quads = quads
        self._read: dict[int, tuple[str, float]] = {}
        self._cut: set[int] = set()  # lines read only up to CAPTION_ASPECT heights

    def boxes(
        self,
        recognise: Recognise,
        fields: Collection[str] | None = None,
        may_hold: Callable[[str], bool] | None = None,
    ) -> list[TextBox]:
        """The recognised lines, in detection order, blank ones left out: every line at
        least begun, and whole where it may hold a value of ``fields`` (of any field when
        None) or where ``may_hold`` says its beginning may go on to a wanted value (the
        MRZ's values are looked for on every line: `matching`)."""
        self._recognise(recognise, [i for i in range(len(self.quads)) if i not in self._read])
        lines = self._value_lines(fields)
        if may_hold is not None:
            lines |= {index for index in self._cut if may_hold(self._read[index][0])}
        self._recognise(recognise, sorted(lines), whole=True)
        return [
            TextBox(self.quads[index], text, score, cut=index in self._cut)
            for index, (text, score) in sorted(self._read.items())
            if text.strip()
        ]

    def _value_lines(self, fields: Collection[str] | None) -> set[int]:
        """Lines cut short that may hold the value of a wanted field: printed under its
        caption (and, when every field is wanted, any line that is no caption). A value cut
        short can pass for a caption ("PASSPORT OF[FICE]" for "Passport No"): when nothing
        but such lines lies under a wanted caption, they are read whole too."""
        captions = {
            index: field
            for index, (text, _) in self._read.items()
            if (field := caption_field(text)) is not None
        }
        lines: set[int] = set() if fields is not None else self._cut - set(captions)
        for caption, field in captions.items():
            if fields is not None and field not in fields:
                continue
            under = [
                index
                for index in self._read
                if index != caption
                and value_distance(self._box(caption), self._box(index)) is not None
            ]
            values = [index for index in under if index not in captions]
            lines.update(index for index in values or under if index in self._cut)
        return lines

    def _box(self, index: int) -> TextBox:
        text, score = self._read[index]
        return TextBox(self.quads[index], text, score, cut=index in self._cut)

    def _recognise(self, recognise: Recognise, indices: list[int], *, whole: bool = False) -> None:
        crops = []
        for index in indices:
            crop = crop_quad(self.image, self.quads[index])
            limit = max(4, round(CAPTION_ASPECT * crop.shape[0]))
            if not whole and crop.shape[1] > limit:
                crop = crop[:, :limit]
                self._cut.add(index)
            else:
                self._cut.discard(index)
            crops.append(crop)
        for index, result in zip(indices, recognise(crops), strict=True):
            self._read[index] = result


def stacked_rows(crop: Array) -> float | None:
    """Where a line's crop divides into two stacked lines of text (as a fraction of its
    height), or None when it holds one. The detector merges small print with the line
    above or below it (a 4 px passport number with its caption), and the recogniser reads
    the two as one garbled line; split apart, each reads. By the dark ink of each row
    (Otsu, on each pixel's darkest channel: coloured captions are ink too)."""
    grey = crop.min(axis=2) if crop.ndim == 3 else crop
    height = grey.shape[0]
    if height < 2 * MIN_STACKED_ROW_PX + 1:
        return None
    _, ink = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    rows = ink.mean(axis=1)
    low, high = (
        max(MIN_STACKED_ROW_PX, round(STACK_MARGIN * height)),
        round((1 - STACK_MARGIN) * height),
    )
    if low >= high:
        return None
    gap = low + int(np.argmin(rows[low:high]))
    above, below = float(rows[:gap].max()), float(rows[gap + 1 :].max())
    if rows[gap] > STACK_GAP_SHARE * min(above, below):
        return None
    # Each side must hold a band of ink, not a stray stroke (a descender, an underline).
    strong = STACK_GAP_SHARE * min(above, below)
    if (rows[:gap] > strong).sum() < MIN_STACKED_ROW_PX:
        return None
    if (rows[gap + 1 :] > strong).sum() < MIN_STACKED_ROW_PX:
        return None
    return float(gap / height)


def continues_right(image: Array, box: TextBox, recognise: Recognise) -> bool:
    """The printed line goes on to the right of ``box``: the detector ended the box inside
    the line ("UNITED STATES DE" of "UNITED STATES DEPARTMENT OF STATE"), so a value read
    from it is cut. The box widened to the right is read again: its own text followed by
    more letters or digits read with confidence is a line that continues; a guilloche or
    a watermark beyond the box reads as nothing sure."""
    if box.cut:
        return True
    quad = np.asarray(box.quad, np.float32).copy()
    reach = CONTINUATION_HEIGHTS * max(box.height, 1.0)
    limit = image.shape[1] - 1.0
    quad[[1, 2], 0] = np.minimum(quad[[1, 2], 0] + reach, limit)
    if float(quad[[1, 2], 0].min()) <= box.right + 1.0:
        return False  # at the image's edge: nothing follows
    ((text, score),) = recognise([crop_quad(image, quad)])
    own, read = _alnum(box.text), _alnum(text)
    return (
        score >= MIN_CONTINUATION_SCORE
        and len(read) >= len(own) + MIN_CONTINUATION_CHARS
        and read.startswith(own)
    )


def _alnum(text: str) -> str:
    return "".join(char for char in text.upper() if char.isalnum())
