"""Who the selfie's subject is, what image quality sends to a reviewer, and the decision rules:
pure functions on hand-built faces and measurements (no models)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from openidv.vision.faces import (
    APPROVE_AT,
    REJECT_BELOW,
    Face,
    FaceMatchMeasurement,
    FaceQuality,
    NotMeasurableReason,
    QualityIssue,
    SelfieFrameMeasurement,
    Timings,
    decide,
    measure_quality,
    pick_subject,
)
from openidv.vision.faces.second import FUSION_BAND, fuse, in_band


def face(x: float, y: float, side: float, nose_shift: float = 0.0) -> Face:
    """A square face box with landmarks where YuNet puts them on a frontal face."""
    eyes_y = y + 0.4 * side
    right_eye, left_eye = (x + 0.3 * side, eyes_y), (x + 0.7 * side, eyes_y)
    nose = (x + 0.5 * side + nose_shift * 0.4 * side, y + 0.6 * side)
    mouth = ((x + 0.35 * side, y + 0.8 * side), (x + 0.65 * side, y + 0.8 * side))
    return Face((x, y, side, side), (right_eye, left_eye, nose, *mouth), 0.9)


FRAME = (1000, 800)


def test_the_subject_is_the_largest_face_and_a_smaller_one_is_tolerated() -> None:
    subject, bystander = face(400, 250, 300), face(80, 200, 180)  # 0.6 of the size
    chosen, rivalled = pick_subject([bystander, subject], image_size=FRAME)
    assert chosen is subject
    assert not rivalled


def test_a_second_face_of_similar_size_voids_the_selfie() -> None:
    chosen, rivalled = pick_subject([face(100, 250, 300), face(550, 250, 270)], image_size=FRAME)
    assert chosen is not None and chosen.box[2] == 300
    assert rivalled


def test_a_face_cut_by_the_frame_edge_is_not_a_rival_nor_the_subject() -> None:
    central, edge = face(400, 250, 250), face(0, 100, 300)  # larger, but half out of frame
    chosen, rivalled = pick_subject([edge, central], image_size=FRAME)
    assert chosen is central
    assert not rivalled


def test_the_subject_is_followed_across_frames() -> None:
    previous = face(150, 250, 260)
    # In this frame the user moved a little and someone else came closer: the tracked face
    # stays the subject, and the other (similar size) voids it.
    here, closer = face(170, 260, 250), face(600, 200, 300)
    chosen, rivalled = pick_subject([closer, here], previous=previous, image_size=FRAME)
    assert chosen is here
    assert rivalled
    # A much smaller face elsewhere does not void the tracked subject.
    chosen, rivalled = pick_subject([face(700, 50, 120), here], previous, image_size=FRAME)
    assert chosen is here and not rivalled


def test_faces_below_the_minimum_are_ignored() -> None:
    assert pick_subject([face(10, 10, 20)], min_side_px=48, image_size=FRAME) == (None, False)


# -- quality ---------------------------------------------------------------------------------


def portrait(colour: bool = True, side: int = 400) -> tuple[NDArray[np.uint8], Face]:
    """A smooth, lit, skin-coloured oval with dark eyes and mouth: a stand-in face."""
    image = np.full((side, side, 3), (200, 210, 220), dtype=np.uint8)
    c = side // 2
    cv2.ellipse(image, (c, c), (int(0.3 * side), int(0.4 * side)), 0, 0, 360, (120, 150, 200), -1)
    for ex in (0.4, 0.6):
        cv2.circle(image, (int(ex * side), int(0.42 * side)), side // 40, (40, 30, 30), -1)
    cv2.ellipse(image, (c, int(0.7 * side)), (side // 10, side // 40), 0, 0, 360, (60, 60, 150), -1)
    rng = np.random.default_rng(3)
    texture = rng.normal(0, 4, image.shape[:2])[..., None]
    smooth = cv2.GaussianBlur(image.astype(np.float32) + texture, (0, 0), 1.2)
    image = np.asarray(np.clip(smooth, 0, 255), dtype=np.uint8)
    if not colour:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        image = np.asarray(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    box = face(0.2 * side, 0.1 * side, 0.6 * side)
    # eyes at 0.4 and 0.6 of the side: eye distance 0.2 * side
    eyes = ((0.4 * side, 0.42 * side), (0.6 * side, 0.42 * side))
    return image, Face(box.box, (*eyes, *box.landmarks[2:]), 0.9)


def test_a_clear_colour_portrait_has_no_quality_issue() -> None:
    image, found = portrait()
    quality = measure_quality(image, found)
    assert quality.issues == (), quality


def test_greyscale_blur_small_and_turned_faces_are_named() -> None:
    image, found = portrait(colour=False)
    assert QualityIssue.GREYSCALE in measure_quality(image, found).issues
    image, found = portrait()
    blurred = np.asarray(cv2.GaussianBlur(image, (0, 0), 12), dtype=np.uint8)
    assert QualityIssue.BLURRY in measure_quality(blurred, found).issues
    small, tiny_face = portrait(side=100)  # 20 px between the eyes
    assert QualityIssue.LOW_RESOLUTION in measure_quality(small, tiny_face).issues
    turned = Face(found.box, (*found.landmarks[:2], (found.landmarks[2][0] + 40, 200.0),
                              *found.landmarks[3:]), 0.9)  # fmt: skip
    assert QualityIssue.POSE in measure_quality(image, turned).issues


def test_a_dot_screen_is_named_halftone() -> None:
    image, found = portrait()
    yy, xx = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    dots = (np.cos(xx * 2 * np.pi / 4) + np.cos(yy * 2 * np.pi / 4)) > 0
    printed = np.asarray(np.where(dots[..., None], image, image * 0.4), dtype=np.uint8)
    assert QualityIssue.HALFTONE in measure_quality(printed, found).issues


# -- decision ---------------------------------------------------------------------------------


def measurement(
    score: float | None,
    document_issues: tuple[QualityIssue, ...] = (),
    reasons: tuple[NotMeasurableReason, ...] = (),
    consistency: float | None = None,
) -> FaceMatchMeasurement:
    quality = FaceQuality(40.0, 20.0, 0.3, 10.0, 0.0, document_issues)
    frame = SelfieFrameMeasurement(0, (640, 480), 1, None, score, None, Timings())
    return FaceMatchMeasurement(
        reasons=reasons,
        document_image_size=(1000, 700),
        document_face_found=True,
        document_face_count=1,
        document_face=None,
        selfie_frames=(frame,),
        frames_used=1,
        similarity=score,
        similarity_best=score,
        similarity_worst=score,
        selfie_consistency=consistency,
        timings=Timings(),
        document_quality=quality,
        representative_frame=0,
    )


@pytest.mark.parametrize(
    ("score", "issues", "expected"),
    [
        (APPROVE_AT + 0.01, (), ("APPROVE", None, True)),
        (APPROVE_AT + 0.01, (QualityIssue.GREYSCALE,), ("APPROVE", None, True)),
        (REJECT_BELOW - 0.2, (), ("REJECT", "DIFFERENT_PERSON", True)),
        # A grey portrait is compared in grey, like for like: it is decided, not poor.
        (REJECT_BELOW - 0.2, (QualityIssue.GREYSCALE,), ("REJECT", "DIFFERENT_PERSON", True)),
        (REJECT_BELOW - 0.2, (QualityIssue.GREYSCALE, QualityIssue.LOW_RESOLUTION),
         ("NOT_AVAILABLE", "FACE_PHOTO_LOW_RESOLUTION", False)),
        (REJECT_BELOW - 0.2, (QualityIssue.HALFTONE,),
         ("NOT_AVAILABLE", "FACE_PHOTO_LOW_RESOLUTION", False)),
        (REJECT_BELOW - 0.2, (QualityIssue.POSE,), ("NOT_AVAILABLE", "PARTIAL_PHOTO", False)),
        (REJECT_BELOW - 0.2, (QualityIssue.BLURRY,), ("NOT_AVAILABLE", "PHOTO_TOO_BLURRY", False)),
        ((REJECT_BELOW + APPROVE_AT) / 2, (), ("REJECT", "DIFFERENT_PERSON", False)),
    ],
)  # fmt: skip
def test_a_poor_portrait_goes_to_a_reviewer_rather_than_rejected(
    score: float, issues: tuple[QualityIssue, ...], expected: tuple[str, str | None, bool]
) -> None:
    decision = decide(measurement(score, issues))
    assert (decision.value, decision.reason, decision.decided) == expected


def test_not_measurable_and_inconsistent_frames_are_undecided() -> None:
    multiple = decide(measurement(None, reasons=(NotMeasurableReason.SELFIE_MULTIPLE_FACES,)))
    assert (multiple.value, multiple.reason, multiple.decided) == ("NOT_AVAILABLE", "MISUSE", False)
    swapped = decide(measurement(APPROVE_AT + 0.2, consistency=REJECT_BELOW - 0.1))
    assert (swapped.value, swapped.decided) == ("REJECT", False)


def test_fusion_keeps_sface_outside_its_band_and_moves_it_inside() -> None:
    assert fuse(0.1, None) == 0.1
    assert not in_band(FUSION_BAND[0] - 0.01) and in_band(FUSION_BAND[0])
    # A dlib distance well inside dlib's "same person" region raises a grey-zone score; one
    # typical of impostors lowers it.
    assert fuse(0.45, 0.35, weight=0.25) > 0.45 > fuse(0.45, 0.8, weight=0.25)
    assert fuse(0.45, 0.35, weight=0.0) == 0.45
