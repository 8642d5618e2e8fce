"""The document engines on real specimen documents (../shared/corpora/real-documents).

The images belong to their issuers and sources: they are read where they lie, never copied
here, and the test skips where the folder is absent. The floors below are what the engines
reached when this test was written (see the README's real-document figures, printed by
``benchmarks/documents.py --real``); the safety properties are absolute: no genuine
document rejected as TAMPERED, no field reported that differs from the document.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from openidv.checks.authenticity import assess
from openidv.checks.readers import READ_FIELDS
from openidv.checks.text_extraction import extract
from openidv.vision.documents import DocumentReader, DocumentReading
from openidv.vision.faces import FaceEngine

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "real-documents"
REPORTED = {
    "document_number": "document_number",
    "date_of_birth": "date_of_birth",
    "expiry": "expiration_date",
    "surname": "family_name",
    "given_names": "given_names",
}

pytestmark = pytest.mark.skipif(
    not (CORPUS / "truth.jsonl").is_file(), reason="the real-document corpus is not here"
)


@pytest.fixture(scope="module")
def judged() -> list[tuple[dict[str, Any], list[DocumentReading]]]:
    reader = DocumentReader(faces=FaceEngine(), cache_size=4, viz_fields=READ_FIELDS)
    out = []
    for line in (CORPUS / "truth.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        truth = json.loads(line)
        files = [truth["file"], *([truth["back"]] if truth.get("back") else [])]
        # Judged inside its validity (these specimens are long expired).
        expiry = truth.get("expiry")
        today = dt.date.fromisoformat(expiry) - dt.timedelta(days=30) if expiry else None
        readings = reader.read_sides([(CORPUS / f).read_bytes() for f in files], today=today)
        out.append((truth, readings))
    return out


def test_no_genuine_document_is_rejected_as_tampered(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    tampered = []
    for truth, readings in judged:
        report = assess(readings).report or {}
        if truth["class"] != "negative" and report["recommendation"].get("reason") == "TAMPERED":
            tampered.append(truth["id"])
    assert tampered == []


def test_no_reported_field_differs_from_the_document(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    wrong = []
    extracted = 0
    for truth, readings in judged:
        result = extract(readings)
        fields: dict[str, Any] = next(
            (json.loads(m.content) for m in result.media if m.role == "document_fields"), {}
        )
        extracted += bool(fields)
        for truth_key, key in REPORTED.items():
            if fields.get(key) is not None and fields[key] != truth.get(truth_key):
                wrong.append(f"{truth['id']} {key}={fields[key]!r}")
    assert wrong == []
    assert extracted >= 29


def test_real_documents_are_approved_and_compared(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    approved = compared = 0
    for truth, readings in judged:
        report = assess(readings).report or {}
        approved += truth["class"] == "bar" and report["recommendation"]["value"] == "APPROVE"
        sub = next(b for b in report["breakdown"] if b["sub_check"] == "ocr_mrz_comparison")
        compared += sub["result"] == "PASS"
    assert approved >= 22
    assert compared >= 25
