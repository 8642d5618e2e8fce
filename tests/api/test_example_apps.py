"""Yoti's Python doc_scan example app's session, built with the SDK's builders exactly as the
example builds it, against the sandbox base URL: created, its journey completed through the
sandbox shortcut, and read back by the SDK as the example's success page reads it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

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
from tests.api.journeys import process
from tests.api.test_node_sdk import node_sdk  # noqa: F401  (the installed npm package)
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


def _sandbox_app(server: Server, tmp_path: Path) -> tuple[str, Path, str]:
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        sdk_id = register_app(conn, "example app", public_pem, sandbox=True)
    key_path = tmp_path / "example.pem"
    key_path.write_bytes(private_key_pem(key))
    return sdk_id, key_path, server.base_url.replace("/idverify/v1", "/sandbox/idverify/v1")


def _sandbox_complete(base: str, session_id: str, token: str) -> None:
    done = httpx.post(
        f"{base}/client/sessions/{session_id}/sandbox-complete",
        headers={"X-Yoti-Auth-Token": token},
        timeout=30,
    )
    assert done.status_code == 202, done.text


def test_python_example_app_session_completes(server: Server, tmp_path: Path) -> None:
    """The example's session, through the sandbox, processed: COMPLETED, every check DONE
    (its ALWAYS manual checks included: a sandbox result is final), as the success page
    reads it, each page's and frame's media fetched."""
    sdk_id, key_path, base = _sandbox_app(server, tmp_path)
    client = DocScanClient(sdk_id, str(key_path), api_url=base)
    created = client.create_session(_example_spec())
    _sandbox_complete(base, created.session_id, created.client_session_token)
    process(server, created.session_id)
    session = client.get_session(created.session_id)
    assert session.state == "COMPLETED"
    assert {(c.type, c.state, c.report.recommendation.value) for c in session.checks} == {
        ("ID_DOCUMENT_AUTHENTICITY", "DONE", "APPROVE"), ("LIVENESS", "DONE", "APPROVE"),
        ("ID_DOCUMENT_FACE_MATCH", "DONE", "APPROVE"),
        ("ID_DOCUMENT_COMPARISON", "DONE", "APPROVE"),
    }  # fmt: skip
    documents = session.resources.id_documents
    tasks = [t for d in documents for t in d.tasks] + [
        t for d in session.resources.supplementary_documents for t in d.tasks
    ]
    assert tasks and all(t.state == "DONE" for t in tasks)
    for document in documents:
        for page in document.pages:
            for media in [page.media, *(f.media for f in page.frames)]:
                assert client.get_media_content(created.session_id, media.id).content


NODE_CASES_REFUSED = {
    # Use cases of Yoti's Node IDV example whose checks this server refuses by name.
    "authenticityAndIdentityCheckController": "third-party identity",
    "watchlistCheckController": "watchlist screening",
}


def test_node_idv_example_use_cases(
    node_sdk: Path,  # noqa: F811  (the fixture imported above)
    server: Server,
    tmp_path: Path,
) -> None:
    """Every use case of Yoti's Node IDV example app (its own controllers, from the npm
    package): created, completed through the sandbox, processed and read back by its success
    page; the third-party-identity and watchlist ones refused by name."""
    sdk_id, key_path, base = _sandbox_app(server, tmp_path)
    env = {**os.environ, "YOTI_CLIENT_SDK_ID": sdk_id, "YOTI_KEY_FILE_PATH": str(key_path),
           "YOTI_IDV_API_URL": base, "YOTI_APP_BASE_URL": "https://localhost:3000"}  # fmt: skip

    def node(*args: str) -> list[dict[str, Any]]:
        done = subprocess.run(
            ["node", "example_app.js", *args], check=False, cwd=node_sdk, env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    created = {line["useCase"]: line for line in node("create")}
    assert len(created) >= 8, created
    for use_case, feature in NODE_CASES_REFUSED.items():
        line = created.pop(use_case)
        assert line["page"] == "pages/error", line
        assert f"{feature} is not supported by this server" in json.dumps(line), line
    assert all(line["page"] == "pages/session" for line in created.values()), created
    for line in created.values():
        _sandbox_complete(base, line["sessionId"], line["token"])
        process(server, line["sessionId"])
    ids = [line["sessionId"] for line in created.values()]
    read = {line["sessionId"]: line for line in node("read", *ids)}
    for use_case, line in created.items():
        result = read[line["sessionId"]]
        assert result["page"] == "pages/success" and result["state"] == "COMPLETED", (
            use_case,
            result,
        )
        assert result["checks"] or result["tasks"], (use_case, result)
        assert all(t["state"] == "DONE" for t in result["tasks"]), (use_case, result)
        assert all(c["state"] == "DONE" and c["recommendation"] for c in result["checks"]), result
        assert result["media"] and None not in result["media"], (use_case, result)
    face = read[created["faceComparisonCheckController"]["sessionId"]]
    assert "FACE_COMPARISON" in {c["type"] for c in face["checks"]} and face["faceCaptures"] == 1
