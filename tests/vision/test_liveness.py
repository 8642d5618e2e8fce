"""ZOOM liveness on synthetic 3-D sequences rendered from real face photos, and its attacks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from numpy.typing import NDArray

from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.checks.liveness import LivenessEngine
from openidv.cli import main as cli
from openidv.vision.faces import FaceEngine
from openidv.vision.liveness import landmarks as lm
from openidv.vision.liveness.zoom import LivenessReason, ZoomAnalyser, ZoomMeasurement
from openidv.vision.synth import liveness as synth


def _decode(data: bytes) -> NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(image, np.uint8)


@pytest.fixture(scope="module")
def analyser() -> ZoomAnalyser:
    return ZoomAnalyser(FaceEngine(), lm.LandmarkModel())


@pytest.fixture(scope="module")
def meshes(analyser: ZoomAnalyser, face_photos: dict[str, bytes]) -> dict[str, synth.FaceMesh]:
    return {
        name: synth.build_face_mesh(_decode(face_photos[name]), analyser.faces, analyser.landmarks)
        for name in ("obama", "biden")
    }


@pytest.fixture(scope="module")
def measure(analyser: ZoomAnalyser) -> Callable[[synth.SyntheticAttempt], ZoomMeasurement]:
    def run(attempt: synth.SyntheticAttempt) -> ZoomMeasurement:
        return analyser.analyse(attempt.frames, attempt.turn)

    return run


Measure = Callable[[synth.SyntheticAttempt], ZoomMeasurement]


# -- model file ------------------------------------------------------------------------------


def test_landmark_model_is_pinned() -> None:
    path = lm.locate_landmark_model()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == lm.LANDMARK_SHA256


def test_tampered_landmark_model_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / lm.LANDMARK_FILENAME
    copy.write_bytes(lm.locate_landmark_model().read_bytes() + b"\0")
    with pytest.raises(lm.LandmarkModelIntegrityError):
        lm.LandmarkModel(copy)


def test_landmarks_on_a_real_photo(analyser: ZoomAnalyser, face_photos: dict[str, bytes]) -> None:
    image = _decode(face_photos["obama"])
    face = analyser.faces.detect(image)[0]
    marks = analyser.landmarks.run(image, lm.roi_from_box(face.box))
    assert marks.points.shape == (468, 3)
    assert marks.present
    x, y, w, h = face.box
    nose = marks.points[1]
    assert x < nose[0] < x + w and y < nose[1] < y + h
    assert nose[2] < marks.points[234, 2]  # the nose is nearer the camera than the cheek


# -- genuine ---------------------------------------------------------------------------------


@pytest.mark.parametrize("turn", ["LEFT", "RIGHT"])
def test_genuine_sequence_with_the_right_turn_is_live(
    meshes: dict[str, synth.FaceMesh], measure: Measure, turn: str
) -> None:
    measured = measure(synth.genuine_attempt(meshes["obama"], turn=turn, seed=11))
    assert measured.live is True, (measured.reason, measured.failed)
    yaw = [y for y in measured.yaw if y is not None]
    # Unmirrored frames: turning to one's own LEFT moves the nose to the image's right.
    assert (yaw[-1] - yaw[0] > 0) == (turn == "LEFT")
    assert measured.timings.total_ms > 0


# -- attacks ---------------------------------------------------------------------------------


def test_printed_photo_moved_closer_and_turned_fails(
    meshes: dict[str, synth.FaceMesh], measure: Measure, face_photos: dict[str, bytes]
) -> None:
    photo = _decode(face_photos["biden"])
    measured = measure(synth.print_attack(photo, meshes["biden"], turn="LEFT", seed=3))
    assert measured.live is not True
    # Either the tracker lost the foreshortened sheet or the (planar) turn failed.
    assert measured.reason is not None or {"turn_yaw", "turn_residual"} & set(measured.failed)


def test_screen_replaying_a_recording_that_turns_the_right_way_fails(
    meshes: dict[str, synth.FaceMesh], measure: Measure
) -> None:
    measured = measure(synth.screen_attack(meshes["obama"], turn="RIGHT", seed=4))
    assert measured.live is not True


def test_screen_still_fails(meshes: dict[str, synth.FaceMesh], measure: Measure) -> None:
    measured = measure(synth.screen_attack(meshes["obama"], turn="LEFT", seed=5, still=True))
    assert measured.live is not True


def test_wrong_challenge_fails(meshes: dict[str, synth.FaceMesh], measure: Measure) -> None:
    measured = measure(synth.wrong_challenge_attack(meshes["obama"], turn="LEFT", seed=6))
    assert measured.live is False
    assert "opposite_yaw" in measured.failed


def test_splice_of_two_people_fails(meshes: dict[str, synth.FaceMesh], measure: Measure) -> None:
    attempt = synth.splice_attack(meshes["obama"], meshes["biden"], turn="LEFT", seed=7)
    measured = measure(attempt)
    assert measured.live is False
    assert "identity_similarity" in measured.failed or "max_scene_step" in measured.failed


def test_still_photo_without_motion_is_not_live(
    meshes: dict[str, synth.FaceMesh], measure: Measure
) -> None:
    measured = measure(synth.still_attack(meshes["biden"], turn="RIGHT", seed=9))
    assert measured.live is not True
    assert measured.reason is LivenessReason.MOVE_CLOSER or measured.live is False


# -- not measurable --------------------------------------------------------------------------


def test_too_few_frames_is_not_measurable(
    meshes: dict[str, synth.FaceMesh], measure: Measure
) -> None:
    attempt = synth.genuine_attempt(meshes["obama"], turn="LEFT", seed=1)
    short = synth.SyntheticAttempt(attempt.frames[:5], "LEFT", "genuine", True)
    measured = measure(short)
    assert measured.live is None
    assert measured.reason is LivenessReason.TOO_FEW_FRAMES


def test_no_face_is_not_measurable(analyser: ZoomAnalyser) -> None:
    rng = np.random.default_rng(0)
    frames = [
        cv2.imencode(".jpg", rng.integers(0, 255, (640, 480, 3), dtype=np.uint8))[1].tobytes()
        for _ in range(10)
    ]
    measured = analyser.analyse(frames, "LEFT")
    assert measured.live is None
    assert measured.reason is LivenessReason.FACE_NOT_FOUND


def test_synthesis_is_deterministic(meshes: dict[str, synth.FaceMesh]) -> None:
    capture = synth.Capture(fps=4.0, far_s=1.0, approach_s=0.5, turn_s=0.5)
    a = synth.still_attack(meshes["obama"], turn="LEFT", seed=5, capture=capture)
    b = synth.still_attack(meshes["obama"], turn="LEFT", seed=5, capture=capture)
    assert a.frames == b.frames


# -- engine and CLI --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def genuine_frames(meshes: dict[str, synth.FaceMesh]) -> list[bytes]:
    return synth.genuine_attempt(meshes["biden"], turn="RIGHT", seed=21).frames


def _item(index: int, data: bytes) -> MediaItem:
    return MediaItem(f"m{index}", "image/jpeg", lambda: data)


def _evidence(frames: list[bytes], kind: str, turn: str | None) -> Evidence:
    resource = EvidenceResource(
        "l", "LIVENESS", None, None, kind,
        frames=[_item(i, f) for i, f in enumerate(frames)],
        challenge={"turn": turn, "nonce": "n"} if turn else None,
    )  # fmt: skip
    return Evidence("s", "LIVENESS", {}, [resource])


def test_engine_approves_genuine_and_rejects_wrong_turn(genuine_frames: list[bytes]) -> None:
    engine = LivenessEngine()
    approved = engine.run(_evidence(genuine_frames, "ZOOM", "RIGHT"))
    assert approved.decided
    assert approved.report is not None
    assert approved.report["recommendation"] == {"value": "APPROVE"}
    breakdown = approved.report["breakdown"][0]
    assert breakdown["sub_check"] == "liveness_auth" and breakdown["result"] == "PASS"
    details = {d["name"]: d["value"] for d in breakdown["details"]}
    assert all(isinstance(v, str) for v in details.values())
    assert details["turn_yaw_threshold"].startswith(">=")
    assert "outline_gain" in details

    rejected = engine.run(_evidence(genuine_frames, "ZOOM", "LEFT"))
    assert rejected.decided
    assert rejected.report is not None
    assert rejected.report["recommendation"] == {"value": "REJECT"}  # no reason, as Yoti


def test_engine_zoom_without_challenge_is_not_available(genuine_frames: list[bytes]) -> None:
    result = LivenessEngine().run(_evidence(genuine_frames, "ZOOM", None))
    assert not result.decided
    assert result.report is not None
    assert result.report["recommendation"]["value"] == "NOT_AVAILABLE"


def test_engine_too_few_frames(genuine_frames: list[bytes]) -> None:
    result = LivenessEngine().run(_evidence(genuine_frames[:3], "ZOOM", "LEFT"))
    assert not result.decided
    assert result.report is not None
    assert result.report["recommendation"] == {
        "value": "NOT_AVAILABLE",
        "recovery_suggestion": "TOO_FEW_FRAMES",
    }


def test_engine_static_without_model_does_not_approve(face_photos: dict[str, bytes]) -> None:
    result = LivenessEngine().run(_evidence([face_photos["obama2"]], "STATIC", None))
    assert not result.decided
    assert result.report is not None
    assert result.report["recommendation"]["value"] == "NOT_AVAILABLE"
    details = {d["name"]: d["value"] for d in result.report["breakdown"][0]["details"]}
    assert details["passive_model"] == "NONE"
    assert float(details["spectral_peak_ratio"]) > 0


def test_cli_liveness_prints_the_report(genuine_frames: list[bytes], tmp_path: Path) -> None:
    paths = []
    for i, frame in enumerate(genuine_frames):
        path = tmp_path / f"{i:02d}.jpg"
        path.write_bytes(frame)
        paths.append(str(path))
    result = CliRunner().invoke(cli, ["check", "liveness", *paths, "--turn", "RIGHT", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["recommendation"] == {"value": "APPROVE"}
    assert report["breakdown"][0]["sub_check"] == "liveness_auth"
