"""The ID_DOCUMENT_FACE_MATCH engine on real faces: a portrait printed on a card against
another photo of the same person, and of someone else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.checks.face_match import FaceMatchEngine


def _card(photo: bytes) -> bytes:
    """A white ID card with the photo as its portrait, a quarter of its width."""
    portrait = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR)
    assert portrait is not None
    card = np.full((640, 1000, 3), 245, np.uint8)
    height = int(portrait.shape[0] * 250 / portrait.shape[1])
    card[120 : 120 + height, 60:310] = cv2.resize(portrait, (250, height))[: 640 - 120]
    ok, encoded = cv2.imencode(".jpg", card)
    assert ok
    return encoded.tobytes()


def _media(data: bytes, n: int = 0) -> MediaItem:
    return MediaItem(media_id=f"m{n}", content_type="image/jpeg", load=lambda: data)


def _evidence(page: bytes, frames: list[bytes]) -> Evidence:
    return Evidence(
        session_id="s",
        item_type="ID_DOCUMENT_FACE_MATCH",
        config={},
        resources=[
            EvidenceResource("d", "ID_DOCUMENT", "PASSPORT", "GBR", None, pages=[_media(page)]),
            EvidenceResource(
                "l", "LIVENESS", None, None, "ZOOM",
                frames=[_media(f, i) for i, f in enumerate(frames)],
            ),
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> FaceMatchEngine:
    return FaceMatchEngine()


def _report(result: object) -> dict[str, object]:
    report = getattr(result, "report", None)
    assert isinstance(report, dict)
    return report


def test_same_person_is_approved(engine: FaceMatchEngine, face_photos: dict[str, bytes]) -> None:
    result = engine.run(_evidence(_card(face_photos["obama"]), [face_photos["obama2"]] * 3))
    report = _report(result)
    assert result.decided
    assert report["recommendation"] == {"value": "APPROVE"}
    details = {d["name"]: d["value"] for d in report["breakdown"][0]["details"]}  # type: ignore[index]
    assert float(details["confidence_score"]) >= 0.5
    assert details["frames_used"] == "3"


def test_different_person_is_rejected(
    engine: FaceMatchEngine, face_photos: dict[str, bytes]
) -> None:
    result = engine.run(_evidence(_card(face_photos["obama"]), [face_photos["biden"]]))
    report = _report(result)
    assert result.decided
    assert report["recommendation"] == {"value": "REJECT", "reason": "DIFFERENT_PERSON"}
    assert report["breakdown"][0]["result"] == "FAIL"  # type: ignore[index]


def test_no_face_is_not_available(engine: FaceMatchEngine, face_photos: dict[str, bytes]) -> None:
    blank = cv2.imencode(".png", np.full((400, 600, 3), 200, np.uint8))[1].tobytes()
    result = engine.run(_evidence(blank, [face_photos["obama2"]]))
    assert not result.decided
    assert _report(result)["recommendation"] == {
        "value": "NOT_AVAILABLE",
        "reason": "FACE_NOT_FOUND",
    }


def test_swapped_frames_are_left_to_a_human(
    engine: FaceMatchEngine, face_photos: dict[str, bytes]
) -> None:
    """Frames of two different people in one liveness capture: never approved by the machine."""
    frames = [face_photos["obama2"], face_photos["obama3"], face_photos["biden"]]
    result = engine.run(_evidence(_card(face_photos["obama"]), frames))
    assert not result.decided
    assert _report(result)["recommendation"]["value"] == "REJECT"  # type: ignore[index]


def test_cli_check_face_match(face_photos: dict[str, bytes], tmp_path: Path) -> None:
    (tmp_path / "card.jpg").write_bytes(_card(face_photos["obama"]))
    (tmp_path / "selfie.jpg").write_bytes(face_photos["obama2"])
    result = subprocess.run(
        [sys.executable, "-m", "openidv", "check", "face-match", str(tmp_path / "card.jpg"),
         str(tmp_path / "selfie.jpg"), "--json"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["recommendation"] == {"value": "APPROVE"}
    assert report["breakdown"][0]["sub_check"] == "ai_face_match"


def test_the_breakdown_carries_what_a_reviewer_compares(
    engine: FaceMatchEngine, face_photos: dict[str, bytes]
) -> None:
    """Score, thresholds, each model's score, quality, face boxes and which liveness frame
    (its index among the resource's frames, not among the frames compared)."""
    frames = [face_photos["obama2"]] * 7  # the frontal three are frames 2, 3 and 4
    report = _report(engine.run(_evidence(_card(face_photos["obama"]), frames)))
    details = {d["name"]: d["value"] for d in report["breakdown"][0]["details"]}  # type: ignore[index]
    for name in ("confidence_score", "approve_threshold", "reject_threshold", "sface_score",
                 "document_face_box", "selfie_face_box", "document_eye_distance_px"):  # fmt: skip
        assert details.get(name), name
    assert details["selfie_frame"] in {"2", "3", "4"}
    assert len(details["document_face_box"].split()) == 4


def test_a_poor_portrait_of_someone_else_goes_to_a_reviewer(
    engine: FaceMatchEngine, face_photos: dict[str, bytes]
) -> None:
    """A blurred portrait cannot support a rejection: NOT_AVAILABLE, undecided. A merely
    greyscale one (a laser-engraved card) is compared in grey and decided."""
    card = cv2.imdecode(np.frombuffer(_card(face_photos["obama"]), np.uint8), cv2.IMREAD_COLOR)
    assert card is not None
    grey = cv2.cvtColor(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    page = cv2.imencode(".jpg", grey)[1].tobytes()
    result = engine.run(_evidence(page, [face_photos["biden"]]))
    report = _report(result)
    assert result.decided
    assert report["recommendation"] == {"value": "REJECT", "reason": "DIFFERENT_PERSON"}
    details = {d["name"]: d["value"] for d in report["breakdown"][0]["details"]}  # type: ignore[index]
    assert "DOCUMENT_GREYSCALE" in details["quality_issues"]

    blurred = cv2.imencode(".jpg", cv2.GaussianBlur(grey, (0, 0), 5.0))[1].tobytes()
    result = engine.run(_evidence(blurred, [face_photos["biden"]]))
    report = _report(result)
    assert not result.decided
    assert report["recommendation"] == {"value": "NOT_AVAILABLE", "reason": "PHOTO_TOO_BLURRY"}
