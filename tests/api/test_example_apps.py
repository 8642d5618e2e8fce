"""Yoti's Python doc_scan example app's session, built with the SDK's builders exactly as the
example builds it, against the sandbox base URL: created, its journey completed through the
sandbox shortcut, and read back by the SDK as the example's success page reads it."""

from __future__ import annotations

from pathlib import Path

import httpx
from yoti_python_sdk.doc_scan import (
    DocScanClient,
    RequestedDocumentAuthenticityCheckBuilder,
    RequestedFaceMatchCheckBuilder,
    RequestedIDDocumentComparisonCheckBuilder,
    RequestedLivenessCheckBuilder,
    RequestedSupplementaryDocTextExtractionTaskBuilder,
    RequestedTextExtractionTaskBuilder,
    SdkConfigBuilder,
    SessionSpecBuilder,
)
from yoti_python_sdk.doc_scan.session.create.filter import (
    DocumentRestrictionBuilder,
    DocumentRestrictionsFilterBuilder,
    RequiredIdDocumentBuilder,
    RequiredSupplementaryDocumentBuilder,
)
from yoti_python_sdk.doc_scan.session.create.objective import ProofOfAddressObjectiveBuilder

from openidv.api.apps import generate_key_pair, private_key_pem, register_app
from tests.conftest import Server

APP_URL = "https://localhost:5000"


def _example_spec() -> object:
    sdk_config = (
        SdkConfigBuilder()
        .with_allows_camera_and_upload()
        .with_primary_colour("#2d9fff")
        .with_secondary_colour("#FFFFFF")
        .with_font_colour("#FFFFFF")
        .with_locale("en-GB")
        .with_preset_issuing_country("GBR")
        .with_success_url(f"{APP_URL}/success")
        .with_error_url(f"{APP_URL}/error")
        .with_privacy_policy_url(f"{APP_URL}/privacy-policy")
        .build()
    )
    passport = DocumentRestrictionBuilder().with_document_types(["PASSPORT"]).build()
    only_passports = (
        DocumentRestrictionsFilterBuilder().for_whitelist().with_document_restriction(passport)
    )
    return (
        SessionSpecBuilder()
        .with_client_session_token_ttl(600)
        .with_resources_ttl(90000)
        .with_user_tracking_id("some-user-tracking-id")
        .with_requested_check(RequestedDocumentAuthenticityCheckBuilder().with_manual_check_always().build())
        .with_requested_check(RequestedLivenessCheckBuilder().for_zoom_liveness().with_max_retries(1).build())
        .with_requested_check(RequestedFaceMatchCheckBuilder().with_manual_check_always().build())
        .with_requested_check(RequestedIDDocumentComparisonCheckBuilder().build())
        .with_requested_task(RequestedTextExtractionTaskBuilder().with_manual_check_always().with_chip_data_desired().build())
        .with_requested_task(RequestedSupplementaryDocTextExtractionTaskBuilder().with_manual_check_always().build())
        .with_sdk_config(sdk_config)
        .with_required_document(RequiredIdDocumentBuilder().with_filter(only_passports.build()).build())
        .with_required_document(RequiredIdDocumentBuilder().build())
        .with_required_document(RequiredSupplementaryDocumentBuilder().with_objective(ProofOfAddressObjectiveBuilder().build()).build())
        .build()
    )  # fmt: skip


def test_python_example_app_session(server: Server, tmp_path: Path) -> None:
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        sdk_id = register_app(conn, "example app", public_pem, sandbox=True)
    key_path = tmp_path / "example.pem"
    key_path.write_bytes(private_key_pem(key))
    base = server.base_url.replace("/idverify/v1", "/sandbox/idverify/v1")
    client = DocScanClient(sdk_id, str(key_path), api_url=base)

    created = client.create_session(_example_spec())
    # The example's iframe: {base}/web/index.html?sessionID=...&sessionToken=...
    page = httpx.get(
        f"{base}/web/index.html",
        params={"sessionID": created.session_id, "sessionToken": created.client_session_token},
    )
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    done = httpx.post(
        f"{base}/client/sessions/{created.session_id}/sandbox-complete",
        headers={"X-Yoti-Auth-Token": created.client_session_token},
    )
    assert done.status_code == 202, done.text

    session = client.get_session(created.session_id)
    assert session.user_tracking_id == "some-user-tracking-id"
    assert [c.type for c in session.checks] == [
        "ID_DOCUMENT_AUTHENTICITY", "LIVENESS", "ID_DOCUMENT_FACE_MATCH", "ID_DOCUMENT_COMPARISON",
    ]  # fmt: skip
    documents = session.resources.id_documents
    assert [d.document_type for d in documents] == ["PASSPORT", "PASSPORT"]
    assert all(len(d.pages) == 1 and d.pages[0].media.id for d in documents)
    assert [t.type for t in documents[0].tasks] == ["ID_DOCUMENT_TEXT_DATA_EXTRACTION"]
    [supplementary] = session.resources.supplementary_documents
    assert [t.type for t in supplementary.tasks] == ["SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION"]
    [liveness] = session.resources.zoom_liveness_resources
    assert len(liveness.frames) == 1
    page_media = client.get_media_content(created.session_id, documents[0].pages[0].media.id)
    assert page_media.mime_type == "image/png"
    assert session.biometric_consent_timestamp is not None
