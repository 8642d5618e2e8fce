"""The MRZ on real specimen documents (../shared/corpora/real-documents, read where it lies:
its images belong to their issuers and are never copied here). Skipped without the corpus.

Guards what the MRZ reader reached on it (issue 14) and that it reports no false accept: no
MRZ valid unless exactly as printed, no field whose check digit held with a wrong value."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from openidv.vision.documents import DocumentReader
from openidv.vision.mrz import MrzResult

CORPUS = Path(
    os.environ.get(
        "OPENIDV_REAL_DOCUMENTS",
        Path(__file__).resolve().parents[3] / "shared" / "corpora" / "real-documents",
    )
)
# Exact MRZs reached on the ICAO-conformant ("bar") documents of the development corpus.
MIN_EXACT_CONFORMANT = 34
# The evaluation date: the specimens' own validity does not matter to the MRZ read.
TODAY = dt.date(2026, 1, 15)
CHECKED = {"document_number": "document_number", "date_of_birth": "date_of_birth",
           "expiry_date": "expiry"}  # fmt: skip

pytestmark = pytest.mark.skipif(
    not (CORPUS / "truth.jsonl").is_file(), reason=f"no real-document corpus at {CORPUS}"
)


def _documents() -> list[dict[str, Any]]:
    lines = (CORPUS / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _best(results: list[MrzResult | None]) -> MrzResult | None:
    read = [result for result in results if result is not None and result.format is not None]
    valid = [result for result in read if result.valid]
    ranked = valid or read
    return ranked[0] if ranked else None


def _false_accepts(result: MrzResult, truth: dict[str, Any]) -> list[str]:
    if tuple(truth["mrz"]) == result.lines:
        return []
    wrong = [
        name
        for name, key in CHECKED.items()
        if result.fields[name].valid is True and result.fields[name].value != truth.get(key)
    ]
    return ["mrz", *wrong] if result.valid else wrong


def test_real_documents_mrz() -> None:
    reader = DocumentReader(threads=1)
    exact_conformant = 0
    accepted_wrongly: dict[str, list[str]] = {}
    for truth in _documents():
        files = [truth["file"], *([truth["back"]] if truth.get("back") else [])]
        images = [(CORPUS / name).read_bytes() for name in files]
        readings = reader.read_sides(images, today=TODAY, read_viz=False)
        result = _best([reading.mrz for reading in readings])
        if result is None:
            continue
        if truth["class"] == "bar" and result.lines == tuple(truth["mrz"]):
            exact_conformant += 1
        if truth["class"] != "negative" and (wrong := _false_accepts(result, truth)):
            accepted_wrongly[truth["id"]] = wrong
        if truth["class"] == "negative" and result.valid:
            accepted_wrongly[truth["id"]] = ["mrz"]
    assert not accepted_wrongly
    assert exact_conformant >= MIN_EXACT_CONFORMANT
