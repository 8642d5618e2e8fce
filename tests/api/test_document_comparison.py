"""ID_DOCUMENT_COMPARISON: two ID documents of one person, compared by the built-in engine
(names after ICAO transliteration, date of birth, portraits), read back with the official
Python SDK."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from yoti_python_sdk.doc_scan import (
    DocScanClient,
    RequestedIDDocumentComparisonCheckBuilder,
    RequestedTextExtractionTaskBuilder,
    SessionSpecBuilder,
)
from yoti_python_sdk.doc_scan.session.create.filter.required_id_document import (
    RequiredIdDocumentBuilder,
)

from openidv.checks.document_comparison import (
    ABSENT,
    FROM_MRZ_CHECK_DIGITS,
    FROM_PRINT,
    MATCH,
    MISMATCH,
    NOT_READ,
    PARTIAL,
    DataComparison,
    DocumentComparisonEngine,
    PortraitComparison,
    compare_fields,
    data_from_readings,
    decide,
)
from openidv.checks.engines import Evidence, EvidenceResource, MachineResult, MediaItem
from openidv.vision.documents import DocumentReading, VizField
from openidv.vision.mrz import compute_check_digit, parse_mrz
from openidv.vision.synth import generate_document
from tests.api.journeys import capture_documents, process
from tests.conftest import Integrator, Server


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # ICAO 9303 transliteration: the umlaut as AE or as A, Cyrillic letter by letter.
        ({"family_name": "MÄNNIK"}, {"family_name": "MAENNIK"}, MATCH),
        ({"family_name": "Männik"}, {"family_name": "MANNIK"}, MATCH),
        ({"family_name": "ИВАНОВА"}, {"family_name": "IVANOVA"}, MATCH),
        ({"family_name": "DE LA CRUZ"}, {"family_name": "DELACRUZ"}, MATCH),
        ({"family_name": "SMITH"}, {"family_name": "SMYTH"}, MISMATCH),
        ({"family_name": "SMITH"}, {}, NOT_READ),
    ],
)
def test_family_names(a: dict[str, str], b: dict[str, str], expected: str) -> None:
    assert compare_fields(a, b).family_name == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("ANNA MARIA", "ANNA", MATCH),  # a middle name left out
        ("JEAN-PIERRE", "JEAN PIERRE", MATCH),
        ("NIKOLAI", "НИКОЛАЙ", MATCH),
        # Issuers order given names differently; a middle name left out anywhere.
        ("MARIA ANNA", "ANNA MARIA", MATCH),
        ("ANNA MARIA LUISA", "ANNA LUISA", MATCH),
        ("JÜRGEN KLAUS", "KLAUS JUERGEN", MATCH),  # order and ICAO transliteration
        ("J MICHAEL", "JOHN MICHAEL", MATCH),  # an initial for a name
        # The first name left out, or initials alone: undecided, neither the same nor another.
        ("ANNA MARIA", "MARIA", PARTIAL),
        ("J", "JOHN", PARTIAL),
        ("JOHN", "JOAN", MISMATCH),
        ("ANNA LUISA", "ANNA MARIA", MISMATCH),  # a name the other document does not have
        ("J MICHAEL", "JAMES PETER", MISMATCH),
    ],
)
def test_given_names(a: str, b: str, expected: str) -> None:
    assert compare_fields({"given_names": a}, {"given_names": b}).given_names == expected


def test_a_person_without_given_names() -> None:
    """Given names legitimately absent (a full name that is the family name alone) on both
    documents agree; the family name and date of birth then decide the data."""
    one_name = {"family_name": "SUKARNOPUTRI", "full_name": "SUKARNOPUTRI",
                "date_of_birth": "1947-01-23"}  # fmt: skip
    both = compare_fields(one_name, dict(one_name))
    assert both.given_names == ABSENT and both.match
    other = compare_fields(one_name, {**one_name, "given_names": "MEGAWATI"})
    assert other.given_names == PARTIAL and not other.match and not other.mismatch
    # A document whose given names were simply not read is not one without any.
    unread = compare_fields(one_name, {"family_name": "SUKARNOPUTRI"})
    assert unread.given_names == NOT_READ


def test_dates_of_birth() -> None:
    same = compare_fields({"date_of_birth": "1980-02-29"}, {"date_of_birth": "1980-02-29"})
    other = compare_fields({"date_of_birth": "1980-02-29"}, {"date_of_birth": "1980-03-01"})
    assert same.date_of_birth == MATCH and other.date_of_birth == MISMATCH


def _report(result: MachineResult) -> dict[str, Any]:
    assert result.report is not None
    return result.report


def test_decisions() -> None:
    agree = DataComparison(MATCH, MATCH, MATCH)
    approve = decide(agree, PortraitComparison(0.8, None))
    assert approve.decided and _report(approve)["recommendation"] == {"value": "APPROVE"}
    assert [b["result"] for b in _report(approve)["breakdown"]] == ["PASS", "PASS"]
    # Another date of birth: another person, however alike the portraits.
    other = decide(DataComparison(MATCH, MATCH, MISMATCH), PortraitComparison(0.8, None))
    assert other.decided and _report(other)["recommendation"]["value"] == "REJECT"
    grey = decide(agree, PortraitComparison(0.42, None))
    assert not grey.decided and _report(grey)["recommendation"]["value"] == "REJECT"
    unread = decide(DataComparison(MATCH, NOT_READ, MATCH), PortraitComparison(0.8, None))
    assert not unread.decided
    assert _report(unread)["recommendation"] == {
        "value": "NOT_AVAILABLE", "reason": "DOCUMENT_DATA_NOT_READ",
    }  # fmt: skip
    no_face = decide(agree, PortraitComparison(None, "FACE_NOT_FOUND"))
    assert _report(no_face)["recommendation"]["reason"] == "FACE_NOT_FOUND"
    partial = decide(DataComparison(MATCH, PARTIAL, MATCH), PortraitComparison(0.8, None))
    assert not partial.decided
    assert _report(partial)["recommendation"]["reason"] == "DOCUMENT_DATA_PARTIAL_MATCH"


def _printed(value: str, confidence: float = 0.95) -> VizField:
    return VizField("surname", value, value, confidence)


def _td3(state: str, names: str, birth: str, *, break_birth: bool = False) -> tuple[str, str]:
    """A TD3 MRZ (invented person) whose check digits hold, unless ``break_birth``."""
    number, expiry, optional = "C01X00T47", "301231", "<" * 14

    def cd(data: str) -> str:
        return str(compute_check_digit(data))

    birth_cd = str((int(cd(birth)) + 1) % 10) if break_birth else cd(birth)
    parts = (number + cd(number), birth + birth_cd, expiry + cd(expiry), optional + cd(optional))
    line2 = parts[0] + state + parts[1] + "F" + parts[2] + parts[3]
    line2 += cd(parts[0] + parts[1] + parts[2] + parts[3])
    return f"P<{state}{names}".ljust(44, "<"), line2


def _reading(lines: tuple[str, str], viz: dict[str, VizField] | None = None) -> DocumentReading:
    mrz = parse_mrz(lines, today=dt.date(2026, 1, 1))
    return DocumentReading(mrz, lines, viz or {}, None, (), {})


def test_an_mrz_whose_check_digits_hold_gives_its_names_despite_its_form() -> None:
    """A specimen's MRZ with an issuing state no ICAO list holds (Germany's BDR) fails text
    extraction, but its check digits hold: its names and date of birth are compared."""
    reading = _reading(_td3("BDR", "MUSTERFRAU<<ANNA<LENA", "700101"))
    assert reading.mrz is not None and not reading.mrz.valid
    data = data_from_readings([reading])
    assert (data.family_name, data.given_names, data.date_of_birth) == (
        "MUSTERFRAU", "ANNA LENA", "1970-01-01",
    )  # fmt: skip
    assert set(data.sources.values()) == {FROM_MRZ_CHECK_DIGITS}
    # Given names that are all fillers: the person has none.
    single = data_from_readings([_reading(_td3("BDR", "MUSTERFRAU", "700101"))])
    assert single.given_names == ""


def test_printed_values_stand_in_for_a_failed_mrz_but_never_decide_a_mismatch() -> None:
    broken = _td3("BDR", "MUSTERFRAU<<ANNA", "700101", break_birth=True)
    viz = {"surname": _printed("MUSTERFRAU"), "given_names": _printed("ANNA"),
           "date_of_birth": VizField("date_of_birth", "1970-01-01", "01.01.1970", 0.9)}  # fmt: skip
    data = data_from_readings([_reading(broken, viz)])
    assert data.family_name == "MUSTERFRAU" and data.date_of_birth == "1970-01-01"
    assert data.sources["family_name"] == FROM_PRINT
    # A printed value read with little confidence is not taken.
    shaky = data_from_readings([_reading(broken, {"surname": _printed("MUSTERFRAU", 0.6)})])
    assert shaky.family_name is None
    other = {"family_name": "MUSTERMANN", "given_names": "ANNA", "date_of_birth": "1970-01-01"}
    comparison = compare_fields(data, other)
    assert comparison.mismatch and comparison.tentative
    result = decide(comparison, PortraitComparison(0.8, None))
    assert not result.decided and _report(result)["recommendation"]["value"] == "REJECT"
    # The same mismatch read from an MRZ is decided.
    sure = compare_fields(
        data_from_readings([_reading(_td3("BDR", "MUSTERFRAU<<ANNA", "700101"))]), other
    )
    assert sure.mismatch and not sure.tentative
    assert decide(sure, PortraitComparison(0.8, None)).decided


def test_a_name_the_print_contradicts_is_taken_from_neither() -> None:
    lines = _td3("BDR", "MUSTERFRAU<<ANNA", "700101")
    data = data_from_readings([_reading(lines, {"surname": _printed("KOWALSKA")})])
    assert data.family_name is None and data.given_names == "ANNA"


def _document(n: int, image: bytes, fields: dict[str, Any] | None = None) -> EvidenceResource:
    held = None
    if fields is not None:
        content = json.dumps(fields).encode()
        held = MediaItem(f"f{n}", "application/json", lambda: content)
    page = MediaItem(f"p{n}", "image/jpeg", lambda: image)
    return EvidenceResource(
        f"d{n}", "ID_DOCUMENT", "PASSPORT", "UTO", None, pages=[page], document_fields=held
    )


def test_fields_the_session_holds_are_compared_not_read_again(
    face_photos: dict[str, bytes],
) -> None:
    """A reviewer's entry (with diacritics) against another document's MRZ fields: the held
    fields are used (the pages are real faces with no MRZ at all), and agree by ICAO."""
    entered = {"family_name": "Müller", "given_names": "Jürgen", "date_of_birth": "1961-08-04"}
    from_mrz = {"family_name": "MUELLER", "given_names": "JUERGEN", "date_of_birth": "1961-08-04"}
    evidence = Evidence(
        "s", "ID_DOCUMENT_COMPARISON", {},
        [_document(1, face_photos["obama"], entered),
         _document(2, face_photos["obama2"], from_mrz)],
    )  # fmt: skip
    result = DocumentComparisonEngine().run(evidence)
    assert result.decided and result.report is not None
    assert result.report["recommendation"] == {"value": "APPROVE"}
    only_one = Evidence("s", "ID_DOCUMENT_COMPARISON", {}, [_document(1, face_photos["obama"])])
    missing = DocumentComparisonEngine().run(only_one)
    assert not missing.decided and missing.report is not None
    assert missing.report["recommendation"]["value"] == "NOT_AVAILABLE"


def _spec() -> object:
    return (
        SessionSpecBuilder()
        .with_client_session_token_ttl(600)
        .with_requested_check(RequestedIDDocumentComparisonCheckBuilder().build())
        .with_requested_task(RequestedTextExtractionTaskBuilder().with_manual_check_never().build())
        .with_required_document(RequiredIdDocumentBuilder().build())
        .with_required_document(RequiredIdDocumentBuilder().build())
        .build()
    )


@pytest.mark.parametrize(
    ("seeds", "portraits", "expected", "data", "face"),
    [
        ((31, 31), ("obama", "obama2"), "APPROVE", "PASS", "PASS"),
        ((31, 31), ("obama", "biden"), "REJECT", "PASS", "FAIL"),
        ((31, 32), ("obama", "obama2"), "REJECT", "FAIL", "PASS"),
    ],
    ids=["same-person", "other-portrait", "other-identity"],
)
def test_python_sdk_reads_the_comparison(
    server: Server,
    integrator: Integrator,
    face_photos: dict[str, bytes],
    seeds: tuple[int, int],
    portraits: tuple[str, str],
    expected: str,
    data: str,
    face: str,
) -> None:
    if "postgresql" in str(server.settings.database_url):
        pytest.skip("the engines' behaviour does not depend on the database (sqlite run)")
    client = DocScanClient(integrator.sdk_id, str(integrator.key_path), api_url=server.base_url)
    created = client.create_session(_spec())
    pages = [
        generate_document(seed, fmt="TD3", portrait=face_photos[who], degradation="jpeg").image
        for seed, who in zip(seeds, portraits, strict=True)
    ]
    capture_documents(server, created.session_id, created.client_session_token, pages)
    process(server, created.session_id)

    session = client.get_session(created.session_id)
    [check] = session.id_document_comparison_checks
    assert check.state == "DONE"
    assert sorted(check.resources_used) == sorted(d.id for d in session.resources.id_documents)
    assert check.report.recommendation.value == expected
    results = {b.sub_check: b for b in check.report.breakdown}
    assert results["document_data_match"].result == data
    assert results["ai_face_match"].result == face
    details = {d.name: d.value for d in results["document_data_match"].details}
    assert set(details) >= {"family_name", "given_names", "date_of_birth"}
    score = float({d.name: d.value for d in results["ai_face_match"].details}["confidence_score"])
    assert (score >= 0.5) == (face == "PASS")
