"""The client API judges uploads by their bytes: only real JPEG, PNG or WebP images, within a
pixel budget, are stored, under the type the bytes say they are."""

from __future__ import annotations

import io
import struct
import zlib

import httpx
import pytest
from PIL import Image

from tests.api.payloads import seed
from tests.conftest import Server
from tests.signing import SignedClient


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _png_bomb() -> bytes:
    """A tiny file whose header claims 100,000 x 100,000 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def resource(server: Server, api: SignedClient) -> tuple[str, str, str]:
    created = api.create(seed()).json()
    base = f"{server.base_url}/client/sessions/{created['session_id']}"
    token = created["client_session_token"]
    config = httpx.get(f"{base}/configuration", headers={"X-Yoti-Auth-Token": token}).json()
    document = next(
        r for r in config["capture"]["required_resources"] if r["type"] == "ID_DOCUMENT"
    )
    made = httpx.post(
        f"{base}/resources",
        json={
            "requirement_id": document["id"],
            "document_type": "PASSPORT",
            "issuing_country": "USA",
        },
        headers={"X-Yoti-Auth-Token": token},
    )
    assert made.status_code == 201, made.text
    return base, token, made.json()["id"]


@pytest.mark.parametrize(
    ("body", "declared", "words"),
    [
        (b"just some text", "image/png", "not a JPEG, PNG, WebP or HEIC"),
        (_png_bomb(), "image/png", "too many pixels"),
        (
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
            b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
            "image/png",
            "GIF images are not accepted",
        ),
    ],
    ids=["text", "bomb", "gif"],
)
def test_refused_uploads(
    resource: tuple[str, str, str], body: bytes, declared: str, words: str
) -> None:
    base, token, resource_id = resource
    response = httpx.put(
        f"{base}/resources/{resource_id}/media",
        content=body,
        headers={"X-Yoti-Auth-Token": token, "Content-Type": declared},
    )
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["property"] == "body" and words in error["message"]


def test_stored_under_the_type_the_bytes_say(
    resource: tuple[str, str, str], api: SignedClient
) -> None:
    base, token, resource_id = resource
    png = _png(40, 30)
    response = httpx.put(
        f"{base}/resources/{resource_id}/media",
        content=png,
        headers={"X-Yoti-Auth-Token": token, "Content-Type": "image/jpeg"},  # a lie
    )
    assert response.status_code == 201, response.text
    session_id = base.rsplit("/", 1)[-1]
    session = api.send("GET", f"/sessions/{session_id}").json()
    page = session["resources"]["id_documents"][0]["pages"][0]
    content = api.send("GET", f"/sessions/{session_id}/media/{page['media']['id']}/content")
    assert content.headers["content-type"] == "image/png" and content.content == png
