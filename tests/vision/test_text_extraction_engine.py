"""The ID_DOCUMENT_TEXT_DATA_EXTRACTION engine on generated documents."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.checks.readers import document_reader
from openidv.checks.text_extraction import TextExtractionEngine, plausible_printed
from openidv.vision.synth import generate_document


@pytest.fixture(scope="module")
def engine() -> TextExtractionEngine:
    return TextExtractionEngine()


def _page(n: int, image: bytes) -> MediaItem:
    return MediaItem(media_id=f"p{n}", content_type="image/png", load=lambda: image)


def _evidence(*images: bytes) -> Evidence:
    pages = [_page(n, image) for n, image in enumerate(images)]
    return Evidence(
        session_id="s",
        item_type="ID_DOCUMENT_TEXT_DATA_EXTRACTION",
        config={},
        resources=[EvidenceResource("d", "ID_DOCUMENT", "PASSPORT", "UTO", None, pages=pages)],
    )


@pytest.mark.parametrize("fmt", ["TD3", "TD1"])
def test_valid_mrz_becomes_document_fields(engine: TextExtractionEngine, fmt: str) -> None:
    document = generate_document(11, fmt=fmt, degradation="jpeg")
    result = engine.run(_evidence(document.image))
    assert result.decided and result.recommendation == {"value": "PROGRESS"}
    [media] = result.media
    fields = json.loads(media.content)
    assert media.role == "document_fields"
    assert fields["document_number"] == document.identity.document_number
    assert fields["date_of_birth"] == document.identity.date_of_birth.isoformat()


def test_stale_check_digit_goes_to_a_human(engine: TextExtractionEngine) -> None:
    document = generate_document(12, fmt="TD3", attack="stale_check_digit")
    result = engine.run(_evidence(document.image))
    assert not result.decided and result.media == []
    assert result.recommendation is not None
    assert result.recommendation["value"] == "SHOULD_TRY_AGAIN"


def test_blank_page_is_not_an_mrz(engine: TextExtractionEngine) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 500), (240, 240, 240)).save(buffer, "PNG")
    result = engine.run(_evidence(buffer.getvalue()))
    assert not result.decided
    assert (
        result.recommendation is not None and result.recommendation["reason"]["value"] == "QUALITY"
    )


def test_the_shared_reader_caches_pages() -> None:
    # The authenticity check and this task read the same pages in one worker: the shared
    # reader keeps recent pages, so the second read reuses the first one's OCR.
    doc = generate_document(41, fmt="TD3")
    first = document_reader().read(doc.image, today=doc.today, read_viz=True)
    second = document_reader().read(doc.image, today=doc.today, read_viz=False)
    assert "cached" in second.timings_ms and "mrz_ocr" not in second.timings_ms
    assert second.mrz == first.mrz and second.mrz_valid


def test_printed_only_values_must_be_plausible() -> None:
    mrz = {"date_of_birth": "1971-10-19", "expiration_date": "2011-08-28"}
    assert plausible_printed("date_of_issue", "2006-08-28", mrz)
    assert not plausible_printed("date_of_issue", "2030-10-14", mrz)  # after the expiry
    assert not plausible_printed("date_of_issue", "1960-01-01", mrz)  # before the birth
    assert plausible_printed("place_of_birth", "PRAHA 1", mrz)
    assert not plausible_printed("place_of_birth", "15 0CT 2020", mrz)  # a date
    assert not plausible_printed("place_of_birth", "25 MAY /MAY", mrz)  # a date cut short
    assert not plausible_printed("place_of_birth", "PLACE AND DATE OF BIRTH", mrz)  # caption
    assert plausible_printed("authority", "STADT KÖLN", mrz)
    assert plausible_printed("address", "1 MAIN STREET, 12345 TOWN", mrz)
    assert not plausible_printed("address", "12.08.2006", mrz)
