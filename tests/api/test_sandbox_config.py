"""The sandbox ResponseConfig in both formats the official packages send: the builders' (with
Java's nulls) and the template format of Yoti's sandbox documentation; and what each stands for
once the sandbox engine reads it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openidv.api.apps import generate_key_pair, register_app
from openidv.checks.engines import Evidence, EvidenceResource
from openidv.sandbox.engine import SandboxEngine
from openidv.sandbox.templates import SPECIMEN_FIELDS, check_templates
from tests.api.payloads import seed
from tests.conftest import Server
from tests.signing import SignedClient

# Yoti's documented example, as published on its "configure sandbox response" page.
DOCUMENTED: dict[str, Any] = {
    "task_results": {"ID_DOCUMENT_TEXT_DATA_EXTRACTION": [{"result_template": "SUCCESS"}]},
    "check_reports": {
        "ID_DOCUMENT_AUTHENTICITY": [{"result": {"report_template": "SUCCESS"}}],
        "ID_DOCUMENT_FACE_MATCH": [{"result": {"report_template": "SUCCESS"}}],
        "LIVENESS": [
            {
                "liveness_type": "STATIC",
                "response_delay": 5,
                "result": {"report_template": "SUCCESS"},
            }
        ],
    },
}
# What Java 3.12+ sends for a builder-made config: every unset property as null.
JAVA: dict[str, Any] = {
    "task_results": {
        "ID_DOCUMENT_TEXT_DATA_EXTRACTION": [
            {
                "result": {
                    "document_fields": {"full_name": "Jane Doe"},
                    "document_id_photo": None,
                    "detected_country": "GBR",
                    "detected_document_type": "PASSPORT",
                    "recommendation": None,
                },
                "document_filter": {"document_types": None, "country_codes": ["GBR"]},
                "response_delay": None,
                "result_template": None,
            }
        ],
        "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION": None,
    },
    "check_reports": {
        "ID_DOCUMENT_AUTHENTICITY": [
            {
                "result": {
                    "report": {
                        "recommendation": {
                            "value": "REJECT",
                            "reason": "TAMPERED",
                            "recovery_suggestion": None,
                        },
                        "breakdown": None,
                    },
                    "report_template": None,
                },
                "document_filter": None,
            }
        ],
        "LIVENESS": [
            {
                "result": {"report": None, "report_template": "SUCCESS"},
                "liveness_type": "ZOOM",
                "response_delay": None,
            }
        ],
        "FACE_COMPARISON": {"result": {"report_template": "FAIL"}},
        "WATCHLIST_SCREENING": None,
        "async_report_delay": None,
    },
}


@pytest.fixture
def sandbox(server: Server, tmp_path: Path) -> Iterator[SignedClient]:
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        sdk_id = register_app(conn, "sandbox app", public_pem, sandbox=True)
    base = server.base_url.replace("/idverify/v1", "/sandbox/idverify/v1")
    with SignedClient(base, sdk_id, key) as client:
        yield client


def _configure(sandbox: SignedClient, config: dict[str, Any]) -> Any:
    session_id = sandbox.create(seed()).json()["session_id"]
    body = json.dumps(config).encode()
    return sandbox.send("PUT", f"/sessions/{session_id}/response-config", body)


@pytest.mark.parametrize("config", [DOCUMENTED, JAVA], ids=["documented", "java"])
def test_both_formats_are_accepted(sandbox: SignedClient, config: dict[str, Any]) -> None:
    response = _configure(sandbox, config)
    assert response.status_code == 204, response.text


def test_application_wide_config_takes_templates(sandbox: SignedClient) -> None:
    body = json.dumps(DOCUMENTED).encode()
    response = sandbox.send(
        "PUT", f"/apps/{sandbox.sdk_id}/response-config", body, query=sandbox.query()
    )
    assert response.status_code == 204, response.text


REFUSED = [
    (
        {"check_reports": {"LIVENESS": [{"result": {"report_template": "MAYBE"}}]}},
        "check_reports.LIVENESS[0].result.report_template",
        "must be one of SUCCESS, FAIL",
    ),
    (
        # A reason of another check is no template of this one.
        {"check_reports": {"LIVENESS": [{"result": {"report_template": "TAMPERED"}}]}},
        "check_reports.LIVENESS[0].result.report_template",
        "must be one of SUCCESS, FAIL",
    ),
    (
        {"task_results": {"ID_DOCUMENT_TEXT_DATA_EXTRACTION": [{"result_template": "APPROVE"}]}},
        "task_results.ID_DOCUMENT_TEXT_DATA_EXTRACTION[0].result_template",
        "UNABLE_TO_OCR",
    ),
    (
        {"check_reports": {"ID_DOCUMENT_AUTHENTICITY": [{"result": {"report": None}}]}},
        "check_reports.ID_DOCUMENT_AUTHENTICITY[0].result",
        "needs a report or a report_template",
    ),
    (
        {"task_results": {"ID_DOCUMENT_TEXT_DATA_EXTRACTION": [{"response_delay": 1}]}},
        "task_results.ID_DOCUMENT_TEXT_DATA_EXTRACTION[0]",
        "needs a result or a result_template",
    ),
    (
        {
            "check_reports": {
                "LIVENESS": [{"result": {"report_template": "SUCCESS"}, "response_delay": 61}]
            }
        },
        "check_reports.LIVENESS[0].response_delay",
        "less than or equal to 60",
    ),
    (
        {"check_reports": {"WATCHLIST_SCREENING": {"result": {"report_template": "SUCCESS"}}}},
        "check_reports.WATCHLIST_SCREENING",
        "watchlist screening is not supported by this server",
    ),
    (
        {
            "check_reports": {
                "WATCHLIST_ADVANCED_CA": [
                    {
                        "result": {"report_template": "SUCCESS"},
                        "sources_filter": {"type": "TYPE_LIST", "types": ["pep"]},
                    }
                ]
            }
        },
        "check_reports.WATCHLIST_ADVANCED_CA",
        "advanced watchlist screening is not supported by this server",
    ),
    (
        {"check_reports": {"THIRD_PARTY_IDENTITY": {"result": {"report_template": "SUCCESS"}}}},
        "check_reports.THIRD_PARTY_IDENTITY",
        "third-party identity is not supported by this server",
    ),
]


@pytest.mark.parametrize(("config", "prop", "words"), REFUSED)
def test_refused_with_property(
    sandbox: SignedClient, config: dict[str, Any], prop: str, words: str
) -> None:
    response = _configure(sandbox, config)
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert [e["property"] for e in errors] == [prop]
    assert words in errors[0]["message"]


# ---------------------------------------------------------------------------- what they mean


def _evidence(item_type: str, config: dict[str, Any], attempt: int = 0) -> Evidence:
    passport = EvidenceResource("r1", "ID_DOCUMENT", "PASSPORT", "GBR", None)
    return Evidence("s1", item_type, {}, [passport], attempt=attempt, sandbox_config=config)


def _checks(item_type: str, template: str) -> dict[str, Any]:
    entry = {"result": {"report_template": template}}
    return {"check_reports": {item_type: [entry]}}


def test_success_approves_with_passing_sub_checks() -> None:
    report = SandboxEngine().run(_evidence("ID_DOCUMENT_AUTHENTICITY", DOCUMENTED)).report
    assert report is not None
    assert report["recommendation"] == {"value": "APPROVE"}
    assert report["breakdown"] and all(b["result"] == "PASS" for b in report["breakdown"])


@pytest.mark.parametrize(
    ("template", "failing"),
    [
        ("AUTO_FAIL", {"ai_face_match"}),
        ("MANUAL_FAIL", {"manual_face_match"}),
        ("FAIL", {"ai_face_match", "manual_face_match"}),
    ],
)
def test_face_match_failures(template: str, failing: set[str]) -> None:
    result = SandboxEngine().run(
        _evidence("ID_DOCUMENT_FACE_MATCH", _checks("ID_DOCUMENT_FACE_MATCH", template))
    )
    assert result.report is not None and result.decided
    assert result.report["recommendation"]["value"] == "REJECT"
    assert {b["sub_check"] for b in result.report["breakdown"] if b["result"] == "FAIL"} == failing


@pytest.mark.parametrize(
    ("template", "value", "decided"),
    [
        ("TAMPERED", "REJECT", True),
        ("PHOTO_TOO_BLURRY", "NOT_AVAILABLE", False),
        ("GLARE_OBSTRUCTION", "NOT_AVAILABLE", False),
        ("DOCUMENT_COPY", "REJECT", True),
    ],
)
def test_reason_templates(template: str, value: str, decided: bool) -> None:
    result = SandboxEngine().run(
        _evidence("ID_DOCUMENT_AUTHENTICITY", _checks("ID_DOCUMENT_AUTHENTICITY", template))
    )
    assert result.report is not None
    assert result.report["recommendation"] == {"value": value, "reason": template}
    assert result.decided is decided


def test_every_listed_template_makes_a_report() -> None:
    for item_type in (
        "ID_DOCUMENT_AUTHENTICITY",
        "ID_DOCUMENT_FACE_MATCH",
        "LIVENESS",
        "ID_DOCUMENT_TEXT_DATA_CHECK",
        "ID_DOCUMENT_COMPARISON",
        "FACE_COMPARISON",
    ):
        for template in check_templates(item_type):
            result = SandboxEngine().run(_evidence(item_type, _checks(item_type, template)))
            assert result.report is not None
            assert (result.report["recommendation"]["value"] == "APPROVE") is (
                template == "SUCCESS"
            ), (item_type, template)


def test_explicit_report_wins_over_its_template() -> None:
    config = {
        "check_reports": {
            "LIVENESS": [
                {
                    "result": {
                        "report": {"recommendation": {"value": "REJECT"}},
                        "report_template": "SUCCESS",
                    }
                }
            ]
        }
    }
    report = SandboxEngine().run(_evidence("LIVENESS", config)).report
    assert report == {"recommendation": {"value": "REJECT"}, "breakdown": []}


def test_java_nulls_read_as_absent() -> None:
    engine = SandboxEngine()
    authenticity = engine.run(_evidence("ID_DOCUMENT_AUTHENTICITY", JAVA)).report
    assert authenticity == {
        "recommendation": {"value": "REJECT", "reason": "TAMPERED"},
        "breakdown": [],
    }
    comparison = engine.run(_evidence("FACE_COMPARISON", JAVA)).report
    assert comparison is not None and comparison["recommendation"]["value"] == "REJECT"
    task = engine.run(_evidence("ID_DOCUMENT_TEXT_DATA_EXTRACTION", JAVA))
    assert task.recommendation == {"value": "PROGRESS"}
    [fields] = [m for m in task.media if m.role == "document_fields"]
    # The detected type and country are part of the document's fields.
    assert json.loads(fields.content) == {
        "full_name": "Jane Doe",
        "document_type": "PASSPORT",
        "issuing_country": "GBR",
    }


@pytest.mark.parametrize(
    ("template", "recommendation"),
    [
        ("SUCCESS", {"value": "PROGRESS"}),
        (
            "UNABLE_TO_OCR",
            {
                "value": "SHOULD_TRY_AGAIN",
                "reason": {"value": "QUALITY", "detail": "UNABLE_TO_OCR"},
            },
        ),
        (
            "DOCUMENT_IS_EXPIRED",
            {
                "value": "MUST_TRY_AGAIN",
                "reason": {"value": "USER_ERROR", "detail": "DOCUMENT_IS_EXPIRED"},
            },
        ),
    ],
)
def test_task_templates(template: str, recommendation: dict[str, Any]) -> None:
    config = {"task_results": {"ID_DOCUMENT_TEXT_DATA_EXTRACTION": [{"result_template": template}]}}
    result = SandboxEngine().run(_evidence("ID_DOCUMENT_TEXT_DATA_EXTRACTION", config))
    assert result.recommendation == recommendation
    assert result.decided is (template == "SUCCESS")
    fields = [json.loads(m.content) for m in result.media if m.role == "document_fields"]
    assert fields == ([SPECIMEN_FIELDS] if template == "SUCCESS" else [])


def test_response_delay_is_per_entry() -> None:
    """The entry's own delay first, else the config-wide async_report_delay (both real)."""
    config: dict[str, Any] = {
        "check_reports": {
            "LIVENESS": [{"result": {"report_template": "SUCCESS"}, "response_delay": 1}],
            "ID_DOCUMENT_AUTHENTICITY": [{"result": {"report_template": "SUCCESS"}}],
            "async_report_delay": 0,
        }
    }
    started = time.monotonic()
    SandboxEngine().run(_evidence("ID_DOCUMENT_AUTHENTICITY", config))
    assert time.monotonic() - started < 0.5
    SandboxEngine().run(_evidence("LIVENESS", config))
    assert time.monotonic() - started >= 1
