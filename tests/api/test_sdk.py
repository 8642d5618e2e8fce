"""The official Yoti Python SDK, unchanged but for its base URL, against a live openidv."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update
from yoti_python_sdk.doc_scan import (
    DocScanClient,
    NotificationConfigBuilder,
    RequestedDocumentAuthenticityCheckBuilder,
    RequestedFaceMatchCheckBuilder,
    RequestedLivenessCheckBuilder,
    RequestedTextExtractionTaskBuilder,
    SdkConfigBuilder,
    SessionSpecBuilder,
)
from yoti_python_sdk.doc_scan.exception import DocScanException

from openidv.api.apps import generate_key_pair, private_key_pem, register_app
from openidv.sessions.models import Session
from openidv.sessions.service import store_media
from openidv.store.db import table_of, utcnow
from tests.api.payloads import seed
from tests.conftest import Integrator, Server
from tests.signing import SignedClient


@pytest.fixture
def client(server: Server, integrator: Integrator) -> DocScanClient:
    return DocScanClient(integrator.sdk_id, str(integrator.key_path), api_url=server.base_url)


def seed_spec_from_builders() -> object:
    """The seed's full example payload, built with the SDK's own builders."""
    return (
        SessionSpecBuilder()
        .with_client_session_token_ttl(600)
        .with_resources_ttl(604800)
        .with_user_tracking_id("<uuid>")
        .with_notifications(
            NotificationConfigBuilder()
            .with_endpoint("https://yourdomain.com/idverify/updates")
            .with_auth_token("XXX")
            .for_resource_update()
            .for_task_completion()
            .for_check_completion()
            .for_session_completion()
            .build()
        )
        .with_requested_check(RequestedDocumentAuthenticityCheckBuilder().build())
        .with_requested_check(
            RequestedLivenessCheckBuilder().for_zoom_liveness().with_max_retries(3).build()
        )
        .with_requested_check(RequestedFaceMatchCheckBuilder().with_manual_check_fallback().build())
        .with_requested_task(
            RequestedTextExtractionTaskBuilder().with_manual_check_fallback().build()
        )
        .with_sdk_config(
            SdkConfigBuilder()
            .with_allows_camera_and_upload()
            .with_primary_colour("#2d9fff")
            .with_preset_issuing_country("USA")
            .with_success_url("https://yourdomain.com/success")
            .with_error_url("https://yourdomain.com/error")
            .build()
        )
        .build()
    )


def test_create_get_delete_round_trip(client: DocScanClient) -> None:
    created = client.create_session(seed_spec_from_builders())
    assert created.session_id
    assert created.client_session_token
    assert 595 <= created.client_session_token_ttl <= 600

    session = client.get_session(created.session_id)
    assert session.session_id == created.session_id
    assert session.state == "ONGOING"
    assert session.user_tracking_id == "<uuid>"
    assert session.client_session_token == created.client_session_token
    assert 590 <= session.client_session_token_ttl <= 600
    assert [(c.type, c.state) for c in session.checks] == [
        ("ID_DOCUMENT_AUTHENTICITY", "CREATED"),
        ("LIVENESS", "CREATED"),
        ("ID_DOCUMENT_FACE_MATCH", "CREATED"),
    ]
    assert all(c.id and c.created and c.last_updated for c in session.checks)
    assert session.resources.id_documents == []
    assert session.resources.liveness_capture == []

    client.delete_session(created.session_id)
    with pytest.raises(DocScanException) as err:
        client.get_session(created.session_id)
    assert err.value.status_code == 404
    assert "Failed to retrieve session - NOT_FOUND" in err.value.message


def test_seed_payload_as_published_is_accepted(api: SignedClient, client: DocScanClient) -> None:
    response = api.create(seed())
    assert response.status_code == 201, response.text
    session = client.get_session(response.json()["session_id"])
    assert len(session.checks) == 3


def test_unknown_session_is_a_docscan_exception(client: DocScanClient) -> None:
    with pytest.raises(DocScanException) as err:
        client.get_session("00000000-0000-4000-8000-000000000000")
    assert err.value.status_code == 404
    assert err.value.message == "Failed to retrieve session - NOT_FOUND - Session not found"


def test_media_unknown_is_404(client: DocScanClient) -> None:
    created = client.create_session(seed_spec_from_builders())
    with pytest.raises(DocScanException) as err:
        client.get_media_content(created.session_id, "00000000-0000-4000-8000-000000000000")
    assert err.value.status_code == 404
    assert "Media not found" in err.value.message


def test_media_content_round_trip_and_deletion(server: Server, client: DocScanClient) -> None:
    created = client.create_session(seed_spec_from_builders())
    image = b"\xff\xd8\xff\xe0fake-jpeg-bytes" * 100
    api = server.app.state.api
    with server.app.state.engine.begin() as conn:
        media_id = store_media(
            conn,
            api.sessions,
            created.session_id,
            content=image,
            content_type="image/jpeg",
            media_type="IMAGE",
            now=utcnow(),
        )

    media = client.get_media_content(created.session_id, media_id)
    assert media.mime_type == "image/jpeg"
    assert media.content == image

    # At rest the bytes are ciphertext, never the image.
    stored = (server.settings.media_dir / created.session_id / media_id).read_bytes()
    assert image[:20] not in stored

    # Evidence cannot be pulled from under an ongoing session's checks.
    with pytest.raises(DocScanException) as err:
        client.delete_media_content(created.session_id, media_id)
    assert err.value.status_code == 409

    with server.app.state.engine.begin() as conn:
        conn.execute(
            update(table_of(Session))
            .where(table_of(Session).c.id == created.session_id)
            .values(state="COMPLETED")
        )
    client.delete_media_content(created.session_id, media_id)
    assert client.get_media_content(created.session_id, media_id) is None  # 204
    assert not (server.settings.media_dir / created.session_id / media_id).exists()


def test_delete_session_shreds_its_media(server: Server, client: DocScanClient) -> None:
    created = client.create_session(seed_spec_from_builders())
    api = server.app.state.api
    with server.app.state.engine.begin() as conn:
        media_id = store_media(
            conn,
            api.sessions,
            created.session_id,
            content=b"{}",
            content_type="application/json",
            media_type="JSON",
            now=utcnow(),
        )
    client.delete_session(created.session_id)
    assert not (server.settings.media_dir / created.session_id / media_id).exists()
    with pytest.raises(DocScanException) as err:
        client.get_media_content(created.session_id, media_id)
    assert err.value.status_code == 404


def test_supported_documents(client: DocScanClient) -> None:
    documents = client.get_supported_documents()
    codes = {country.code for country in documents.supported_countries}
    assert {"GBR", "USA", "FRA"} <= codes
    gbr = next(c for c in documents.supported_countries if c.code == "GBR")
    assert "PASSPORT" in {d.type for d in gbr.supported_documents}
    assert all(d.is_strictly_latin for d in gbr.supported_documents)


def test_wrong_key_is_refused_with_the_servers_message(
    server: Server, integrator: Integrator, tmp_path: Path
) -> None:
    other_key, _ = generate_key_pair()
    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(private_key_pem(other_key))
    client = DocScanClient(integrator.sdk_id, str(wrong), api_url=server.base_url)
    with pytest.raises(DocScanException) as err:
        client.create_session(seed_spec_from_builders())
    assert err.value.status_code == 401
    assert err.value.message == (
        "Failed to create session - UNAUTHORIZED - "
        "The request signature does not verify with the application's key"
    )


def test_another_apps_session_is_not_found(
    server: Server, client: DocScanClient, tmp_path: Path
) -> None:
    created = client.create_session(seed_spec_from_builders())
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        other_id = register_app(conn, "other", public_pem)
    (tmp_path / "other.pem").write_bytes(private_key_pem(key))
    other = DocScanClient(other_id, str(tmp_path / "other.pem"), api_url=server.base_url)
    for call in (other.get_session, other.delete_session):
        with pytest.raises(DocScanException) as err:
            call(created.session_id)
        assert err.value.status_code == 404
    assert client.get_session(created.session_id).state == "ONGOING"


def test_error_bodies_parse_as_the_sdk_expects(api: SignedClient) -> None:
    response = api.create(b"{")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = json.loads(response.text)
    assert body["code"] == "PAYLOAD_VALIDATION" and body["message"]
    assert body["errors"][0]["property"] == "body"
