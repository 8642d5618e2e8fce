"""PDF scans: the first page drawn to a JPEG in a limited child process; too many pages, a
page too large, a damaged file or a PDF where no upload is allowed are refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from openidv.capture.images import ImageRefused, sniff
from openidv.capture.pdf import MAX_PDF_PAGES, MAX_RENDER_SIDE


def _pdf(pages: int = 1, size: tuple[int, int] = (1240, 1754), dpi: float = 150.0) -> bytes:
    """An A4 scan at 150 dpi (Pillow writes the PDF), the first page dark red."""
    images = [
        Image.new("RGB", size, (150, 20, 20) if i == 0 else (20, 20, 150)) for i in range(pages)
    ]
    out = io.BytesIO()
    images[0].save(out, format="PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out.getvalue()


def test_first_page_becomes_a_jpeg() -> None:
    found = sniff(_pdf(pages=2), allow_pdf=True)
    assert found.content_type == "image/jpeg" and found.from_pdf
    assert found.content[:2] == b"\xff\xd8" and b"%PDF" not in found.content
    assert max(found.width, found.height) <= MAX_RENDER_SIDE
    assert (found.width, found.height) == (1654, 2339)  # A4 at 200 dpi
    with Image.open(io.BytesIO(found.content)) as image:
        pixel = image.convert("RGB").getpixel((10, 10))
    assert isinstance(pixel, tuple)
    red, green = pixel[0], pixel[1]
    assert red > 120 and green < 60  # the first page, not the second


def test_pdf_only_where_uploads_are_allowed() -> None:
    with pytest.raises(ImageRefused, match="only as an uploaded document scan"):
        sniff(_pdf())


def test_too_many_pages() -> None:
    with pytest.raises(ImageRefused, match=f"at most {MAX_PDF_PAGES}"):
        sniff(_pdf(pages=MAX_PDF_PAGES + 1, size=(50, 70)), allow_pdf=True)


def test_a_page_too_large_to_be_a_document() -> None:
    # 3000 px at 36 dpi: a 6000 pt page (a poster), which would draw to a huge bitmap.
    with pytest.raises(ImageRefused, match="first page"):
        sniff(_pdf(size=(3000, 3000), dpi=36.0), allow_pdf=True)


def test_a_damaged_pdf() -> None:
    with pytest.raises(ImageRefused):
        sniff(b"%PDF-1.7\n" + b"\x00garbage" * 100, allow_pdf=True)


def test_a_statement_keeps_its_first_pages() -> None:
    """A proof of address sent as a PDF keeps up to the pages asked for, in order; an ID
    document's scan (one page asked) keeps its first alone."""
    found = sniff(_pdf(pages=3), allow_pdf=True, pdf_pages=4)
    assert len(found.more_pages) == 2
    with Image.open(io.BytesIO(found.more_pages[0])) as image:
        pixel = image.convert("RGB").getpixel((10, 10))
    assert isinstance(pixel, tuple) and pixel[2] > 120 and pixel[0] < 60  # page two, blue
    assert sniff(_pdf(pages=3), allow_pdf=True).more_pages == ()
    assert len(sniff(_pdf(pages=6), allow_pdf=True, pdf_pages=4).more_pages) == 3
