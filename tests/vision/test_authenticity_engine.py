"""The ID_DOCUMENT_AUTHENTICITY engine on generated documents and attacks."""

from __future__ import annotations

import pytest

from openidv.checks.authenticity import AuthenticityEngine
from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.vision.synth import generate_document


@pytest.fixture(scope="module")
def engine() -> AuthenticityEngine:
    return AuthenticityEngine()


def _evidence(image: bytes) -> Evidence:
    page = MediaItem(media_id="p", content_type="image/png", load=lambda: image)
    return Evidence(
        session_id="s",
        item_type="ID_DOCUMENT_AUTHENTICITY",
        config={},
        resources=[EvidenceResource("d", "ID_DOCUMENT", "PASSPORT", "UTO", None, pages=[page])],
    )


@pytest.mark.parametrize(
    ("attack", "degradation", "value", "reason", "decided"),
    [
        ("none", "jpeg", "APPROVE", None, True),
        ("expired", "clean", "REJECT", "EXPIRED_DOCUMENT", True),
        ("stale_check_digit", "clean", "REJECT", "TAMPERED", True),
        ("mrz_viz_mismatch", "clean", "REJECT", "TAMPERED", True),
        ("photocopy", "clean", "REJECT", "DOCUMENT_COPY", True),
        ("none", "heavy_blur", "NOT_AVAILABLE", "PHOTO_TOO_BLURRY", False),
    ],
)
def test_decisions(
    engine: AuthenticityEngine, attack: str, degradation: str, value: str, reason: str | None,
    decided: bool,
) -> None:  # fmt: skip
    document = generate_document(31, fmt="TD3", attack=attack, degradation=degradation)
    result = engine.run(_evidence(document.image))
    assert result.report is not None
    recommendation = result.report["recommendation"]
    assert recommendation.get("value") == value and recommendation.get("reason") == reason
    assert result.decided is decided
    names = {b["sub_check"] for b in result.report["breakdown"]}
    assert {"mrz_validation", "ocr_mrz_comparison", "document_in_date"} <= names
