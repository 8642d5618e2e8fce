"""Result fields filled where the server has the data."""

from __future__ import annotations

import io
import json

import httpx
from PIL import Image
from yoti_python_sdk.doc_scan import DocScanClient

from openidv.checks.document_media import portrait
from openidv.checks.readers import face_engine
from openidv.vision.synth import generate_document
from tests.api.journeys import capture_documents, process
from tests.api.payloads import seed
from tests.conftest import Integrator, Server
from tests.signing import SignedClient


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_static_liveness_carries_its_image_and_capture_type(
    server: Server, api: SignedClient
) -> None:
    spec = seed()
    spec["requested_checks"][1]["config"] = {"liveness_type": "STATIC", "max_retries": 1}
    created = api.create(spec).json()
    base = f"{server.base_url}/client/sessions/{created['session_id']}"
    with httpx.Client(
        base_url=base, headers={"X-Yoti-Auth-Token": created["client_session_token"]}
    ) as http:
        required = http.get("/configuration").json()["capture"]["required_resources"]
        requirement = next(r["id"] for r in required if r["type"] == "LIVENESS")
        attempt = http.post("/liveness-attempts", json={"requirement_id": requirement}).json()
        before = api.send("GET", f"/sessions/{created['session_id']}").json()
        assert "capture_type" not in before["resources"]["liveness_capture"][0]  # no image yet
        # STATIC: no move to make, but the burst is still bound to the attempt's nonce
        assert attempt["challenge"]["moves"] is None and attempt["challenge"]["nonce"]
        nonce = attempt["challenge"]["nonce"]
        headers = {"Content-Type": "image/jpeg", "X-Liveness-Nonce": nonce}
        uploaded = http.put(f"/resources/{attempt['id']}/media", content=_jpeg(), headers=headers)
        assert uploaded.status_code == 201, uploaded.text
    session = api.send("GET", f"/sessions/{created['session_id']}").json()
    [capture] = session["resources"]["liveness_capture"]
    assert capture["liveness_type"] == "STATIC"
    assert capture["capture_type"] == "PHOTOGRAPH"
    assert capture["image"]["media"]["type"] == "IMAGE"
    assert capture["frames"] == []


def _passport_session(server: Server, api: SignedClient, page: bytes, expanded: bool) -> str:
    """A session with one passport and its text extraction (``create_expanded_document_fields``
    as Node, Java and PHP send it), captured, submitted and processed by the built-in engine."""
    config: dict[str, object] = {"manual_check": "NEVER"}
    if expanded:
        config["create_expanded_document_fields"] = True
    created = api.create(
        {"requested_tasks": [{"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": config}]}
    ).json()
    session_id: str = created["session_id"]
    capture_documents(server, session_id, created["client_session_token"], [page], "UPLOAD")
    process(server, session_id)
    return session_id


def test_document_portrait_and_expanded_fields_read_by_the_python_sdk(
    server: Server, api: SignedClient, integrator: Integrator, face_photos: dict[str, bytes]
) -> None:
    passport = generate_document(23, fmt="TD3", portrait=face_photos["obama"], degradation="jpeg")
    session_id = _passport_session(server, api, passport.image, expanded=True)
    client = DocScanClient(integrator.sdk_id, str(integrator.key_path), api_url=server.base_url)
    [document] = client.get_session(session_id).resources.id_documents
    assert document.pages[0].capture_method == "UPLOAD"
    assert document.pages[0].frames == []  # an uploaded file is no camera frame
    # The portrait: a JPEG of the passport's face, the same person as the photo printed.
    photo = client.get_media_content(session_id, document.document_id_photo.media.id)
    assert photo.mime_type == "image/jpeg"
    faces = face_engine()
    measured = faces.match_document_to_selfie(photo.content, [face_photos["obama2"]])
    assert measured.similarity is not None and measured.similarity >= 0.5
    assert len(photo.content) < len(passport.image)  # a crop, not the page
    # Expanded fields: Yoti's {"fields": [...]} with each field's source.
    raw = api.send("GET", f"/sessions/{session_id}").json()
    [resource] = raw["resources"]["id_documents"]
    expanded = client.get_media_content(
        session_id, resource["expanded_document_fields"]["media"]["id"]
    )
    fields = {f["name"]: f for f in json.loads(expanded.content)["fields"]}
    assert fields["document_number"]["value"] == passport.identity.document_number
    assert fields["document_number"]["source"] == "MRZ" and fields["family_name"]["locale"] == "la"
    assert "mrz" not in fields and "field_sources" not in fields


def test_expanded_fields_only_when_asked(
    server: Server, api: SignedClient, face_photos: dict[str, bytes]
) -> None:
    passport = generate_document(23, fmt="TD3", portrait=face_photos["obama"], degradation="jpeg")
    session_id = _passport_session(server, api, passport.image, expanded=False)
    [resource] = api.send("GET", f"/sessions/{session_id}").json()["resources"]["id_documents"]
    assert "expanded_document_fields" not in resource
    assert resource["document_fields"]["media"]["type"] == "JSON"
    assert resource["document_id_photo"]["media"]["type"] == "IMAGE"


def test_camera_page_is_its_own_frame(
    server: Server, api: SignedClient, integrator: Integrator
) -> None:
    """Yoti's page ``frames`` are the camera frames the page was taken from: a CAMERA page is
    one, read back by the Python SDK as a frame whose media is the page's."""
    created = api.create(
        {"requested_tasks": [{"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {}}]}
    ).json()
    session_id = created["session_id"]
    capture_documents(server, session_id, created["client_session_token"], [_jpeg()], "CAMERA")
    client = DocScanClient(integrator.sdk_id, str(integrator.key_path), api_url=server.base_url)
    [document] = client.get_session(session_id).resources.id_documents
    [page] = document.pages
    assert page.capture_method == "CAMERA"
    assert [frame.media.id for frame in page.frames] == [page.media.id]
    content = client.get_media_content(session_id, page.frames[0].media.id)
    assert content.content == _jpeg() and content.mime_type == "image/jpeg"


def test_no_face_no_portrait() -> None:
    assert portrait(_jpeg()) is None


def _frame(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 100, 100)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_camera_frames_sent_with_a_page_are_its_frames(
    server: Server, api: SignedClient, integrator: Integrator
) -> None:
    """The capture page sends the frames it took while the user aimed at the document; the
    results list them after the page itself, each served as media, read back by the Python
    SDK. At most three; none on an uploaded page, nor on a page the document does not have."""
    created = api.create(
        {"requested_tasks": [{"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {}}],
         "required_documents": [{"type": "ID_DOCUMENT"}, {"type": "ID_DOCUMENT"}]}
    ).json()  # fmt: skip
    session_id = created["session_id"]
    base = f"{server.base_url}/client/sessions/{session_id}"
    with httpx.Client(
        base_url=base, headers={"X-Yoti-Auth-Token": created["client_session_token"]}
    ) as http:
        required = http.get("/configuration").json()["capture"]["required_resources"]
        ids = []
        for requirement, method in zip(required, ("CAMERA", "UPLOAD"), strict=True):
            body = {"requirement_id": requirement["id"], "document_type": "PASSPORT",
                    "issuing_country": "GBR"}  # fmt: skip
            resource = http.post("/resources", json=body).json()["id"]
            page = http.put(f"/resources/{resource}/media?capture_method={method}",
                            content=_jpeg(), headers={"Content-Type": "image/jpeg"})  # fmt: skip
            ids.append((resource, page.json()["id"]))
        (camera, camera_page), (uploaded, uploaded_page) = ids
        jpeg = {"Content-Type": "image/jpeg"}
        sent = []
        for shade in (10, 80, 150):
            answer = http.put(f"/resources/{camera}/pages/{camera_page}/frames",
                              content=_frame(shade), headers=jpeg)  # fmt: skip
            assert answer.status_code == 201, answer.text
            sent.append(answer.json()["id"])
        fourth = http.put(f"/resources/{camera}/pages/{camera_page}/frames",
                          content=_frame(200), headers=jpeg)  # fmt: skip
        assert (fourth.status_code, fourth.json()["code"]) == (409, "TOO_MANY_FRAMES")
        on_upload = http.put(f"/resources/{uploaded}/pages/{uploaded_page}/frames",
                             content=_frame(10), headers=jpeg)  # fmt: skip
        assert (on_upload.status_code, on_upload.json()["code"]) == (409, "NOT_A_CAMERA_PAGE")
        elsewhere = http.put(f"/resources/{camera}/pages/{uploaded_page}/frames",
                             content=_frame(10), headers=jpeg)  # fmt: skip
        assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "UNKNOWN_PAGE")
        pdf = {"Content-Type": "application/pdf"}
        not_image = http.put(f"/resources/{camera}/pages/{camera_page}/frames",
                             content=b"%PDF-1.4", headers=pdf)  # fmt: skip
        assert not_image.status_code == 400
        assert http.post("/submit").status_code == 202
    client = DocScanClient(integrator.sdk_id, str(integrator.key_path), api_url=server.base_url)
    camera_doc, uploaded_doc = client.get_session(session_id).resources.id_documents
    [page] = camera_doc.pages
    assert [frame.media.id for frame in page.frames] == [camera_page, *sent]
    for frame, shade in zip(page.frames[1:], (10, 80, 150), strict=True):
        content = client.get_media_content(session_id, frame.media.id)
        assert content.mime_type == "image/jpeg" and content.content == _frame(shade)
    assert uploaded_doc.pages[0].frames == []
