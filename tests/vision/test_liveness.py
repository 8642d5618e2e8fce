"""ZOOM liveness on synthetic 3-D sequences rendered from real face photos, and its attacks."""

from __future__ import annotations

import hashlib
import json
import os
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
from openidv.vision.liveness import moves, tracking, zoom
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
        for name in ("obama", "biden", "astronaut")
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


# -- the moves reader (on renders: a render of one photo is an ATTACK, never a person) -----


@pytest.mark.parametrize(
    "sequence", [("LEFT", "UP"), ("DOWN", "RIGHT"), ("RIGHT", "RIGHT"), ("UP", "DOWN")]
)
def test_moves_are_read_in_order(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser, sequence: tuple[str, str]
) -> None:
    attempt = synth.render_attack(meshes["astronaut"], moves=sequence, seed=11)
    measured = analyser.analyse(attempt.frames, sequence)
    assert measured.moves_shown == sequence
    assert measured.signal("moves_matched").value == 1.0
    # Unmirrored frames: turning to one's own LEFT moves the nose to the image's right.
    if sequence[0] == "LEFT":
        known = [y for y in measured.yaw if y is not None]
        assert max(known) - known[0] > moves.MIN_YAW_MOVE


def test_pitch_follows_a_nod(meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser) -> None:
    up = synth.render_attack(meshes["astronaut"], moves=("UP", "UP"), seed=12)
    tracked = analyser.track(up.frames)
    values = [moves.pitch(t.marks.points.astype(np.float64)) for t in tracked.tracks if t.marks]
    # Looking UP brings the nose tip towards the eye line.
    assert min(values) < values[0] - moves.MIN_PITCH_MOVE


def test_read_moves_collapses_runs() -> None:
    base = {"yaw": 0.0, "pitch": 0.5}
    yaws = [0.0, 0.2, 0.3, 0.05, 0.0, 0.0, 0.0, -0.01]
    pitches = [0.5, 0.5, 0.5, 0.5, 0.5, 0.3, 0.32, 0.5]
    shown = moves.read_moves(yaws, pitches, base)
    assert shown.shown == ("LEFT", "UP")
    assert shown.matches(("LEFT", "UP")) and not shown.matches(("LEFT",))
    # The same move twice needs a return to the centre in between.
    twice = moves.read_moves([0, 0.3, 0.3, 0.0, 0.0, 0.3, 0.3, 0], [0.5] * 8, base)
    assert twice.shown == ("LEFT", "LEFT")


def test_read_moves_ignores_one_frame_jumps_and_diagonals() -> None:
    """Real people turning while they talk (shared real bursts): a one-frame pitch jump is no
    nod, a head shaking once around a turn is no second turn, and a turn with the head
    tilting down in it is one move, the larger."""
    base = {"yaw": 0.0, "pitch": 0.5}
    jump = moves.read_moves([0.0, 0.0, 0.0, 0.0, 0.2, 0.3, 0.3, 0.0, 0.0],
                            [0.5, 0.5, 0.5, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5], base)  # fmt: skip
    assert jump.shown == ("LEFT",)
    shake = moves.read_moves([0.0, 0.2, 0.0, 0.2, 0.3, 0.3, 0.0, 0.0], [0.5] * 8, base)
    assert shake.shown == ("LEFT",)
    diagonal = moves.read_moves([0.0, 0.0, 0.1, 0.2, 0.35, 0.4, 0.3, 0.0, 0.0],
                                [0.5, 0.5, 0.65, 0.7, 0.75, 0.75, 0.7, 0.5, 0.5], base)  # fmt: skip
    assert diagonal.shown == ("LEFT",)
    # Held moves on two axes, back to the centre in between, stay two moves.
    two = moves.read_moves([0.0, 0.3, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0],
                           [0.5, 0.5, 0.5, 0.5, 0.3, 0.3, 0.5, 0.5], base)  # fmt: skip
    assert two.shown == ("LEFT", "UP")


def test_frames_given_the_mesh() -> None:
    assert tracking.analysed_indices(list(range(10))) == list(range(10))
    chosen = tracking.analysed_indices(list(range(24)))
    assert len(chosen) == tracking.MAX_ANALYSED
    assert chosen[0] == 0
    assert set(range(12, 24)) <= set(chosen)  # the moves: every frame
    assert chosen == sorted(set(chosen))


def test_half_size_decoding_gives_the_same_measurement(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    attempt = synth.render_attack(meshes["obama"], moves=("LEFT", "RIGHT"), seed=41)
    # Frames larger than the protocol's 720 px (a client ignoring the limit): the near face's
    # region reaches REDUCED_DECODE_ROI and those frames decode at half size.
    arrays = [
        np.asarray(cv2.resize(_decode(f), (720, 960), interpolation=cv2.INTER_CUBIC), np.uint8)
        for f in attempt.frames
    ]
    frames = [cv2.imencode(".jpg", a, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes() for a in arrays]
    from_bytes = analyser.track(frames)
    assert any(t.factor == 2.0 for t in from_bytes.tracks)
    from_arrays = analyser.track(arrays)
    assert all(t.factor == 1.0 for t in from_arrays.tracks)
    a = analyser.measure(from_bytes, ("LEFT", "RIGHT"))
    b = analyser.measure(from_arrays, ("LEFT", "RIGHT"))
    assert a.moves_shown == b.moves_shown == ("LEFT", "RIGHT")
    for name in ("approach_ratio", "turn_residual"):
        va, vb = a.signal(name).value, b.signal(name).value
        assert va is not None and vb is not None
        assert abs(va - vb) <= 0.1 * abs(vb), name
    # Fewer frames get the mesh than were uploaded, but every frame feeds scene continuity.
    assert len(from_bytes.tracks) == tracking.MAX_ANALYSED < len(frames)
    assert len(from_bytes.scene) == len(frames)
    # Reported, never deciding: the far -> near depth fit and the camera signals.
    for name in ("depth_gain", "depth_ratio", "noise_sigma", "block_grid", "texture_response"):
        assert a.signal(name).decisive is False, name


# -- attacks ---------------------------------------------------------------------------------


def test_render_recorded_for_another_challenge_fails(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    """A 2-D-to-3-D render of one photo, made (or recorded) before the challenge was known."""
    attempt = synth.render_attack(meshes["astronaut"], moves=("LEFT", "UP"), seed=6)
    measured = analyser.analyse(attempt.frames, ("RIGHT", "DOWN"))
    assert measured.live is False
    assert measured.signal("moves_matched").passed is False


def test_single_turn_render_fails_a_two_move_challenge(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    """The old one-bit protocol's recording: one turn the right way is half a challenge."""
    attempt = synth.genuine_attempt(meshes["astronaut"], turn="LEFT", seed=8)
    measured = analyser.analyse(attempt.frames, ("LEFT", "DOWN"))
    assert measured.live is not True
    assert measured.moves_shown == ("LEFT",)


def test_printed_photo_moved_along_the_challenge_fails(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser, face_photos: dict[str, bytes]
) -> None:
    photo = _decode(face_photos["astronaut"])
    capture = synth.Capture(moves=("LEFT", "RIGHT"))
    attempt = synth.print_attack(photo, meshes["astronaut"], turn="LEFT", seed=3, capture=capture)
    measured = analyser.analyse(attempt.frames, ("LEFT", "RIGHT"))
    assert measured.live is not True
    # Either the tracker lost the foreshortened sheet, or the plane showed in the residual.
    assert measured.reason is not None or {"turn_residual", "moves_matched"} & set(measured.failed)


def test_flat_photo_moved_along_the_challenge_fails(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser, face_photos: dict[str, bytes]
) -> None:
    photo = _decode(face_photos["obama2"])
    capture = synth.Capture(moves=("RIGHT", "LEFT"))
    attempt = synth.flat_photo_attack(photo, meshes["obama"], seed=13, capture=capture)
    measured = analyser.analyse(attempt.frames, ("RIGHT", "LEFT"))
    assert measured.live is not True


def test_screen_replaying_a_render_of_the_challenge_fails(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    capture = synth.Capture(moves=("RIGHT", "UP"))
    attempt = synth.screen_attack(meshes["obama"], turn="RIGHT", seed=4, capture=capture)
    measured = analyser.analyse(attempt.frames, ("RIGHT", "UP"))
    assert measured.live is False
    # The recording makes the challenged moves in 3-D: the screen (moire, scene) gives it away.
    assert {"moire_peak_ratio", "max_scene_step", "max_scale_step"} & set(measured.failed)


def test_screen_still_fails(meshes: dict[str, synth.FaceMesh], measure: Measure) -> None:
    measured = measure(synth.screen_attack(meshes["obama"], turn="LEFT", seed=5, still=True))
    assert measured.live is not True


def test_splice_of_two_people_fails(meshes: dict[str, synth.FaceMesh], measure: Measure) -> None:
    attempt = synth.splice_attack(meshes["obama"], meshes["biden"], turn="LEFT", seed=7)
    measured = measure(attempt)
    assert measured.live is False
    assert "identity_similarity" in measured.failed or "max_scene_step" in measured.failed


def test_injected_still_fails_as_a_burst_and_as_zoom(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    attempt = synth.still_attack(meshes["biden"], turn="RIGHT", seed=9)
    burst = analyser.analyse(attempt.frames, None)
    assert burst.live is False
    assert "frame_change" in burst.failed
    zoomed = analyser.analyse(attempt.frames, ("RIGHT", "UP"))
    assert zoomed.live is not True


def test_a_burst_that_shows_no_attack_is_not_proven(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    """A burst without a request to move passes no one: nothing in it proves a person."""
    capture = synth.Capture(far_cm=35, near_cm=35, far_s=1.0, approach_s=0.6, turn_s=0.6)
    attempt = synth.genuine_attempt(meshes["astronaut"], turn="LEFT", seed=14, capture=capture)
    measured = analyser.analyse(attempt.frames[:10], None)
    assert measured.live is None
    assert measured.reason is LivenessReason.NOT_PROVEN
    assert "approach_ratio" not in {s.name for s in measured.signals}


def test_frames_pushed_at_once_fail_the_arrival_span(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    attempt = synth.render_attack(meshes["astronaut"], moves=("LEFT", "UP"), seed=11)
    count = len(attempt.frames)
    at_once = [0.01 * i for i in range(count)]  # a pre-recorded burst pushed in 0.2 s
    measured = analyser.analyse(attempt.frames, ("LEFT", "UP"), arrivals=at_once)
    assert measured.live is False
    assert "arrival_span" in measured.failed
    paced = [0.2 * i for i in range(count)]
    assert (
        analyser.analyse(attempt.frames, ("LEFT", "UP"), arrivals=paced)
        .signal("arrival_span")
        .passed
    )


# -- real bursts (read at run time from the shared corpus; never copied) --------------------

REAL_BURSTS = Path(
    os.environ.get("OPENIDV_REAL_FACE_VIDEO", "/work/shared/corpora/real-face-video")
)


@pytest.mark.skipif(not (REAL_BURSTS / "labels.jsonl").is_file(), reason="no real bursts here")
def test_real_people_are_not_rejected_as_static_bursts(analyser: ZoomAnalyser) -> None:
    """Real people in front of real cameras, judged as STATIC bursts: no attack signal fires
    on more than one in ten (BPCER target 5%; the shared set has 16)."""
    rejected, total = [], 0
    for line in (REAL_BURSTS / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        if not label["live"]:
            continue
        directory = REAL_BURSTS / label["burst"]
        frames = [p.read_bytes() for p in sorted(directory.glob("*.jpg"))]
        measured = analyser.analyse(frames, None)
        total += 1
        if measured.live is False:
            rejected.append((label["burst"], measured.failed))
    assert total >= 10
    assert len(rejected) <= total // 10, rejected


_OPPOSITE = {"LEFT": "RIGHT", "RIGHT": "LEFT", "UP": "DOWN", "DOWN": "UP"}


@pytest.mark.skipif(not (REAL_BURSTS / "labels.jsonl").is_file(), reason="no real bursts here")
def test_real_turns_pass_their_own_move_and_fail_the_opposite(analyser: ZoomAnalyser) -> None:
    """Real people turning on their own while they talk, judged as a one-move challenge of the
    turn they show (approach waived): nods and words inside the turn are not moves nobody asked
    for (the shared set's 7 turns: 4 were rejected so before the smoothed reader, 1 after:
    edited stage footage that starts turned). Challenged the other way, none is approved."""
    rejected, total = [], 0
    for line in (REAL_BURSTS / "labels.jsonl").read_text().splitlines():
        label = json.loads(line)
        if not label["live"] or not label.get("turn_shown"):
            continue
        frames = [p.read_bytes() for p in sorted((REAL_BURSTS / label["burst"]).glob("*.jpg"))]
        shown = str(label["turn_shown"])
        measured = analyser.analyse(frames, (shown,), approach=False)
        total += 1
        if measured.live is False:
            rejected.append((label["burst"], measured.moves_shown, measured.failed))
        wrong = analyser.analyse(frames, (_OPPOSITE[shown],), approach=False)
        assert wrong.live is not True, label["burst"]
    assert total >= 5
    assert len(rejected) <= total // 5, rejected


def test_an_attempt_that_shows_no_move_is_a_retry(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    """A turn too small to read as any move is TURN_FURTHER: the frame that departs most has
    hardly turned, so its 3-D residual says nothing (it used to REJECT real small turns)."""
    capture = synth.Capture(yaw_deg=3.0, nod_deg=3.0)
    attempt = synth.render_attack(meshes["obama"], moves=("LEFT", "UP"), seed=21, capture=capture)
    measured = analyser.analyse(attempt.frames, ("LEFT", "UP"))
    assert measured.moves_shown == ()
    assert measured.live is None and measured.reason is LivenessReason.TURN_FURTHER
    assert "turn_residual" not in measured.failed


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
def render_frames(meshes: dict[str, synth.FaceMesh]) -> list[bytes]:
    """A render of one photo doing RIGHT then UP (an attack)."""
    return synth.render_attack(meshes["biden"], moves=("RIGHT", "UP"), seed=21).frames


def _item(index: int, data: bytes) -> MediaItem:
    return MediaItem(f"m{index}", "image/jpeg", lambda: data)


def _evidence(
    frames: list[bytes], kind: str, turn: str | None, moves: list[str] | None = None
) -> Evidence:
    challenge: dict[str, object] | None = None
    if moves or turn:
        challenge = {"moves": moves, "nonce": "n"} if moves else {"turn": turn, "nonce": "n"}
    resource = EvidenceResource(
        "l", "LIVENESS", None, None, kind,
        frames=[_item(i, f) for i, f in enumerate(frames)], challenge=challenge,
    )  # fmt: skip
    return Evidence("s", "LIVENESS", {}, [resource])


def test_engine_reports_every_signal_and_rejects_the_wrong_moves(
    render_frames: list[bytes],
) -> None:
    engine = LivenessEngine()
    rejected = engine.run(_evidence(render_frames, "ZOOM", None, ["LEFT", "DOWN"]))
    assert rejected.decided
    assert rejected.report is not None
    assert rejected.report["recommendation"] == {"value": "REJECT"}  # no reason, as Yoti
    breakdown = rejected.report["breakdown"][0]
    assert breakdown["sub_check"] == "liveness_auth" and breakdown["result"] == "FAIL"
    details = {d["name"]: d["value"] for d in breakdown["details"]}
    assert all(isinstance(v, str) for v in details.values())
    assert details["challenge_moves"] == "LEFT,DOWN"
    # The render makes RIGHT then UP (on this face the reader also sees an UP as the approach
    # ends: the pitch baseline is a known weakness, see the closing note of issue 18).
    assert details["moves_shown"].endswith("RIGHT,UP")
    assert details["moves_matched_threshold"].startswith(">=")
    assert details["moves_matched_used_in_decision"] == "YES"
    for name in ("noise_sigma", "noise_spread", "block_grid", "texture_response"):
        assert f"{name}_threshold" in details
        assert details[f"{name}_used_in_decision"] == "NO"
    # An attempt issued before move sequences carries one turn: still judged.
    old = engine.run(_evidence(render_frames, "ZOOM", "LEFT"))
    assert old.report is not None
    assert old.report["recommendation"]["value"] == "REJECT"


def test_engine_static_burst_of_a_still_is_rejected(meshes: dict[str, synth.FaceMesh]) -> None:
    still = synth.still_attack(meshes["obama"], turn="LEFT", seed=15).frames[:8]
    result = LivenessEngine().run(_evidence(still, "STATIC", None))
    assert result.report is not None
    assert result.report["recommendation"] == {"value": "REJECT"}
    details = {d["name"]: d["value"] for d in result.report["breakdown"][0]["details"]}
    assert details["liveness_type"] == "STATIC_BURST"
    assert details["frame_change_result"] == "FAIL"


def test_engine_zoom_without_challenge_is_not_available(render_frames: list[bytes]) -> None:
    result = LivenessEngine().run(_evidence(render_frames, "ZOOM", None))
    assert not result.decided
    assert result.report is not None
    assert result.report["recommendation"]["value"] == "NOT_AVAILABLE"


def test_engine_too_few_frames(render_frames: list[bytes]) -> None:
    result = LivenessEngine().run(_evidence(render_frames[:3], "ZOOM", "LEFT"))
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


def test_cli_liveness_prints_the_report(render_frames: list[bytes], tmp_path: Path) -> None:
    paths = []
    for i, frame in enumerate(render_frames):
        path = tmp_path / f"{i:02d}.jpg"
        path.write_bytes(frame)
        paths.append(str(path))
    result = CliRunner().invoke(
        cli, ["check", "liveness", *paths, "--moves", "LEFT,LEFT", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["recommendation"] == {"value": "REJECT"}
    assert report["breakdown"][0]["sub_check"] == "liveness_auth"


@pytest.mark.skipif(not (REAL_BURSTS / "labels.jsonl").is_file(), reason="no real bursts here")
def test_static_burst_approval_follows_the_switch(
    analyser: ZoomAnalyser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real burst whose natural motion no plane makes: NOT_PROVEN while engine approval of
    bursts is off (the default: a render made beforehand would pass too), live when on; a
    re-encode of it below the page's JPEG quality is never approved."""
    frames = [p.read_bytes() for p in sorted((REAL_BURSTS / "fr_hamilton_b1").glob("*.jpg"))]
    off = analyser.analyse(frames, None)
    assert off.live is None and off.reason is LivenessReason.NOT_PROVEN
    assert off.signal("turn_residual").passed
    monkeypatch.setattr(zoom, "BURST_APPROVAL", True)
    assert analyser.analyse(frames, None).live is True
    again = analyser.analyse(synth.reencode(frames, seed=3, quality=70), None)
    assert again.live is not True
    assert again.signal("jpeg_quality").passed is False


@pytest.mark.skipif(not (REAL_BURSTS / "labels.jsonl").is_file(), reason="no real bursts here")
def test_engine_static_burst_of_a_real_person(monkeypatch: pytest.MonkeyPatch) -> None:
    """STATIC of a real person: NOT_AVAILABLE (a reviewer decides) while burst approval is
    off, APPROVE when the switch is on and the burst proves natural 3-D motion."""
    frames = [p.read_bytes() for p in sorted((REAL_BURSTS / "fr_hamilton_b1").glob("*.jpg"))]
    engine = LivenessEngine()
    off = engine.run(_evidence(frames, "STATIC", None))
    assert off.report is not None and not off.decided
    assert off.report["recommendation"]["value"] == "NOT_AVAILABLE"
    details = {d["name"]: d["value"] for d in off.report["breakdown"][0]["details"]}
    assert details["jpeg_quality"] == "90.0000" and details["turn_residual_result"] == "PASS"
    monkeypatch.setattr(zoom, "BURST_APPROVAL", True)
    on = engine.run(_evidence(frames, "STATIC", None))
    assert on.decided and on.report is not None
    assert on.report["recommendation"] == {"value": "APPROVE"}


def test_frames_are_timed_against_the_challenges_issue() -> None:
    """Causality (no frame sooner than the page can grab it after the issue), lag (none later
    than the bound after that), span: each on the arrivals alone."""
    from openidv.vision.liveness import timing  # noqa: PLC0415

    page = [10.6 + 0.2 * k + 0.05 * (k % 3) for k in range(24)]  # issued at 10.0, 0.6 s late
    by = {s.name: s for s in timing.timing_signals(page, 10.0)}
    assert all(s.passed for s in by.values()), by
    assert by["arrival_lag"].value == pytest.approx(0.7)
    pushed = [10.3 + 0.02 * k for k in range(24)]  # a recording pushed when the challenge came
    by = {s.name: s for s in timing.timing_signals(pushed, 10.0)}
    assert by["arrival_early"].passed is False and (by["arrival_early"].value or 0.0) > 3.0
    assert by["arrival_span"].passed is False
    late = [t + timing.MAX_ARRIVAL_LAG for t in page]  # an offline render, then paced
    by = {s.name: s for s in timing.timing_signals(late, 10.0)}
    assert by["arrival_lag"].passed is False and by["arrival_early"].passed
    assert [s.name for s in timing.timing_signals(page, None)] == ["arrival_span"]


def test_a_late_but_paced_attempt_is_not_proven_and_an_early_one_rejected(
    meshes: dict[str, synth.FaceMesh], analyser: ZoomAnalyser
) -> None:
    attempt = synth.render_attack(meshes["astronaut"], moves=("LEFT", "UP"), seed=11)
    count = len(attempt.frames)
    late = [30.0 + 0.2 * i for i in range(count)]
    measured = analyser.analyse(attempt.frames, ("LEFT", "UP"), arrivals=late, issued=0.0)
    assert "arrival_lag" in measured.failed and measured.live is not True
    early = [0.05 * i for i in range(count)]
    measured = analyser.analyse(attempt.frames, ("LEFT", "UP"), arrivals=early, issued=0.0)
    assert measured.live is False and "arrival_early" in measured.failed
