"""Proof of address: a supplementary document's text extraction left to a person makes the
check Yoti makes for it, SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK (not an ID-document one), and
the entered fields become the supplementary document's ``document_fields``; all read back
with the official Python SDK."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from sqlalchemy import select
from yoti_python_sdk.doc_scan import (
    DocScanClient,
    RequestedSupplementaryDocTextExtractionTaskBuilder,
    SessionSpecBuilder,
)
from yoti_python_sdk.doc_scan.session.create.filter.required_supplementary_document import (
    RequiredSupplementaryDocumentBuilder,
)
from yoti_python_sdk.doc_scan.session.create.objective.proof_of_address_objective import (
    ProofOfAddressObjectiveBuilder,
)

from openidv.api.apps import private_key_pem
from openidv.checks.processing import run_item
from openidv.sessions.models import Task
from openidv.store.db import table_of
from tests.security.conftest import Target, csrf_of, target  # noqa: F401 (the fixture)

tasks_t = table_of(Task)
PNG = (  # a 1x1 PNG: nothing a machine can read, so the task goes to a person
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def test_manual_entry_for_a_supplementary_document(target: Target, tmp_path: Path) -> None:  # noqa: F811
    """On the security suite's server: its console cookies work over plain http."""
    shop = target.integrator()
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(private_key_pem(shop.key))
    client = DocScanClient(shop.sdk_id, str(key_path), api_url=target.api)
    spec = (
        SessionSpecBuilder()
        .with_client_session_token_ttl(600)
        .with_requested_task(
            RequestedSupplementaryDocTextExtractionTaskBuilder()
            .with_manual_check_fallback()
            .build()
        )
        .with_required_document(
            RequiredSupplementaryDocumentBuilder()
            .with_objective(ProofOfAddressObjectiveBuilder().build())
            .with_document_types(["UTILITY_BILL"])
            .with_country_codes(["GBR"])
            .build()
        )
        .build()
    )
    created = client.create_session(spec)
    session_id = created.session_id
    base = f"{target.api}/client/sessions/{session_id}"
    with httpx.Client(headers={"X-Yoti-Auth-Token": created.client_session_token}) as http:
        [required] = http.get(f"{base}/configuration").json()["capture"]["required_resources"]
        assert required["type"] == "SUPPLEMENTARY_DOCUMENT"
        body = {"requirement_id": required["id"], "document_type": "UTILITY_BILL",
                "issuing_country": "GBR"}  # fmt: skip
        resource = http.post(f"{base}/resources", json=body).json()["id"]
        page = http.put(f"{base}/resources/{resource}/media", content=PNG,
                        headers={"Content-Type": "image/png"})  # fmt: skip
        assert page.status_code == 201, page.text
        assert http.post(f"{base}/submit").status_code == 202
    with target.app.state.engine.connect() as conn:
        [task_id] = conn.execute(
            select(tasks_t.c.id).where(tasks_t.c.session_id == session_id)
        ).scalars()
    run_item(target.app.state.runtime.processing, "task", task_id)  # unread: to a person

    reviewer = target.reviewer(f"poa-{task_id[:8]}@example.com")
    try:
        csrf = csrf_of(reviewer.get("/").text)
        claimed = reviewer.post(f"/items/task/{task_id}/claim", data={"csrf": csrf})
        assert claimed.status_code == 303, claimed.text
        fields = {"full_name": "Ada Lovelace", "address": "12 St James's Square, London"}
        decided = reviewer.post(
            f"/items/task/{task_id}/decide",
            data={"csrf": csrf, "value": "PROGRESS", "fields": json.dumps(fields)},
        )
        assert decided.status_code == 303, decided.text
    finally:
        reviewer.close()

    session = client.get_session(session_id)
    assert session.id_document_text_data_checks == []  # none for a supplementary document
    [check] = session.supplementary_document_text_data_checks
    assert check.state == "DONE" and check.report.recommendation.value == "APPROVE"
    [document] = session.resources.supplementary_documents
    [task] = document.text_extraction_tasks
    assert [(c.id, c.type) for c in task.generated_checks] == [
        (check.id, "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK")
    ]
    assert check.resources_used == [document.id]
    entered = client.get_media_content(session_id, document.document_fields.media.id)
    assert json.loads(entered.content) == fields
