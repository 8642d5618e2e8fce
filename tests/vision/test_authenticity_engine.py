"""The ID_DOCUMENT_AUTHENTICITY engine on generated documents and attacks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageFilter

from openidv.capture.quality import check_page
from openidv.checks.authenticity import AuthenticityEngine
from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.vision.synth import generate_document


@pytest.fixture(scope="module")
def engine() -> AuthenticityEngine:
    return AuthenticityEngine()


def _evidence(*images: bytes) -> Evidence:
    pages = [
        MediaItem(
            media_id=f"p{index}", content_type="image/png", load=functools.partial(bytes, image)
        )
        for index, image in enumerate(images)
    ]
    return Evidence(
        session_id="s",
        item_type="ID_DOCUMENT_AUTHENTICITY",
        config={},
        resources=[EvidenceResource("d", "ID_DOCUMENT", "PASSPORT", "UTO", None, pages=pages)],
    )


@pytest.mark.parametrize(
    ("attack", "degradation", "value", "reason", "decided"),
    [
        ("none", "jpeg", "APPROVE", None, True),
        ("expired", "clean", "REJECT", "EXPIRED_DOCUMENT", True),
        ("stale_check_digit", "clean", "REJECT", "TAMPERED", True),
        ("mrz_viz_mismatch", "clean", "REJECT", "TAMPERED", True),
        ("photocopy", "clean", "REJECT", "DOCUMENT_COPY", True),
        # This recapture shows its screen's frame but little moire: rejected, left to a human.
        ("screen_recapture", "clean", "REJECT", "DOCUMENT_COPY", False),
        ("none", "heavy_blur", "NOT_AVAILABLE", "PHOTO_TOO_BLURRY", False),
        # Glare is judged by what it hides: this hotspot leaves the MRZ valid, the printed
        # number, surname and date of birth found agreeing and the portrait visible.
        ("none", "glare", "APPROVE", None, True),
        # Under glare the MRZ still reads with every check digit: its expiry decides, and
        # printed data unlike it is for a human to confirm (undecided, not a rejection).
        ("expired", "glare", "REJECT", "EXPIRED_DOCUMENT", True),
        ("mrz_viz_mismatch", "glare", "NOT_AVAILABLE", "GLARE_OBSTRUCTION", False),
        # No face where the portrait should be: a retake, or a reviewer, says which.
        ("portrait_removed", "clean", "NOT_AVAILABLE", "OBJECT_OBSTRUCTION", False),
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
    portrait = _sub_check(result.report, "portrait_present")
    assert portrait["result"] == ("FAIL" if attack == "portrait_removed" else "PASS"), portrait


def test_the_back_of_a_card_alone_is_a_missing_side(engine: AuthenticityEngine) -> None:
    document = generate_document(31, fmt="TD1", two_sided=True)
    assert document.back_image is not None
    result = engine.run(_evidence(document.back_image))
    assert result.report is not None
    assert result.report["recommendation"] == {
        "value": "NOT_AVAILABLE",
        "reason": "MISSING_DOCUMENT_SIDE",
    }
    assert result.decided is False


YEAR = dt.timedelta(days=365)


def _detail(sub: dict[str, Any], name: str) -> str:
    return next(str(d["value"]) for d in sub["details"] if d["name"] == name)


def _sub_check(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(b for b in report["breakdown"] if b["sub_check"] == name)


def test_two_sided_card_front_and_back_agree(engine: AuthenticityEngine) -> None:
    # The engine checks expiry against the real date: take a card valid for a while yet.
    seed = next(
        s
        for s in range(12, 100)
        if generate_document(s, fmt="TD1").identity.expiry_date > dt.date.today() + YEAR
    )
    document = generate_document(seed, fmt="TD1", two_sided=True)
    result = engine.run(_evidence(*document.pages))
    assert result.report is not None
    assert result.report["recommendation"] == {"value": "APPROVE"}
    sub = _sub_check(result.report, "front_back_consistency")
    details = {d["name"]: d["value"] for d in sub["details"]}
    assert sub["result"] == "PASS" and "document_number" in details["compared_fields"]
    physical = _sub_check(result.report, "physical_document_captured")
    assert physical["result"] == "PASS"
    names = {d["name"] for d in physical["details"]}
    assert {"moire", "moire_threshold", "moire_luma", "moire_luma_threshold"} <= names
    assert {"screen_frame_sides", "screen_frame_sides_threshold", "chroma_spread"} <= names


def test_front_back_mismatch_is_tampered(engine: AuthenticityEngine) -> None:
    document = generate_document(13, fmt="TD1", attack="front_back_mismatch")
    result = engine.run(_evidence(*document.pages))
    assert result.report is not None
    assert result.report["recommendation"] == {"value": "REJECT", "reason": "TAMPERED"}
    sub = _sub_check(result.report, "front_back_consistency")
    assert sub["result"] == "FAIL"
    mismatched = next(d["value"] for d in sub["details"] if d["name"] == "mismatched_fields")
    assert document.attacked_field in mismatched


def test_a_front_that_cannot_be_compared_does_not_vouch_for_the_back(
    engine: AuthenticityEngine,
) -> None:
    # A blank "front" next to a genuine back: nothing shows that the two sides are one card.
    document = generate_document(31, fmt="TD1", two_sided=True)
    assert document.back_image is not None
    blank = io.BytesIO()
    Image.new("RGB", (856, 540), (238, 238, 232)).save(blank, format="PNG")
    result = engine.run(_evidence(blank.getvalue(), document.back_image))
    assert result.report is not None
    assert result.report["recommendation"] == {
        "value": "NOT_AVAILABLE",
        "reason": "IMAGE_RESOLUTION_TOO_LOW",
    }
    sub = _sub_check(result.report, "front_back_consistency")
    details = {d["name"]: d["value"] for d in sub["details"]}
    assert sub["result"] == "FAIL" and details["compared_fields"] == "none"


def test_moire_on_a_badly_blurred_capture_is_left_to_a_human(engine: AuthenticityEngine) -> None:
    # A genuine visa, heavily blurred, whose capture measures screen-like moire: rejected as a
    # copy by the numbers, but not decided (blur smooths a real screen's grid away).
    document = generate_document(50105, fmt="MRV-A", degradation="heavy_blur")
    result = engine.run(_evidence(document.image))
    assert result.report is not None
    assert result.report["recommendation"] == {"value": "REJECT", "reason": "DOCUMENT_COPY"}
    assert result.decided is False


def test_a_printed_name_read_unsurely_still_counts_when_it_is_another_name(
    engine: AuthenticityEngine,
) -> None:
    # A low-resolution card whose printed surname was altered: the OCR reads "WAGNER" with a
    # confidence just under 0.8 against the MRZ's HOFFMANN. Ignoring the unsure read let the
    # document through; it is now a mismatch a human confirms (undecided: TAMPERED only
    # when both readings are sure).
    document = generate_document(7001, fmt="TD1", degradation="lowres", attack="mrz_viz_mismatch")
    result = engine.run(_evidence(document.image))
    assert result.report is not None
    assert result.report["recommendation"]["value"] == "NOT_AVAILABLE"
    assert result.decided is False
    sub = _sub_check(result.report, "ocr_mrz_comparison")
    assert {"name": "mismatched_fields", "value": "surname"} in sub["details"]


def _with_glare(image: bytes, cx: float, cy: float) -> bytes:
    """A lamp's hotspot centred at (cx, cy), as shares of the page's width and height."""
    pixels = np.asarray(Image.open(io.BytesIO(image)).convert("RGB"), np.float32)
    height, width = pixels.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width]
    distance = ((xx - cx * width) / (0.12 * width)) ** 2 + (
        (yy - cy * height) / (0.08 * height)
    ) ** 2
    spot = np.clip(1.6 - distance, 0.0, 1.0)[:, :, None] * 255.0
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels + spot, 0, 255).astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("attack", "where", "value", "reason"),
    [
        # On the header only: every compared field, the MRZ and the portrait are clear.
        ("none", (0.85, 0.12), "APPROVE", None),
        # Over the printed fields: they cannot be compared, so nothing is approved ...
        ("none", (0.6, 0.4), "NOT_AVAILABLE", "GLARE_OBSTRUCTION"),
        # ... but the MRZ is clear, and its stale check digit is as sure as on a clean page.
        ("stale_check_digit", (0.6, 0.4), "REJECT", "TAMPERED"),
        # Over the MRZ itself: a failing check digit may be the glare's doing.
        ("stale_check_digit", (0.5, 0.9), "NOT_AVAILABLE", "GLARE_OBSTRUCTION"),
    ],
)
def test_glare_is_judged_where_it_lies(
    engine: AuthenticityEngine,
    attack: str,
    where: tuple[float, float],
    value: str,
    reason: str | None,
) -> None:
    document = generate_document(31, fmt="TD3", attack=attack)
    result = engine.run(_evidence(_with_glare(document.image, *where)))
    assert result.report is not None
    expected = {"value": value, "reason": reason} if reason else {"value": value}
    assert result.report["recommendation"] == expected
    assert result.decided is (value != "NOT_AVAILABLE")
    quality = _sub_check(result.report, "image_quality")
    # The glare is reported all the same; the sub-check fails only where it hid something.
    assert float(_detail(quality, "glare")) > 0.01
    assert quality["result"] == ("PASS" if value == "APPROVE" else "FAIL")


def test_printed_data_that_was_not_read_is_not_approved(engine: AuthenticityEngine) -> None:
    # A quarter-turned passport whose printed surname (altered) the OCR did not find: the MRZ
    # alone cannot show the printed data is the holder's, so it is a retake, not an APPROVE.
    document = generate_document(
        7000, fmt="TD3", degradation="quarter_turn", attack="mrz_viz_mismatch"
    )
    result = engine.run(_evidence(document.image))
    assert result.report is not None
    assert result.report["recommendation"]["value"] != "APPROVE"
    sub = _sub_check(result.report, "ocr_mrz_comparison")
    details = {d["name"]: d["value"] for d in sub["details"]}
    assert sub["result"] == "FAIL"
    assert details["required_fields"] == "document_number,surname,date_of_birth"


def test_an_expired_document_passes_where_the_filter_allows_expired_documents(
    engine: AuthenticityEngine,
) -> None:
    # GOV.UK's face-to-face service sets allow_expired_documents: expiry is then reported
    # (document_in_date FAIL) but not held against the document.
    document = generate_document(31, fmt="TD3", attack="expired")
    evidence = _evidence(document.image)
    allowed = dataclasses.replace(
        evidence,
        resources=[
            dataclasses.replace(r, allow_expired_documents=True) for r in evidence.resources
        ],
    )
    refused = engine.run(evidence)
    passed = engine.run(allowed)
    assert refused.report is not None and passed.report is not None
    assert refused.report["recommendation"] == {"value": "REJECT", "reason": "EXPIRED_DOCUMENT"}
    assert passed.report["recommendation"] == {"value": "APPROVE"}
    assert _sub_check(passed.report, "document_in_date")["result"] == "FAIL"


def _small_soft_page(image: bytes) -> bytes:
    """The page as a low-resolution camera gives it: a third of its size, so the MRZ characters
    are about 7 px high, and slightly soft (few pixels per stroke), as small captures are."""
    page = Image.open(io.BytesIO(image)).convert("RGB")
    small = page.resize((round(page.width * 0.34), round(page.height * 0.34)), Image.Resampling.BOX)
    small = small.filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    small.save(buffer, "PNG")
    return buffer.getvalue()


def test_characters_below_a_legible_height_ask_for_resolution_not_steadiness(
    engine: AuthenticityEngine,
) -> None:
    # The page is both small and soft: the cause is the resolution (move closer), and the
    # capture page's at-upload check gives the same first reason, so the advice matches.
    document = generate_document(31, fmt="TD3", attack="none", degradation="clean")
    small = _small_soft_page(document.image)
    result = engine.run(_evidence(small))
    assert result.report is not None
    quality = _sub_check(result.report, "image_quality")
    assert float(_detail(quality, "mrz_text_height_px")) < 9, quality
    assert float(_detail(quality, "sharpness")) < float(_detail(quality, "sharpness_threshold"))
    recommendation = result.report["recommendation"]
    assert recommendation == {"value": "NOT_AVAILABLE", "reason": "IMAGE_RESOLUTION_TOO_LOW"}
    assert result.decided is False
    upload = check_page(small, document_type="PASSPORT", portrait_side=True, detect_faces=None)
    assert upload.problems[0] == "IMAGE_RESOLUTION_TOO_LOW", upload


def test_a_sharp_full_size_page_has_no_quality_reason(engine: AuthenticityEngine) -> None:
    document = generate_document(31, fmt="TD3", attack="none", degradation="clean")
    result = engine.run(_evidence(document.image))
    assert result.report is not None
    assert result.report["recommendation"] == {"value": "APPROVE"}
    assert _sub_check(result.report, "image_quality")["result"] == "PASS"
    upload = check_page(
        document.image, document_type="PASSPORT", portrait_side=True, detect_faces=None
    )
    assert upload.problems == (), upload
