"""Proof of address: a supplementary document's text extraction left to a person makes the
check Yoti makes for it, SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK (not an ID-document one), and
the entered fields become the supplementary document's ``document_fields``; all read back
with the official Python SDK."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
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
from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.checks.processing import run_item
from openidv.checks.proof_of_address import ProofOfAddressEngine, find_date
from openidv.sessions.models import Task
from openidv.store.db import table_of
from openidv.vision.synth.fonts import load_font
from tests.security.conftest import Target, csrf_of, journey, target  # noqa: F401 (fixture)

tasks_t = table_of(Task)
PNG = (  # a 1x1 PNG
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _poa_session(
    server: Target, tmp_path: Path, page: bytes, content_type: str, manual: str
) -> tuple[DocScanClient, str, str]:
    """A proof-of-address session made with the SDK's builders, its page uploaded and
    submitted, and its task run by the worker's own function; (client, session, task)."""
    shop = server.integrator()
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(private_key_pem(shop.key))
    client = DocScanClient(shop.sdk_id, str(key_path), api_url=server.api)
    task = RequestedSupplementaryDocTextExtractionTaskBuilder()
    task = (
        task.with_manual_check_fallback()
        if manual == "FALLBACK"
        else task.with_manual_check_never()
    )
    spec = (
        SessionSpecBuilder()
        .with_client_session_token_ttl(600)
        .with_requested_task(task.build())
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
    with journey(server, session_id, created.client_session_token) as capture:
        declared = capture.declare({"document_type": "UTILITY_BILL", "issuing_country": "GBR"})
        assert declared.status_code == 201, declared.text
        uploaded = capture.upload(declared.json()["id"], page, content_type)
        assert uploaded.status_code == 201, uploaded.text
        assert capture.submit().status_code == 202
    with server.app.state.engine.connect() as conn:
        [task_id] = conn.execute(
            select(tasks_t.c.id).where(tasks_t.c.session_id == session_id)
        ).scalars()
    run_item(server.app.state.runtime.processing, "task", task_id)
    return client, session_id, task_id


def test_manual_entry_for_a_supplementary_document(target: Target, tmp_path: Path) -> None:  # noqa: F811
    """On the security suite's server: its console cookies work over plain http. The page
    is a 1x1 PNG: nothing a machine can read, so the task goes to a person."""
    client, session_id, task_id = _poa_session(target, tmp_path, PNG, "image/png", "FALLBACK")
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


def _bill(*, dated: bool = True, addressee: str = "Ms Ada Lovelace") -> bytes:
    """A utility bill as a phone photographs it flat: an A4 page at ~150 dpi, JPEG."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    heading, text = load_font("bold", 56), load_font("regular", 30)
    draw.text((80, 80), "NORTHERN WATER LTD", font=heading, fill="black")
    draw.text((80, 170), "Customer services 0800 000 000", font=text, fill="black")
    for row, line in enumerate([addressee, "12 St James's Square", "London", "SW1Y 4JH"]):
        draw.text((80, 330 + row * 44), line, font=text, fill="black")
    if dated:
        draw.text((760, 330), "Bill date: 14 March 2026", font=text, fill="black")
    draw.text((760, 374), "Account number: 8812 3345", font=text, fill="black")
    draw.text((80, 700), "Amount due 48.20 GBP", font=text, fill="black")
    out = io.BytesIO()
    page.save(out, "JPEG", quality=90)
    return out.getvalue()


def _evidence(page: bytes, country: str = "GBR") -> Evidence:
    item = MediaItem("p", "image/jpeg", lambda: page)
    resource = EvidenceResource("d", "SUPPLEMENTARY_DOCUMENT", "UTILITY_BILL", country, None,
                                pages=[item])  # fmt: skip
    return Evidence("s", "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION", {}, [resource])


def test_statement_fields_are_read_from_a_bill() -> None:
    result = ProofOfAddressEngine().run(_evidence(_bill()))
    assert result.decided and result.recommendation == {"value": "PROGRESS"}
    [media] = result.media
    fields = json.loads(media.content)
    assert fields["full_name"] == "Ms Ada Lovelace"
    address = fields["structured_postal_address"]
    assert address["postal_code"] == "SW1Y 4JH" and address["town_city"] == "London"
    # Word spacing is the recogniser's weak point ("12St James's Square" from this JPEG).
    assert address["address_line1"].replace(" ", "") == "12StJames'sSquare"
    assert address["country_iso"] == "GBR"
    assert fields["date_of_issue"] == "2026-03-14"
    assert fields["issuing_authority"] == "NORTHERN WATER LTD"


def test_what_is_not_read_goes_to_a_person() -> None:
    undated = ProofOfAddressEngine().run(_evidence(_bill(dated=False)))
    assert not undated.decided and undated.media == []
    assert undated.recommendation is not None
    assert undated.recommendation["value"] == "SHOULD_TRY_AGAIN"
    assert "date" in undated.recommendation["reason"]["detail"]
    french = ProofOfAddressEngine().run(_evidence(_bill(), country="FRA"))
    assert not french.decided  # only UK postcodes are known


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Bill date: 14 March 2026", dt.date(2026, 3, 14)),
     ("Issued 3rd Sept 2025", dt.date(2025, 9, 3)), ("Date 01/02/2026", dt.date(2026, 2, 1)),
     ("2026-02-30 or 2026-03-01", dt.date(2026, 3, 1)), ("Amount due 48.20", None)],
)  # fmt: skip
def test_dates(text: str, expected: dt.date | None) -> None:
    assert find_date(text) == expected


def test_python_sdk_reads_an_automated_proof_of_address(target: Target, tmp_path: Path) -> None:  # noqa: F811
    client, session_id, _ = _poa_session(target, tmp_path, _bill(), "image/jpeg", "NEVER")
    session = client.get_session(session_id)
    [document] = session.resources.supplementary_documents
    [task] = document.text_extraction_tasks
    assert task.state == "DONE" and task.generated_checks == []  # no person involved
    fields = json.loads(
        client.get_media_content(session_id, document.document_fields.media.id).content
    )
    assert fields["structured_postal_address"]["postal_code"] == "SW1Y 4JH"
    assert fields["full_name"] == "Ms Ada Lovelace"


def _statement_pdf() -> bytes:
    """A two-page statement as a PDF: the addressee on the first page, which prints no date;
    the statement's date on the second, above its rows."""
    first = Image.open(io.BytesIO(_bill(dated=False)))
    second = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(second)
    text = load_font("regular", 30)
    draw.text((80, 120), "Statement date: 2 March 2026", font=text, fill="black")
    for row in range(6):
        draw.text((80, 220 + row * 50), f"Water supply, meter {row + 1}   8.0{row} GBP",
                  font=text, fill="black")  # fmt: skip
    out = io.BytesIO()
    first.save(out, format="PDF", save_all=True, append_images=[second], resolution=150)
    return out.getvalue()


def test_a_pdf_statement_keeps_its_pages_and_its_date_from_the_second(
    target: Target,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A statement uploaded as a PDF keeps its first pages, each a page of the document (the
    integrator sees them, a reviewer too), and the reading takes the date from page two."""
    shop = target.integrator()
    key_path = tmp_path / "key.pem"
    key_path.write_bytes(private_key_pem(shop.key))
    client = DocScanClient(shop.sdk_id, str(key_path), api_url=target.api)
    task = RequestedSupplementaryDocTextExtractionTaskBuilder().with_manual_check_never().build()
    spec = (
        SessionSpecBuilder()
        .with_client_session_token_ttl(600)
        .with_requested_task(task)
        .with_required_document(
            RequiredSupplementaryDocumentBuilder()
            .with_objective(ProofOfAddressObjectiveBuilder().build())
            .build()
        )
        .build()
    )
    created = client.create_session(spec)
    session_id = created.session_id
    with journey(target, session_id, created.client_session_token) as capture:
        declared = capture.declare({"document_type": "BANK_STATEMENT", "issuing_country": "GBR"})
        resource = declared.json()["id"]
        uploaded = capture.http.put(
            f"{capture.url}/resources/{resource}/media?capture_method=UPLOAD",
            content=_statement_pdf(), headers={"Content-Type": "application/pdf"},
        )  # fmt: skip
        assert uploaded.status_code == 201, uploaded.text
        assert capture.submit().status_code == 202
    with target.app.state.engine.connect() as conn:
        [task_id] = conn.execute(
            select(tasks_t.c.id).where(tasks_t.c.session_id == session_id)
        ).scalars()
    run_item(target.app.state.runtime.processing, "task", task_id)
    [document] = client.get_session(session_id).resources.supplementary_documents
    assert [page.capture_method for page in document.pages] == ["UPLOAD", "UPLOAD"]
    for page in document.pages:
        content = client.get_media_content(session_id, page.media.id)
        assert content.mime_type == "image/jpeg" and content.content[:2] == b"\xff\xd8"
    [task_result] = document.text_extraction_tasks
    assert task_result.state == "DONE"
    fields = json.loads(
        client.get_media_content(session_id, document.document_fields.media.id).content
    )
    assert fields["date_of_issue"] == "2026-03-02"
    assert fields["structured_postal_address"]["postal_code"] == "SW1Y 4JH"
