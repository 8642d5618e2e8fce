"""The photo check at upload, on a generated passport page lying on a table: a sharp photo
passes with nothing to say; blur, a webcam-sized frame, a wall with no document, glare and a
page without its MRZ each get the retake reason the later checks would have given."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from openidv.capture.quality import QualityChecker, check_page
from openidv.vision.synth import generate_document

Frame = NDArray[np.uint8]


@pytest.fixture(scope="module")
def checker() -> QualityChecker:
    return QualityChecker()


@pytest.fixture(scope="module")
def page() -> Frame:
    document = generate_document(7, fmt="TD3", image_format="png")
    decoded = cv2.imdecode(np.frombuffer(document.image, np.uint8), cv2.IMREAD_COLOR)
    return np.asarray(decoded, np.uint8)


def on_table(page: Frame, width: int, height: int, share: float = 0.8) -> Frame:
    """The page photographed on a wooden table, filling ``share`` of the frame's width."""
    y, x = np.mgrid[0:height, 0:width]
    wood = 90 + 25 * np.sin(x / 37.0 + y / 151.0) + 10 * np.sin(y / 9.0)
    frame = np.clip(np.stack([wood * 0.55, wood * 0.75, wood], -1), 0, 255).astype(np.uint8)
    scale = width * share / page.shape[1]
    resized = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = resized.shape[:2]
    top, left = (height - h) // 2, (width - w) // 2
    frame[top : top + h, left : left + w] = resized
    return np.asarray(frame, np.uint8)


def jpeg(frame: Frame) -> bytes:
    ok, buffer = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buffer.tobytes()


def problems(checker: QualityChecker, frame: Frame, **kwargs: object) -> tuple[str, ...]:
    options = {"document_type": "PASSPORT", "portrait_side": True, **kwargs}
    return checker.check(jpeg(frame), **options).problems  # type: ignore[arg-type]


def test_a_sharp_phone_photo_passes(checker: QualityChecker, page: Frame) -> None:
    result = checker.check(
        jpeg(on_table(page, 1600, 1200)), document_type="PASSPORT", portrait_side=True
    )
    assert result.ok, result.measures
    assert result.measures["outline"] is True and result.measures["faces"] == 1


def test_blur_is_refused_as_blurry(checker: QualityChecker, page: Frame) -> None:
    blurred = cv2.GaussianBlur(on_table(page, 1600, 1200), (0, 0), 4)
    assert problems(checker, np.asarray(blurred, np.uint8)) == ("PHOTO_TOO_BLURRY",)


def test_a_640x480_frame_is_too_low_a_resolution(checker: QualityChecker, page: Frame) -> None:
    assert problems(checker, on_table(page, 640, 480)) == ("IMAGE_RESOLUTION_TOO_LOW",)


def test_a_frame_without_a_document(checker: QualityChecker) -> None:
    wall = np.full((1200, 1600, 3), (60, 90, 40), np.uint8)
    assert problems(checker, wall) == ("DOCUMENT_NOT_FOUND",)


def test_a_lamp_hotspot_is_glare(checker: QualityChecker, page: Frame) -> None:
    frame = on_table(page, 1600, 1200).copy()
    cv2.circle(frame, (1000, 500), 90, (255, 255, 255), -1)
    assert "GLARE_OBSTRUCTION" in problems(checker, frame)


def test_a_passport_page_without_its_mrz_and_a_side_without_a_face(
    checker: QualityChecker, page: Frame
) -> None:
    cut = page.copy()
    cut[int(cut.shape[0] * 0.75) :] = 235  # the MRZ band painted over
    assert problems(checker, on_table(cut, 1600, 1200)) == ("MRZ_NOT_FOUND",)
    blank = page.copy()
    blank[:, : int(blank.shape[1] * 0.4)] = 235  # the portrait side painted over
    found = problems(checker, on_table(blank, 1600, 1200), document_type="NATIONAL_ID")
    assert found == ("FACE_NOT_FOUND",)


def test_a_supplementary_document_is_judged_on_resolution_and_sharpness(page: Frame) -> None:
    scan = jpeg(page)  # a cropped scan: no outline, no MRZ expected, no portrait asked for
    result = check_page(scan, document_type=None, portrait_side=False, detect_faces=None)
    assert result.ok and result.measures["faces"] is None
    small = jpeg(np.asarray(cv2.resize(page, (400, 282)), np.uint8))
    result = check_page(small, document_type=None, portrait_side=False, detect_faces=None)
    assert result.problems == ("IMAGE_RESOLUTION_TOO_LOW",)


def test_warming_loads_the_detector_before_the_first_photo() -> None:
    """The servers warm the check at start-up (app.py): the first user's photo is then judged
    without loading the face detector; warming judges a blank page and stores nothing."""
    checker = QualityChecker()
    assert checker._engine is None
    checker.warm()
    assert checker._engine is not None
