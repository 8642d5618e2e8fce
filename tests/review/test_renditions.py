"""Renditions of a document page for the case view: smaller, upright as the browser shows the
original, and only at the widths the pages ask for."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from openidv.review.renditions import WIDTHS, rendition


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    rng = np.random.default_rng(width + height)
    pixels = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).resize((width, height))
    image.paste((255, 0, 0), (0, 0, width // 4, height // 4))  # a red top-left corner
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image.convert("RGB")


def test_a_large_page_comes_at_the_width_asked_for_and_far_lighter() -> None:
    original = _jpeg(2400, 1520)
    for width in WIDTHS:
        smaller = rendition(original, width)
        assert smaller is not None and len(smaller) < len(original) / 3
        image = _open(smaller)
        assert image.size == (width, round(1520 * width / 2400))
        red = image.getpixel((width // 16, image.height // 16))
        assert isinstance(red, tuple) and red[0] > 200 > red[1]


def test_exif_orientation_is_applied_as_the_browser_would() -> None:
    """Orientation 6: stored sideways, shown turned a quarter clockwise (the top-left corner
    goes to the top right), and the width asked for is the width shown."""
    image = _open(rendition(_jpeg(2400, 1520, orientation=6), 800) or b"")
    assert image.size == (800, round(2400 * 800 / 1520))
    red = image.getpixel((800 - 800 // 16, image.height // 16))
    assert isinstance(red, tuple) and red[0] > 200 > red[1]


def test_what_cannot_be_smaller_is_served_as_it_is() -> None:
    assert rendition(_jpeg(2400, 1520), 1000) is None  # not a width the pages ask for
    assert rendition(_jpeg(1000, 700), 1200) is None  # already small enough
    assert rendition(b"%PDF-1.7 not an image", 800) is None
