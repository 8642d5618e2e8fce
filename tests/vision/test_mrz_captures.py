"""MRZ finding on captures the generator does not draw itself: pages tilted past what the
line finder copes with, turned a quarter in a landscape frame, shrunk until the MRZ
characters are a few pixels high, cut down to the MRZ alone, a stamp or drawn arrows over the
lines, a small card on a plain background. Each input is built here from a generated page."""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageDraw

from openidv.vision.documents import DocumentReader, DocumentReading, ReasonCode
from openidv.vision.documents.band import find_mrz_lines
from openidv.vision.documents.locate import decode_image, locate_document
from openidv.vision.documents.skew import rotate_page, text_angle
from openidv.vision.synth import DocFormat, SyntheticDocument, generate_document

BACKDROP = (96, 84, 70)  # a wooden table


@pytest.fixture(scope="module")
def reader() -> Iterator[DocumentReader]:
    yield DocumentReader()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _page(doc: SyntheticDocument) -> Image.Image:
    return Image.open(io.BytesIO(doc.image)).convert("RGB")


def _read(reader: DocumentReader, doc: SyntheticDocument, image: Image.Image) -> DocumentReading:
    return reader.read(_png(image), today=doc.today, read_viz=False)


def _exact(reading: DocumentReading, doc: SyntheticDocument) -> bool:
    """Every MRZ line read as printed. (Validity is not asked: names read from small
    characters and found printed nowhere are left in doubt by the reader, on purpose.)"""
    exact = reading.mrz is not None and reading.mrz.lines == doc.mrz_lines
    assert exact or not reading.mrz_valid  # never a false accept
    return exact


def _mrz_box(image: Image.Image) -> tuple[int, int, int, int]:
    """The MRZ lines' bounding box on ``image`` (found on the page as generated)."""
    pixels = np.asarray(image)[:, :, ::-1].copy()
    located = locate_document(pixels)
    lines = find_mrz_lines(located.image)
    assert lines
    quads = np.concatenate([line.quad(0.8, 0.35) for line in lines]) * located.scale
    x0, y0 = quads.min(axis=0)
    x1, y1 = quads.max(axis=0)
    return int(x0), int(y0), int(x1), int(y1)


@pytest.mark.parametrize("angle", [25, -25, 30])
def test_a_tilted_page_is_straightened_by_its_text(reader: DocumentReader, angle: int) -> None:
    doc = generate_document(41, fmt=DocFormat.TD3)
    page = _page(doc)
    canvas = Image.new("RGB", (page.width + 200, page.height + 200), BACKDROP)
    canvas.paste(page, (100, 100))
    tilted = canvas.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=BACKDROP
    )
    reading = _read(reader, doc, tilted)
    assert _exact(reading, doc), reading.mrz_text


def test_text_angle_measures_the_tilt() -> None:
    doc = generate_document(42, fmt=DocFormat.TD1)
    pixels = decode_image(doc.back_image or doc.image)
    assert pixels is not None
    for angle in (0.0, 12.0, -28.0, 90.0):
        turned = rotate_page(pixels, angle)
        measured = text_angle(turned)
        assert measured is not None
        # Rotating by +angle lays lines tilted by -angle flat.
        difference = (measured + angle + 90) % 180 - 90
        assert abs(difference) < 1.5, (angle, measured)


def test_a_quarter_turned_page_in_a_landscape_frame(reader: DocumentReader) -> None:
    doc = generate_document(43, fmt=DocFormat.TD3)
    page = _page(doc).rotate(90, expand=True)
    frame = Image.new("RGB", (round(page.height * 1.6), page.height + 40), (240, 240, 236))
    frame.paste(page, ((frame.width - page.width) // 2, 20))
    reading = _read(reader, doc, frame)
    assert _exact(reading, doc), reading.mrz_text


@pytest.mark.parametrize(("fmt", "glyph_px"), [(DocFormat.TD3, 7.5), (DocFormat.TD1, 7.0)])
def test_small_images_are_read_by_the_height_of_their_mrz(
    reader: DocumentReader, fmt: DocFormat, glyph_px: float
) -> None:
    doc = generate_document(44, fmt=fmt)
    page = _page(doc)
    full = _read(reader, doc, page)
    assert full.quality is not None and full.quality.mrz_text_height_px is not None
    factor = glyph_px / full.quality.mrz_text_height_px
    small = page.resize(
        (round(page.width * factor), round(page.height * factor)), Image.Resampling.LANCZOS
    )
    assert min(small.size) < 260  # a page this small was refused by a flat 200 px floor
    reading = _read(reader, doc, small)
    assert _exact(reading, doc), reading.mrz_text
    assert reading.quality is not None and reading.quality.mrz_text_height_px is not None
    # Measured in the image as given, not on the page upsampled for reading.
    assert abs(reading.quality.mrz_text_height_px - glyph_px) < 1.5
    assert reading.has(ReasonCode.LOW_RESOLUTION)  # still flagged for the decisions


def test_an_illegible_mrz_is_refused(reader: DocumentReader) -> None:
    doc = generate_document(45, fmt=DocFormat.TD3)
    page = _page(doc)
    tiny = page.resize((page.width // 6, page.height // 6), Image.Resampling.LANCZOS)
    reading = _read(reader, doc, tiny)
    assert not reading.mrz_valid
    assert reading.has(ReasonCode.IMAGE_TOO_SMALL) or reading.has(ReasonCode.NO_MRZ)


def test_the_mrz_alone_is_read(reader: DocumentReader) -> None:
    doc = generate_document(46, fmt=DocFormat.TD3)
    page = _page(doc)
    x0, y0, x1, y1 = _mrz_box(page)
    crop = page.crop((max(0, x0 - 10), max(0, y0 - 6), min(page.width, x1 + 10), y1 + 6))
    assert crop.height < 200
    reading = _read(reader, doc, crop)
    assert _exact(reading, doc), reading.mrz_text


def test_a_stamp_and_drawn_arrows_over_the_mrz(reader: DocumentReader) -> None:
    doc = generate_document(47, fmt=DocFormat.TD3)
    page = _page(doc)
    x0, y0, x1, y1 = _mrz_box(page)
    marks = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(marks)
    # A red rubber stamp over the start of line 1 (translucent ink), and coloured arrows
    # drawn along the lines, touching them, as on an annotated help image.
    centre = (x0 + (x1 - x0) // 5, y0 + (y1 - y0) // 4)
    radius = (y1 - y0) // 2
    box = (centre[0] - 2 * radius, centre[1] - radius, centre[0] + 2 * radius, centre[1] + radius)
    draw.ellipse(box, outline=(200, 20, 30, 150), width=max(3, radius // 6))
    draw.line((x0, y0 + 2, x1, y0 + 2), fill=(230, 20, 20, 255), width=3)
    draw.line((x0, y1 - 2, x1, y1 - 2), fill=(20, 190, 40, 255), width=3)
    marked = Image.alpha_composite(page.convert("RGBA"), marks).convert("RGB")
    reading = _read(reader, doc, marked)
    assert _exact(reading, doc), reading.mrz_text


def test_a_small_card_on_a_white_table(reader: DocumentReader) -> None:
    doc = generate_document(48, fmt=DocFormat.TD1, two_sided=True)
    assert doc.back_image is not None
    card = Image.open(io.BytesIO(doc.back_image)).convert("RGB")
    card = card.resize((card.width * 440 // card.width, card.height * 440 // card.width))
    table = Image.new("RGB", (1000, 707), (252, 252, 252))
    table.paste(card.rotate(3, expand=True, fillcolor=(252, 252, 252)), (240, 170))
    reading = _read(reader, doc, table)
    assert _exact(reading, doc), reading.mrz_text


def test_names_come_with_their_legibility(reader: DocumentReader) -> None:
    doc = generate_document(49, fmt=DocFormat.TD3)
    reading = _read(reader, doc, _page(doc))
    assert _exact(reading, doc)
    assert len(reading.mrz_confidence) == 2 and min(reading.mrz_confidence) > 0.8
    fields = reading.mrz_field_confidence
    assert {"surname", "given_names", "document_code", "document_number"} <= set(fields)
    assert all(0.0 <= value <= 1.0 for value in fields.values())


def test_a_two_page_booklet_scan(reader: DocumentReader) -> None:
    # The data page below the facing page, as a flatbed scan of the open booklet shows it:
    # a portrait frame whose top half holds printed text but no MRZ.
    doc = generate_document(50, fmt=DocFormat.TD3)
    page = _page(doc)
    facing = _page(generate_document(51, fmt=DocFormat.TD3))
    top = _mrz_box(facing)[1]
    facing = facing.crop((0, 0, facing.width, top - 4)).resize(page.size)
    scan = Image.new("RGB", (page.width + 60, 2 * page.height + 90), (250, 250, 250))
    scan.paste(facing, (30, 30))
    scan.paste(page, (30, page.height + 60))
    ImageDraw.Draw(scan).line((0, page.height + 45, scan.width, page.height + 45), (90, 90, 90), 3)
    reading = _read(reader, doc, scan)
    assert _exact(reading, doc), reading.mrz_text
