"""Draw one document side: underprint, portrait, captioned VIZ fields and the OCR-B MRZ.

One layout per ICAO size, at about 8-10 px/mm (visas reuse the TD3 and TD2 sizes). A TD1
card is drawn either as one side holding VIZ and MRZ (as on some residence permits, so one
image holds everything a reading test needs) or, as real cards are, as a front (portrait and
VIZ) and a back (issue details and the MRZ): ``side="front"`` / ``side="back"``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from openidv.vision.synth.artwork import draw_portrait, fit_portrait, guilloche
from openidv.vision.synth.fonts import load_font
from openidv.vision.synth.identity import DocFormat
from openidv.vision.synth.labels import TITLES, caption

__all__ = ["PageLayout", "format_date", "layout_for", "render_page"]

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def format_date(day: dt.date) -> str:
    """VIZ date as printed: '16 JUN 1969'."""
    return f"{day.day:02d} {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class PageLayout:
    """Where things go on one document size (pixels)."""

    size: tuple[int, int]
    portrait: tuple[int, int, int, int]
    fields_left: int
    fields_right: int
    fields_top: int
    row_height: int
    rows: tuple[tuple[str, ...], ...]
    caption_size: int
    value_size: int
    mrz_chars: int
    mrz_left: int
    mrz_top: int  # top of the first MRZ line's character cell
    mrz_pitch: float  # ICAO: 10 characters per inch
    mrz_line_step: int


_LAYOUTS = {
    DocFormat.TD3: PageLayout(
        size=(1000, 704),
        portrait=(40, 118, 290, 440),
        fields_left=320,
        fields_right=970,
        fields_top=104,
        row_height=72,
        rows=(
            ("surname",),
            ("given_names",),
            ("nationality", "date_of_birth"),
            ("sex", "place_of_birth"),
            ("date_of_issue", "authority"),
            ("expiry_date", "document_number"),
        ),
        caption_size=14,
        value_size=23,
        mrz_chars=44,
        mrz_left=40,
        mrz_top=574,
        mrz_pitch=20.5,
        mrz_line_step=52,
    ),
    DocFormat.TD2: PageLayout(
        size=(840, 592),
        portrait=(30, 96, 230, 356),
        fields_left=256,
        fields_right=820,
        fields_top=84,
        row_height=58,
        rows=(
            ("surname",),
            ("given_names",),
            ("nationality", "date_of_birth"),
            ("sex", "place_of_birth"),
            ("date_of_issue", "authority"),
            ("expiry_date", "document_number"),
        ),
        caption_size=12,
        value_size=19,
        mrz_chars=36,
        mrz_left=34,
        mrz_top=462,
        mrz_pitch=21.5,
        mrz_line_step=50,
    ),
    DocFormat.TD1: PageLayout(
        size=(856, 540),
        portrait=(30, 76, 210, 316),
        fields_left=234,
        fields_right=840,
        fields_top=64,
        row_height=54,
        rows=(
            ("surname", "sex"),
            ("given_names", "nationality"),
            ("date_of_birth", "document_number"),
            ("expiry_date", "date_of_issue"),
            ("place_of_birth", "authority"),
        ),
        caption_size=11,
        value_size=17,
        mrz_chars=30,
        mrz_left=52,
        mrz_top=362,
        mrz_pitch=25.0,
        mrz_line_step=54,
    ),
}


_LAYOUTS[DocFormat.MRV_A] = _LAYOUTS[DocFormat.TD3]
_LAYOUTS[DocFormat.MRV_B] = _LAYOUTS[DocFormat.TD2]
# Fields printed on a TD1 back above the MRZ (the front carries the identity).
_BACK_ROWS = (("place_of_birth",), ("date_of_issue", "authority"))


def layout_for(fmt: DocFormat) -> PageLayout:
    return _LAYOUTS[fmt]


def _draw_mrz(page: Image.Image, layout: PageLayout, lines: tuple[str, ...]) -> None:
    # Size the font so its advance equals the ICAO pitch, then place each character on
    # the pitch grid: OCR-B glyph advances are uniform, but rounding must not accumulate.
    probe = load_font("mrz", 100)
    advance = probe.getlength("M") / 100
    font = load_font("mrz", round(layout.mrz_pitch / advance))
    draw = ImageDraw.Draw(page)
    for row, line in enumerate(lines):
        y = layout.mrz_top + row * layout.mrz_line_step
        for column, char in enumerate(line):
            x = layout.mrz_left + column * layout.mrz_pitch
            draw.text((x, y), char, font=font, fill=(22, 22, 26))


def render_page(
    rng: random.Random,
    fmt: DocFormat,
    *,
    country_name: str,
    language: str,
    viz: dict[str, str],
    mrz_lines: tuple[str, ...],
    portrait: Image.Image | bytes | None,
    side: str = "both",
) -> Image.Image:
    """The clean, flat document image. ``viz`` maps field names to the printed text.

    ``side``: "both" (VIZ and MRZ on one page), "front" (no MRZ) or "back" (TD1 back)."""
    layout = _LAYOUTS[fmt]
    page = guilloche(rng, layout.size)
    draw = ImageDraw.Draw(page)
    width, _ = layout.size
    if side == "back":
        _draw_back(page, layout, language=language, viz=viz)
        _draw_mrz(page, layout, mrz_lines)
        return page
    # Header: issuing state and document title.
    title_key = "TD3" if fmt is DocFormat.TD3 else "VISA" if fmt.is_visa else "ID"
    title = f"{TITLES[title_key]['en']} / {TITLES[title_key][language]}"
    header_font = load_font("bold", max(16, layout.value_size - 2))
    draw.text((layout.portrait[0], 18), country_name, font=header_font, fill=(40, 40, 90))
    title_font = load_font("regular", layout.caption_size + 2)
    title_width = draw.textlength(title, font=title_font)
    draw.text((width - 30 - title_width, 22), title, font=title_font, fill=(40, 40, 90))
    # Portrait: the caller's photo when given (face-matching tests), else a drawn one.
    x0, y0, x1, y1 = layout.portrait
    box = (x1 - x0, y1 - y0)
    photo = fit_portrait(portrait, box) if portrait is not None else draw_portrait(rng, box)
    page.paste(photo, (x0, y0))
    # Fields: caption in small grey type, value below in bold black.
    caption_font = load_font("regular", layout.caption_size)
    value_font = load_font("bold", layout.value_size)
    for index, row in enumerate(layout.rows):
        y = layout.fields_top + index * layout.row_height
        column_width = (layout.fields_right - layout.fields_left) / len(row)
        for column, field in enumerate(row):
            x = layout.fields_left + column * column_width
            draw.text((x, y), caption(field, language), font=caption_font, fill=(70, 70, 95))
            draw.text(
                (x, y + layout.caption_size + 5), viz[field], font=value_font, fill=(15, 15, 20)
            )
    if side != "front":
        _draw_mrz(page, layout, mrz_lines)
    return page


def _draw_back(
    page: Image.Image, layout: PageLayout, *, language: str, viz: dict[str, str]
) -> None:
    draw = ImageDraw.Draw(page)
    caption_font = load_font("regular", layout.caption_size)
    value_font = load_font("bold", layout.value_size)
    left, right = layout.mrz_left, layout.fields_right
    for index, row in enumerate(_BACK_ROWS):
        y = 40 + index * layout.row_height
        column_width = (right - left) / len(row)
        for column, field in enumerate(row):
            x = left + column * column_width
            draw.text((x, y), caption(field, language), font=caption_font, fill=(70, 70, 95))
            draw.text(
                (x, y + layout.caption_size + 5), viz[field], font=value_font, fill=(15, 15, 20)
            )
