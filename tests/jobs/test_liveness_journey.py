"""LIVENESS and ID_DOCUMENT_FACE_MATCH on the built-in engines, end to end through the official
SDK: a failed first attempt (the head turned the wrong way), a passing second one, one report
per attempt, and the face match comparing the attempt that passed with the document."""

from __future__ import annotations

import cv2
import httpx
import numpy as np
import pytest

from openidv.vision.faces import FaceEngine
from openidv.vision.liveness.landmarks import LandmarkModel
from openidv.vision.synth import liveness as synth
from tests.jobs.conftest import (
    Deployment,
    Receiver,
    capture_journey,
    liveness_attempt,
    spec,
    wait_state,
)
from tests.vision.test_face_match_engine import _card

OPPOSITE = {"LEFT": "RIGHT", "RIGHT": "LEFT"}


def _mesh(photo: bytes) -> synth.FaceMesh:
    image = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return synth.build_face_mesh(np.asarray(image, np.uint8), FaceEngine(), LandmarkModel())


@pytest.mark.parametrize("deployment", ["embedded"], indirect=True)
def test_liveness_attempts_and_face_match_on_the_built_in_engines(
    deployment: Deployment, receiver: Receiver, face_photos: dict[str, bytes]
) -> None:
    engines = ",".join(
        entry
        for entry in deployment.env["OPENIDV_ENGINES"].split(",")
        if not entry.startswith(("LIVENESS=", "ID_DOCUMENT_FACE_MATCH="))
    )
    deployment.start("run", extra_env={"OPENIDV_ENGINES": engines})
    client, _ = deployment.client()
    created = client.create_session(spec(receiver))
    mesh = _mesh(face_photos["obama2"])  # the selfie: another photo than the document's
    url = f"{deployment.api}/client/sessions/{created.session_id}"
    with httpx.Client(headers={"X-Yoti-Auth-Token": created.client_session_token}) as http:
        required = http.get(f"{url}/configuration").json()["capture"]["required_resources"]
        requirement = next(r["id"] for r in required if r["type"] == "LIVENESS")
        wrong = liveness_attempt(
            http,
            url,
            requirement,
            lambda turn: synth.genuine_attempt(mesh, turn=OPPOSITE[turn], seed=3).frames,
        )
        assert (wrong["passed"], wrong["hint"], wrong["attempts_left"]) == (False, "TRY_AGAIN", 2)
        right = liveness_attempt(
            http,
            url,
            requirement,
            lambda turn: synth.genuine_attempt(mesh, turn=turn, seed=4).frames,
        )
        assert (right["passed"], right["attempts_left"]) == (True, 1)

    capture_journey(
        deployment,
        created.session_id,
        created.client_session_token,
        document=_card(face_photos["obama"]),
        liveness=False,
    )
    session = wait_state(client, created.session_id, "COMPLETED", timeout=120)
    liveness = [c for c in session.checks if c.type == "LIVENESS"]
    assert [c.report.recommendation.value for c in liveness] == ["REJECT", "APPROVE"]
    assert all(c.report.breakdown[0].sub_check == "liveness_auth" for c in liveness)
    captures = session.resources.liveness_capture
    assert [c.resources_used for c in liveness] == [[c.id] for c in captures]
    assert all(len(c.frames) >= 8 for c in captures)
    match = next(c for c in session.checks if c.type == "ID_DOCUMENT_FACE_MATCH")
    assert match.report.recommendation.value == "APPROVE"
    assert captures[1].id in match.resources_used
    # Frames come back through the signed media endpoint.
    frame = client.get_media_content(created.session_id, captures[1].frames[0].media.id)
    assert frame.mime_type == "image/jpeg" and len(frame.content) > 1000
