"""A two-sided real card judged as a session judges it: its sides as the pages of one document.

The corpus (../shared/corpora/real-documents) pairs a card's front and back in one truth line
(``file`` and ``back``). A session uploads them as two pages of one ID_DOCUMENT resource, and
the engines must compare the back's MRZ with the front's printed zone: neither side alone
holds both. The images are read where they lie, never copied; the test skips without them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from openidv.checks.authenticity import AuthenticityEngine
from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.checks.text_extraction import TextExtractionEngine

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "real-documents"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "truth.jsonl").is_file(), reason="the real-document corpus is not here"
)


def _two_sided() -> list[dict[str, Any]]:
    if not (CORPUS / "truth.jsonl").is_file():
        return []
    truths = [json.loads(line) for line in (CORPUS / "truth.jsonl").read_text().splitlines()]
    return [t for t in truths if t.get("back") and t["class"] == "bar"]


def _evidence(item_type: str, *files: str) -> Evidence:
    """One ID_DOCUMENT resource whose pages are ``files`` in order, as `checks.processing`
    builds a session's evidence."""
    pages = [MediaItem(f"p{n}", "image/png", (CORPUS / f).read_bytes) for n, f in enumerate(files)]
    resource = EvidenceResource("d", "ID_DOCUMENT", "NATIONAL_ID", None, None, pages=pages)
    return Evidence(session_id="s", item_type=item_type, config={}, resources=[resource])


def _as_of(truth: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(truth["expiry"]) - dt.timedelta(days=30)


def _sub(report: dict[str, Any], name: str) -> str | None:
    return next((b["result"] for b in report["breakdown"] if b["sub_check"] == name), None)


TWO_SIDED = _two_sided()


def test_the_corpus_holds_a_two_sided_card_with_its_mrz_on_the_back() -> None:
    assert any(t["format"] == "TD1" for t in TWO_SIDED)


@pytest.mark.parametrize("truth", TWO_SIDED, ids=lambda t: t["id"])
def test_a_cards_sides_are_compared_across_its_pages(truth: dict[str, Any]) -> None:
    engine = AuthenticityEngine(as_of=_as_of(truth))
    for order in ((truth["file"], truth["back"]), (truth["back"], truth["file"])):
        result = engine.run(_evidence("ID_DOCUMENT_AUTHENTICITY", *order))
        assert result.report is not None
        assert _sub(result.report, "ocr_mrz_comparison") == "PASS", order
        assert _sub(result.report, "front_back_consistency") == "PASS", order
        assert result.report["recommendation"] == {"value": "APPROVE"}, order


@pytest.mark.parametrize("truth", TWO_SIDED, ids=lambda t: t["id"])
def test_either_side_alone_is_not_approved(truth: dict[str, Any]) -> None:
    # The front prints the holder's details but no MRZ; the back the MRZ but no details:
    # alone, neither can show the other is not altered.
    engine = AuthenticityEngine(as_of=_as_of(truth))
    for side in (truth["file"], truth["back"]):
        result = engine.run(_evidence("ID_DOCUMENT_AUTHENTICITY", side))
        assert result.report is not None
        assert result.report["recommendation"]["value"] == "NOT_AVAILABLE", side
        assert _sub(result.report, "ocr_mrz_comparison") != "PASS", side


@pytest.mark.parametrize("truth", TWO_SIDED, ids=lambda t: t["id"])
def test_the_fields_of_a_two_sided_card_are_extracted(truth: dict[str, Any]) -> None:
    engine = TextExtractionEngine(as_of=_as_of(truth))
    result = engine.run(_evidence("ID_DOCUMENT_TEXT_DATA_EXTRACTION", truth["file"], truth["back"]))
    assert result.recommendation == {"value": "PROGRESS"}
    [media] = result.media
    fields = json.loads(media.content)
    assert fields["family_name"] == truth["surname"]
    assert fields["document_number"] == truth["document_number"]
    assert fields["date_of_birth"] == truth["date_of_birth"]
    # The names and the number were also found printed on the front.
    assert "printed_confidence" in fields["field_sources"]["family_name"]
