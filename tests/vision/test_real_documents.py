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
import re
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
    assert extracted >= 30


def test_real_documents_are_approved_and_compared(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    approved = compared = 0
    for truth, readings in judged:
        report = assess(readings).report or {}
        approved += truth["class"] == "bar" and report["recommendation"]["value"] == "APPROVE"
        sub = next(b for b in report["breakdown"] if b["sub_check"] == "ocr_mrz_comparison")
        compared += sub["result"] == "PASS"
    assert approved >= 24
    assert compared >= 31


def _prints_holder_details(truth: dict[str, Any]) -> bool:
    """A data page or a card's front was sent: not an MRZ crop, nor a TD1 card's back alone
    (ICAO 9303 puts a TD1 card's MRZ on its back; a TD1 line without ``back`` is that back)."""
    if truth["capture"] == "mrz-crop":
        return False
    return not (truth["format"] == "TD1" and not truth.get("back"))


def test_documents_printing_holder_details_are_compared(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # The target: ocr_mrz_comparison passes on >= 85 % of the genuine documents that
    # show the printed details it compares (a two-sided card's sides judged together).
    passed = total = 0
    for truth, readings in judged:
        if truth["class"] == "negative" or not _prints_holder_details(truth):
            continue
        report = assess(readings).report or {}
        sub = next(b for b in report["breakdown"] if b["sub_check"] == "ocr_mrz_comparison")
        total += 1
        passed += sub["result"] == "PASS"
    assert total >= 30
    assert passed >= 0.85 * total


def test_a_back_or_an_mrz_crop_alone_is_left_undecided(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # With no printed holder details to compare, nothing can be approved, and nothing a
    # partial side shows is evidence of forgery: NOT_AVAILABLE, which FALLBACK sends to a
    # reviewer or the user retakes.
    partial = [
        (t, r) for t, r in judged if t["class"] != "negative" and not _prints_holder_details(t)
    ]
    assert len(partial) >= 6
    for truth, readings in partial:
        result = assess(readings)
        assert result.report is not None
        assert result.report["recommendation"]["value"] == "NOT_AVAILABLE", truth["id"]
        assert not result.decided, truth["id"]


def _readings_of(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]], file: str
) -> list[DocumentReading]:
    return next(readings for truth, readings in judged if truth["file"] == file)


def _found_printed(readings: list[DocumentReading], field: str) -> bool:
    return any(field in r.viz and r.viz[field].matches_mrz for r in readings)


def test_a_date_under_a_stamp_with_its_year_apart_is_found(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # The Dutch specimen's date of birth: a red SPECIMEN stamp over the day's 9 (read as C
    # until the coloured ink is made light) and the year printed well apart, which the
    # detector gives as a box of its own.
    readings = _readings_of(judged, "td3-nld-scan.jpg")
    assert _found_printed(readings, "date_of_birth")
    assert (assess(readings).report or {})["recommendation"]["value"] == "APPROVE"


def test_icelandic_thorn_and_ash_agree_with_the_mrz(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # ÆVARSDÓTTIR / ÞURÍÐUR are AEVARSDOTTIR / THURIDUR in the MRZ; the recogniser reads
    # the printed Æ as E and Þ as P.
    readings = _readings_of(judged, "td3-isl-scan-1.png")
    assert _found_printed(readings, "surname")
    assert _found_printed(readings, "given_names")


def test_a_number_printed_as_series_and_number_is_found(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # The Romanian card prints "SERIA HD NR 198025" for the MRZ's HD198025.
    assert _found_printed(_readings_of(judged, "td2-rou-id-scan.jpg"), "document_number")


def test_printed_only_fields_reported_are_plausible(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # No check digit vouches for these: a date read under the place-of-birth caption, a
    # caption read as a value or an issue date outside the validity is never reported.
    reported = 0
    for truth, readings in judged:
        result = extract(readings)
        fields: dict[str, Any] = next(
            (json.loads(m.content) for m in result.media if m.role == "document_fields"), {}
        )
        issued = fields.get("date_of_issue")
        if issued is not None:
            reported += 1
            assert truth["date_of_birth"] < issued, truth["id"]
            assert truth["expiry"] is None or issued < truth["expiry"], truth["id"]
        for key in ("place_of_birth", "issuing_authority"):
            value = fields.get(key)
            if value is not None:
                reported += 1
                # No year, nor a day before a month's name (a date cut short).
                assert not re.search(r"[0-9]{4}|[0-9]{1,2} ?[A-Z]{3}", value), truth["id"]
                assert "BIRTH" not in value and "DATE" not in value, truth["id"]
    assert reported >= 15


def test_a_birth_printed_only_inside_the_personal_number_is_found(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # Romania's card prints no date of birth, only the CNP that encodes it (1 850509 ...).
    assert _found_printed(_readings_of(judged, "td2-rou-id-scan.jpg"), "date_of_birth")


def test_small_print_merged_with_its_caption_is_read_apart(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # A 376 px French page: the number's 5 px digits and their caption in one detected box.
    assert _found_printed(_readings_of(judged, "td3-fra-scan-lowres.jpg"), "document_number")


def test_a_number_at_the_end_of_a_long_line_is_found(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # France's old card prints its number after the title: "CARTE NATIONALE D'IDENTITE N°".
    assert _found_printed(_readings_of(judged, "fra-cni-id-scan-2.jpg"), "document_number")


def test_a_value_the_detector_cut_short_is_not_reported(
    judged: list[tuple[dict[str, Any], list[DocumentReading]]],
) -> None:
    # The detector ends the authority's box at "UNITED STATES DE" of "... DEPARTMENT OF
    # STATE": never reported so.
    result = extract(_readings_of(judged, "td3-usa-scan-2020.jpg"))
    fields: dict[str, Any] = next(
        (json.loads(m.content) for m in result.media if m.role == "document_fields"), {}
    )
    assert fields
    assert fields.get("issuing_authority") in (None, "UNITED STATES DEPARTMENT OF STATE")
