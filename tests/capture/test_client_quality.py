"""The client API's photo check and PDF scans, through a real server: ``?quality=check`` refuses
a page that would fail later with the problems named and nothing stored; without it (other
clients) every page is stored as before; a PDF becomes the JPEG of its first page, only as an
upload where the session allows uploads; the journey (what was kept) answers the token only."""

from __future__ import annotations

import io
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from PIL import Image

from openidv.vision.synth import generate_document
from tests.api.payloads import seed
from tests.capture.test_quality import jpeg, on_table
from tests.conftest import Server
from tests.signing import SignedClient


def _passport_photo() -> bytes:
    document = generate_document(7, fmt="TD3", image_format="png")
    page = cv2.imdecode(np.frombuffer(document.image, np.uint8), cv2.IMREAD_COLOR)
    return jpeg(on_table(np.asarray(page, np.uint8), 1600, 1200))


def _pdf(image_bytes: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(image_bytes)).convert("RGB").save(out, format="PDF", resolution=150.0)
    return out.getvalue()


class Journey:
    def __init__(self, server: Server, api: SignedClient, methods: str) -> None:
        payload = seed()
        payload["sdk_config"]["allowed_capture_methods"] = methods
        created = api.create(payload).json()
        self.session_id = created["session_id"]
        self.base = f"{server.base_url}/client/sessions/{self.session_id}"
        self.headers = {"X-Yoti-Auth-Token": created["client_session_token"]}
        config = httpx.get(f"{self.base}/configuration", headers=self.headers).json()
        document = next(
            r for r in config["capture"]["required_resources"] if r["type"] == "ID_DOCUMENT"
        )
        made = httpx.post(
            f"{self.base}/resources",
            json={"requirement_id": document["id"], "document_type": "PASSPORT",
                  "issuing_country": "USA"},
            headers=self.headers,
        )  # fmt: skip
        assert made.status_code == 201, made.text
        self.resource = made.json()["id"]

    def put(self, body: bytes, content_type: str, query: str = "") -> httpx.Response:
        return httpx.put(
            f"{self.base}/resources/{self.resource}/media?{query}",
            content=body,
            headers={**self.headers, "Content-Type": content_type},
            timeout=60,
        )

    def kept(self) -> Any:
        response = httpx.get(f"{self.base}/journey", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def journey(server: Server, api: SignedClient) -> Journey:
    return Journey(server, api, "CAMERA_AND_UPLOAD")


def test_a_blurred_page_is_refused_with_its_reason_and_not_stored(journey: Journey) -> None:
    photo = np.asarray(
        cv2.imdecode(np.frombuffer(_passport_photo(), np.uint8), cv2.IMREAD_COLOR), np.uint8
    )
    blurred = jpeg(np.asarray(cv2.GaussianBlur(photo, (0, 0), 4), np.uint8))
    refused = journey.put(blurred, "image/jpeg", "quality=check")
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["code"] == "PHOTO_QUALITY" and body["message"]
    assert body["errors"] == [{"property": "body", "message": "PHOTO_TOO_BLURRY"}]
    assert journey.kept()["resources"][0]["pages"] == 0
    # The user chose to send it anyway: stored as sent.
    assert journey.put(blurred, "image/jpeg", "quality=accept").status_code == 201
    assert journey.kept()["resources"][0]["pages"] == 1


def test_a_good_page_passes_the_check(journey: Journey) -> None:
    assert journey.put(_passport_photo(), "image/jpeg", "quality=check").status_code == 201
    kept = journey.kept()
    assert kept["requester"] == "test app" and kept["consented"] is False
    [resource] = kept["resources"]
    assert (resource["document_type"], resource["issuing_country"], resource["pages"]) == (
        "PASSPORT",
        "USA",
        1,
    )


def test_without_the_check_a_page_is_stored_as_before(journey: Journey) -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    assert journey.put(out.getvalue(), "image/png").status_code == 201


def test_a_pdf_upload_is_stored_as_the_jpeg_of_its_first_page(
    journey: Journey, api: SignedClient
) -> None:
    pdf = _pdf(_passport_photo())
    assert journey.put(pdf, "application/pdf", "capture_method=CAMERA").status_code == 400
    stored = journey.put(pdf, "application/pdf", "capture_method=UPLOAD&quality=check")
    assert stored.status_code == 201, stored.text
    media = api.send("GET", f"/sessions/{journey.session_id}/media/{stored.json()['id']}/content")
    assert media.status_code == 200
    assert media.headers["content-type"].startswith("image/jpeg")
    assert media.content[:2] == b"\xff\xd8" and b"%PDF" not in media.content


def test_no_pdf_where_the_session_allows_the_camera_only(server: Server, api: SignedClient) -> None:
    camera_only = Journey(server, api, "CAMERA")
    refused = camera_only.put(_pdf(_passport_photo()), "application/pdf", "capture_method=UPLOAD")
    assert refused.status_code == 400
    assert "PDF is accepted only" in refused.json()["errors"][0]["message"]


def test_the_journey_and_a_pdf_need_the_token(journey: Journey) -> None:
    bad = {"X-Yoti-Auth-Token": "not-the-token"}
    assert httpx.get(f"{journey.base}/journey", headers=bad).status_code == 401
    refused = httpx.put(
        f"{journey.base}/resources/{journey.resource}/media?capture_method=UPLOAD",
        content=_pdf(_passport_photo()),
        headers={**bad, "Content-Type": "application/pdf"},
    )
    assert refused.status_code == 401 and refused.json()["code"] == "BAD_TOKEN"
