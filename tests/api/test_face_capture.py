"""Face-capture resources (the relying business's face) and FACE_COMPARISON; the face match
against any face source of the session."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image

from openidv.api.apps import generate_key_pair, register_app
from openidv.api.signing import sign
from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.checks.face_match import FaceComparisonEngine, FaceMatchEngine
from tests.conftest import Server
from tests.signing import SignedClient

BOUNDARY = "yoti-doc-scan-boundary"  # the Java SDK's


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


def _multipart(image: bytes, content_type: str = "image/jpg") -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="binary-content"; '
            f'filename="face-capture-image"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        + image
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


SPEC: dict[str, Any] = {
    "requested_checks": [
        {"type": "LIVENESS", "config": {"liveness_type": "ZOOM", "max_retries": 1}},
        {"type": "FACE_COMPARISON", "config": {"manual_check": "NEVER"}},
        {"type": "ID_DOCUMENT_FACE_MATCH", "config": {}},
    ],
}


def _upload(api: SignedClient, session_id: str, resource_id: str, body: bytes) -> Any:
    path = f"/sessions/{session_id}/resources/face-capture/{resource_id}/image"
    query = api.query()
    digest = sign(api.key, "PUT", f"{path}?{query}", body)
    headers = {
        "X-Yoti-Auth-Digest": digest,
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    return api.http.put(f"{api.base_url}{path}?{query}", content=body, headers=headers)


def test_face_capture_round_trip(api: SignedClient) -> None:
    created = api.create(SPEC)
    assert created.status_code == 201, created.text
    session_id = created.json()["session_id"]
    config = api.send("GET", f"/sessions/{session_id}/configuration").json()
    assert "FACE_COMPARISON" in config["requested_checks"]
    [face] = [r for r in config["capture"]["required_resources"] if r["type"] == "FACE_CAPTURE"]
    assert face["allowed_sources"] == [{"type": "RELYING_BUSINESS"}] and face["state"] == "REQUIRED"

    body = json.dumps({"requirement_id": face["id"]}).encode()
    made = api.send("POST", f"/sessions/{session_id}/resources/face-capture", body)
    assert made.status_code == 201, made.text
    resource = made.json()
    assert resource["frames"] == 1 and resource["id"]

    image = _jpeg()
    uploaded = _upload(api, session_id, resource["id"], _multipart(image))
    assert uploaded.status_code == 200, uploaded.text

    session = api.send("GET", f"/sessions/{session_id}").json()
    [capture] = session["resources"]["face_capture"]
    assert capture["id"] == resource["id"]
    assert capture["source"] == {"type": "RELYING_BUSINESS"}
    media = api.send(
        "GET", f"/sessions/{session_id}/media/{capture['image']['media']['id']}/content"
    )
    assert media.status_code == 200 and media.content == image
    assert media.headers["content-type"] == "image/jpeg"


def test_face_capture_refusals(api: SignedClient) -> None:
    session_id = api.create(SPEC).json()["session_id"]
    config = api.send("GET", f"/sessions/{session_id}/configuration").json()
    liveness = next(r for r in config["capture"]["required_resources"] if r["type"] == "LIVENESS")
    path = f"/sessions/{session_id}/resources/face-capture"
    wrong = api.send("POST", path, json.dumps({"requirement_id": liveness["id"]}).encode())
    assert (wrong.status_code, wrong.json()["code"]) == (400, "NOT_FACE_CAPTURE")
    unknown = api.send("POST", path, b'{"requirement_id":"nope"}')
    assert (unknown.status_code, unknown.json()["code"]) == (404, "UNKNOWN_REQUIREMENT")
    bad = api.send("POST", path, b'{"requirement":"x"}')
    assert bad.status_code == 400 and bad.json()["code"] == "PAYLOAD_VALIDATION"
    face = next(r for r in config["capture"]["required_resources"] if r["type"] == "FACE_CAPTURE")
    resource_id = api.send(
        "POST", path, json.dumps({"requirement_id": face["id"]}).encode()
    ).json()["id"]
    not_image = _upload(api, session_id, resource_id, _multipart(b"not an image"))
    assert not_image.status_code == 400
    assert not_image.json()["errors"][0]["property"] == "body.binary-content"
    elsewhere = _upload(
        api, session_id, "00000000-0000-4000-8000-000000000000", _multipart(_jpeg())
    )
    assert elsewhere.status_code == 404


@pytest.mark.parametrize(
    ("checks", "prop", "words"),
    [
        ([{"type": "FACE_COMPARISON", "config": {}}], "requested_checks[0].type",
         "needs a LIVENESS"),
        ([{"type": "ID_DOCUMENT_FACE_MATCH", "config": {}}], "requested_checks[0].type",
         "LIVENESS or FACE_COMPARISON"),
        ([{"type": "LIVENESS", "config": {"liveness_type": "ZOOM"}},
          {"type": "FACE_COMPARISON", "config": {"manual_check": "ALWAYS"}}],
         "requested_checks[1].config.manual_check", "only NEVER"),
    ],
)  # fmt: skip
def test_face_rules(api: SignedClient, checks: list[dict[str, Any]], prop: str, words: str) -> None:
    response = api.create({"requested_checks": checks})
    assert response.status_code == 400
    errors = [e for e in response.json()["errors"] if e["property"] == prop]
    assert errors and words in errors[0]["message"], response.text


def _media(data: bytes) -> MediaItem:
    return MediaItem(media_id="m", content_type="image/jpeg", load=lambda: data)


def _face(data: bytes) -> EvidenceResource:
    return EvidenceResource("f", "FACE_CAPTURE", None, None, None, pages=[_media(data)])


def _liveness(frames: list[bytes]) -> EvidenceResource:
    return EvidenceResource("l", "LIVENESS", None, None, "ZOOM", frames=[_media(f) for f in frames])


def test_face_comparison_engine_on_real_faces(face_photos: dict[str, bytes]) -> None:
    engine = FaceComparisonEngine()

    def compare(uploaded: str, selfie: str) -> dict[str, Any]:
        evidence = Evidence("s", "FACE_COMPARISON", {}, [_face(face_photos[uploaded]),
                            _liveness([face_photos[selfie]])])  # fmt: skip
        report = engine.run(evidence).report
        assert report is not None
        return report

    assert compare("obama", "obama2")["recommendation"] == {"value": "APPROVE"}
    assert compare("obama", "biden")["recommendation"]["value"] == "REJECT"
    missing = engine.run(Evidence("s", "FACE_COMPARISON", {}, [_liveness([face_photos["obama"]])]))
    assert missing.report is not None and not missing.decided


def test_face_match_uses_the_uploaded_face_without_liveness_frames(
    face_photos: dict[str, bytes],
) -> None:
    document = EvidenceResource("d", "ID_DOCUMENT", "PASSPORT", "GBR", None,
                                pages=[_media(face_photos["obama"])])  # fmt: skip
    engine = FaceMatchEngine()
    same = engine.run(
        Evidence("s", "ID_DOCUMENT_FACE_MATCH", {}, [document, _face(face_photos["obama2"])])
    )
    assert same.report is not None and same.report["recommendation"] == {"value": "APPROVE"}
    other = engine.run(
        Evidence("s", "ID_DOCUMENT_FACE_MATCH", {}, [document, _face(face_photos["biden"])])
    )
    assert other.report is not None and other.report["recommendation"]["value"] == "REJECT"


def test_sandbox_completion_supplies_the_face_and_checks_read_it(server: Server) -> None:
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        sdk_id = register_app(conn, "sandbox app", public_pem, sandbox=True)
    base = server.base_url.replace("/idverify/v1", "/sandbox/idverify/v1")
    with SignedClient(base, sdk_id, key) as sandbox:
        created = sandbox.create(SPEC).json()
        done = httpx.post(
            f"{base}/client/sessions/{created['session_id']}/sandbox-complete",
            headers={"X-Yoti-Auth-Token": created["client_session_token"]},
        )
        assert done.status_code == 202, done.text
        session = sandbox.send("GET", f"/sessions/{created['session_id']}").json()
    [face] = session["resources"]["face_capture"]
    assert face["image"]["media"]["type"] == "IMAGE"
    used = {c["type"]: c["resources_used"] for c in session["checks"]}
    [liveness] = session["resources"]["liveness_capture"]
    assert sorted(used["FACE_COMPARISON"]) == sorted([face["id"], liveness["id"]])
    assert face["id"] in used["ID_DOCUMENT_FACE_MATCH"]
