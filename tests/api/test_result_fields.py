"""Result fields filled where the server has the data."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from tests.api.payloads import seed
from tests.conftest import Server
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
        assert attempt["challenge"] is None  # STATIC: a photograph, no head-turn challenge
        headers = {"Content-Type": "image/jpeg"}
        uploaded = http.put(f"/resources/{attempt['id']}/media", content=_jpeg(), headers=headers)
        assert uploaded.status_code == 201, uploaded.text
    session = api.send("GET", f"/sessions/{created['session_id']}").json()
    [capture] = session["resources"]["liveness_capture"]
    assert capture["liveness_type"] == "STATIC"
    assert capture["capture_type"] == "PHOTOGRAPH"
    assert capture["image"]["media"]["type"] == "IMAGE"
    assert capture["frames"] == []
