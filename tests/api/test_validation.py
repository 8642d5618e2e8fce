"""Every rule of the session spec, over HTTP: what is accepted, and what is refused with which
property named in Yoti's error format."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.payloads import every_field, seed
from tests.signing import SignedClient

Spec = dict[str, Any]


def _set(path: str, value: Any) -> Callable[[Spec], None]:
    """A mutation that sets ``a.b[1].c`` (``value`` of ``...`` deletes the key)."""

    def mutate(spec: Spec) -> None:
        parts = re.findall(r"\[\d+\]|[^.\[\]]+", path)
        target: Any = spec
        for part in parts[:-1]:
            target = target[int(part[1:-1])] if part.startswith("[") else target[part]
        last = parts[-1]
        key: Any = int(last[1:-1]) if last.startswith("[") else last
        if value is ...:
            del target[key]
        else:
            target[key] = value

    return mutate


def _in_days(days: float) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return moment.isoformat().replace("+00:00", "Z")


REFUSED: list[tuple[str, Callable[[Spec], None], str, str]] = [
    # (case id, mutation of the seed payload, property, words in the message)
    (
        "ttl too short",
        _set("client_session_token_ttl", 300),
        "client_session_token_ttl",
        "greater than 300",
    ),
    (
        "ttl as string",
        _set("client_session_token_ttl", "600"),
        "client_session_token_ttl",
        "integer",
    ),
    (
        "ttl as float",
        _set("client_session_token_ttl", 600.5),
        "client_session_token_ttl",
        "integer",
    ),
    (
        "resources ttl below token + 24h",
        _set("resources_ttl", 600 + 86399),
        "resources_ttl",
        "plus 24 hours",
    ),
    ("resources ttl negative", _set("resources_ttl", -1), "resources_ttl", "plus 24 hours"),
    ("deadline with ttl", _set("session_deadline", _in_days(2)), "session_deadline", "together"),
    ("tracking id as number", _set("user_tracking_id", 12), "user_tracking_id", "string"),
    ("unknown top-level field", _set("colour", "red"), "colour", "not a recognised property"),
    (
        "biometric consent as string",
        _set("block_biometric_consent", "yes"),
        "block_biometric_consent",
        "boolean",
    ),
    (
        "import token too short",
        _set("import_token", {"ttl": 3600}),
        "import_token.ttl",
        "greater than or equal",
    ),
    (
        "notifications without endpoint",
        _set("notifications.endpoint", ...),
        "notifications.endpoint",
        "must not be null",
    ),
    (
        "notifications over http",
        _set("notifications.endpoint", "http://example.com/n"),
        "notifications.endpoint",
        "https",
    ),
    (
        "notification endpoint not a url",
        _set("notifications.endpoint", "example.com"),
        "notifications.endpoint",
        "pattern",
    ),
    (
        "unknown topic",
        _set("notifications.topics", ["SESSION_COMPLETION", "SOMETHING"]),
        "notifications.topics[1]",
        "RESOURCE_UPDATE",
    ),
    (
        "unknown auth type",
        _set("notifications.auth_type", "DIGEST"),
        "notifications.auth_type",
        "BASIC",
    ),
    (
        "auth type without token",
        _set("notifications.auth_token", ...),
        "notifications.auth_token",
        "auth_type",
    ),
    (
        "checks not a list",
        _set("requested_checks", {"type": "LIVENESS"}),
        "requested_checks",
        "valid array",
    ),
    (
        "unknown check type",
        _set("requested_checks[0].type", "ID_DOCUMENT_MAGIC"),
        "requested_checks[0].type",
        "ID_DOCUMENT_AUTHENTICITY",
    ),
    (
        "check without type",
        _set("requested_checks[0].type", ...),
        "requested_checks[0].type",
        "must not be null",
    ),
    (
        "unsupported check type",
        _set(
            "requested_checks[0]",
            {"type": "WATCHLIST_SCREENING", "config": {"categories": ["SANCTIONS"]}},
        ),
        "requested_checks[0].type",
        "watchlist screening is not supported by this server",
    ),
    (
        "liveness without type",
        _set("requested_checks[1].config.liveness_type", ...),
        "requested_checks[1].config.liveness_type",
        "must not be null",
    ),
    (
        "liveness unknown type",
        _set("requested_checks[1].config.liveness_type", "BLINK"),
        "requested_checks[1].config.liveness_type",
        "ZOOM",
    ),
    (
        "liveness without attempts",
        _set("requested_checks[1].config.max_retries", 0),
        "requested_checks[1].config.max_retries",
        "greater than or equal to 1",
    ),
    (
        "liveness retries unbounded",
        _set("requested_checks[1].config.max_retries", 1000),
        "requested_checks[1].config.max_retries",
        "less than or equal to 10",
    ),
    (
        "liveness manual review",
        _set("requested_checks[1].config.manual_check", "ALWAYS"),
        "requested_checks[1].config.manual_check",
        "only NEVER",
    ),
    (
        "unknown manual check",
        _set("requested_checks[2].config.manual_check", "SOMETIMES"),
        "requested_checks[2].config.manual_check",
        "ALWAYS",
    ),
    (
        "unknown config field",
        _set("requested_checks[0].config", {"strictness": 3}),
        "requested_checks[0].config.strictness",
        "not a recognised",
    ),
    (
        "face match without liveness",
        _set("requested_checks[1]", {"type": "ID_DOCUMENT_COMPARISON", "config": {}}),
        "requested_checks[2].type",
        "needs a LIVENESS",
    ),
    (
        "check twice",
        _set(
            "requested_checks[0]",
            {"type": "LIVENESS", "config": {"liveness_type": "ZOOM", "max_retries": 2}},
        ),
        "requested_checks[1].type",
        "twice",
    ),
    (
        "unknown task type",
        _set("requested_tasks[0].type", "OCR"),
        "requested_tasks[0].type",
        "ID_DOCUMENT_TEXT_DATA_EXTRACTION",
    ),
    (
        "unknown chip data",
        _set("requested_tasks[0].config.chip_data", "MAYBE"),
        "requested_tasks[0].config.chip_data",
        "DESIRED",
    ),
    (
        "supplementary task without document",
        _set("requested_tasks[0].type", "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION"),
        "requested_tasks[0].type",
        "SUPPLEMENTARY_DOCUMENT",
    ),
    (
        "unknown capture method",
        _set("sdk_config.allowed_capture_methods", "UPLOAD"),
        "sdk_config.allowed_capture_methods",
        "CAMERA",
    ),
    (
        "colour by name",
        _set("sdk_config.primary_colour", "blue"),
        "sdk_config.primary_colour",
        "pattern",
    ),
    (
        "unknown country",
        _set("sdk_config.preset_issuing_country", "XXX"),
        "sdk_config.preset_issuing_country",
        "ISO 3166-1",
    ),
    (
        "lower-case country",
        _set("sdk_config.preset_issuing_country", "usa"),
        "sdk_config.preset_issuing_country",
        "pattern",
    ),
    (
        "success url not http",
        _set("sdk_config.success_url", "javascript:alert(1)"),
        "sdk_config.success_url",
        "pattern",
    ),
    ("bad locale", _set("sdk_config.locale", "english please"), "sdk_config.locale", "pattern"),
    (
        "handoff as string",
        _set("sdk_config.allow_handoff", "true"),
        "sdk_config.allow_handoff",
        "boolean",
    ),
    (
        "unknown suppressed screen",
        _set("sdk_config.suppressed_screens", ["EVERYTHING"]),
        "sdk_config.suppressed_screens[0]",
        "FLOW_COMPLETION",
    ),
    ("unknown dark mode", _set("sdk_config.dark_mode", "DIM"), "sdk_config.dark_mode", "AUTO"),
    (
        "unknown required document type",
        _set("required_documents", [{"type": "SELFIE"}]),
        "required_documents[0].type",
        "ID_DOCUMENT",
    ),
    (
        "unknown inclusion",
        _set(
            "required_documents",
            [
                {
                    "type": "ID_DOCUMENT",
                    "filter": {
                        "type": "ORTHOGONAL_RESTRICTIONS",
                        "country_restriction": {"inclusion": "MAYBE", "country_codes": ["GBR"]},
                    },
                }
            ],
        ),
        "required_documents[0].filter.country_restriction.inclusion",
        "WHITELIST",
    ),
    (
        "unknown filter type",
        _set("required_documents", [{"type": "ID_DOCUMENT", "filter": {"type": "ALL"}}]),
        "required_documents[0].filter.type",
        "DOCUMENT_RESTRICTIONS",
    ),
    (
        "unknown document type in filter",
        _set(
            "required_documents",
            [
                {
                    "type": "ID_DOCUMENT",
                    "filter": {
                        "type": "DOCUMENT_RESTRICTIONS",
                        "inclusion": "WHITELIST",
                        "documents": [{"document_types": ["LIBRARY_CARD"]}],
                    },
                }
            ],
        ),
        "required_documents[0].filter.documents[0].document_types[0]",
        "PASSPORT",
    ),
    (
        "bad country in filter",
        _set(
            "required_documents",
            [
                {
                    "type": "ID_DOCUMENT",
                    "filter": {
                        "type": "DOCUMENT_RESTRICTIONS",
                        "inclusion": "BLACKLIST",
                        "documents": [{"country_codes": ["ZZZ"]}],
                    },
                }
            ],
        ),
        "required_documents[0].filter.documents[0].country_codes[0]",
        "ISO 3166-1",
    ),
    (
        "empty restriction list",
        _set(
            "required_documents",
            [
                {
                    "type": "ID_DOCUMENT",
                    "filter": {
                        "type": "DOCUMENT_RESTRICTIONS",
                        "inclusion": "WHITELIST",
                        "documents": [],
                    },
                }
            ],
        ),
        "required_documents[0].filter.documents",
        "at least 1",
    ),
    (
        "identity profile",
        _set("identity_profile_requirements", {"trust_framework": "UK_TFIDA"}),
        "identity_profile_requirements",
        "not supported",
    ),
    (
        "in-branch verification",
        _set("ibv_options", {"support": "MANDATORY"}),
        "ibv_options.support",
        "in-branch verification is not supported by this server",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "prop", "words"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused_with_property(
    api: SignedClient, mutate: Callable[[Spec], None], prop: str, words: str
) -> None:
    spec = seed()
    spec["notifications"]["auth_type"] = "BEARER"
    mutate(spec)
    response = api.create(spec)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == "PAYLOAD_VALIDATION"
    assert body["message"] == "There were errors validating the payload"
    matching = [e for e in body["errors"] if e["property"] == prop]
    assert matching, body["errors"]
    assert any(words in e["message"] for e in matching), matching


@pytest.mark.parametrize(
    ("body", "prop"),
    [
        (b"", "body"),
        (b"not json", "body"),
        (b"[]", "body"),
        (b'"text"', "body"),
        (b"\xff\xfe", "body"),
    ],
)
def test_unparseable_bodies(api: SignedClient, body: bytes, prop: str) -> None:
    response = api.create(body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["property"] == prop


def test_several_errors_are_reported_together(api: SignedClient) -> None:
    spec = seed()
    spec["client_session_token_ttl"] = 10
    spec["sdk_config"]["primary_colour"] = "red"
    response = api.create(spec)
    props = {e["property"] for e in response.json()["errors"]}
    assert {"client_session_token_ttl", "sdk_config.primary_colour"} <= props


def test_nothing_requested_is_refused(api: SignedClient) -> None:
    response = api.create({})
    assert response.status_code == 400
    assert response.json()["errors"][0]["property"] == "requested_checks"


def test_every_field_is_accepted(api: SignedClient) -> None:
    response = api.create(every_field())
    assert response.status_code == 201, response.text


def test_nulls_and_lower_case_topics_are_accepted(api: SignedClient) -> None:
    spec = seed()
    spec.update(session_deadline=None, block_biometric_consent=None, required_documents=[])
    spec["notifications"]["topics"] = [
        "session_completion",
        "SESSION_COMPLETION",
        "Check_Completion",
    ]
    response = api.create(spec)
    assert response.status_code == 201, response.text


def test_session_deadline_sets_the_token_lifetime(api: SignedClient) -> None:
    spec = seed()
    del spec["client_session_token_ttl"]
    spec["session_deadline"] = _in_days(1 / 24)  # one hour
    spec["resources_ttl"] = 3600 + 86400
    response = api.create(spec)
    assert response.status_code == 201, response.text
    assert 3590 <= response.json()["client_session_token_ttl"] <= 3600
    assert response.json()["session_deadline"].endswith("Z")


@pytest.mark.parametrize(
    ("deadline", "words"),
    [
        (_in_days(-1), "in the future"),
        ("2030-01-01T10:00:00", "zone"),
        ("next tuesday", "datetime"),
    ],
)
def test_bad_deadlines(api: SignedClient, deadline: str, words: str) -> None:
    spec = seed()
    del spec["client_session_token_ttl"]
    spec["session_deadline"] = deadline
    response = api.create(spec)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["property"] == "session_deadline"
    assert words in error["message"]


def test_defaults_and_retention_floor(api: SignedClient) -> None:
    """No TTLs given: a 600 s token; a long token TTL raises the default retention with it."""
    spec = seed()
    del spec["client_session_token_ttl"], spec["resources_ttl"]
    response = api.create(spec)
    assert response.status_code == 201
    assert 595 <= response.json()["client_session_token_ttl"] <= 600

    spec["client_session_token_ttl"] = 10 * 86400  # longer than the one-week default retention
    assert api.create(spec).status_code == 201


def test_include_exclude_inclusion_is_accepted(api: SignedClient) -> None:
    spec = seed()
    spec["required_documents"] = [
        {
            "type": "ID_DOCUMENT",
            "filter": {
                "type": "ORTHOGONAL_RESTRICTIONS",
                "type_restriction": {"inclusion": "INCLUDE", "document_types": ["PASSPORT"]},
            },
        }
    ]
    created = api.create(spec)
    assert created.status_code == 201, created.text
    config = api.send("GET", f"/sessions/{created.json()['session_id']}/configuration").json()
    document = config["capture"]["required_resources"][0]
    assert {
        d["type"] for c in document["supported_countries"] for d in c["supported_documents"]
    } == {"PASSPORT"}


def test_configuration_reflects_the_spec(api: SignedClient) -> None:
    created = api.create(every_field())
    session_id = created.json()["session_id"]
    response = api.send("GET", f"/sessions/{session_id}/configuration")
    assert response.status_code == 200, response.text
    config = response.json()
    assert config["session_id"] == session_id
    assert config["requested_checks"] == [
        "ID_DOCUMENT_AUTHENTICITY",
        "ID_DOCUMENT_COMPARISON",
        "LIVENESS",
        "ID_DOCUMENT_FACE_MATCH",
    ]
    assert config["capture"]["biometric_consent"] == "REQUIRED"
    resources = config["capture"]["required_resources"]
    assert [r["type"] for r in resources] == [
        "ID_DOCUMENT",
        "ID_DOCUMENT",
        "SUPPLEMENTARY_DOCUMENT",
        "LIVENESS",
    ]
    passport_only, not_usa = resources[0], resources[1]
    assert passport_only["supported_countries"] == [
        {"code": "GBR", "supported_documents": [{"type": "PASSPORT", "is_strictly_latin": True}]}
    ]
    assert "USA" not in {c["code"] for c in not_usa["supported_countries"]}
    assert passport_only["allowed_capture_methods"] == "CAMERA"
    assert passport_only["attempts_remaining"] == {"GENERIC": 3, "RECLASSIFICATION": 1}
    assert passport_only["requested_tasks"] == [
        {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "state": "REQUIRED"}
    ]
    assert resources[2]["document_types"] == ["UTILITY_BILL"]
    assert resources[2]["objective"] == {"type": "PROOF_OF_ADDRESS"}
    assert resources[3]["liveness_type"] == "STATIC"
    assert config["sdk_config"]["locale"] == "en-GB"
    # Ids are stable: the capture client relies on them across calls.
    again = api.send("GET", f"/sessions/{session_id}/configuration").json()
    assert [r["id"] for r in again["capture"]["required_resources"]] == [r["id"] for r in resources]


def test_comparison_implies_two_documents(api: SignedClient) -> None:
    spec = {"requested_checks": [{"type": "ID_DOCUMENT_COMPARISON", "config": {}}]}
    session_id = api.create(spec).json()["session_id"]
    config = api.send("GET", f"/sessions/{session_id}/configuration").json()
    assert [r["type"] for r in config["capture"]["required_resources"]] == ["ID_DOCUMENT"] * 2
    assert config["capture"]["biometric_consent"] == "NOT_REQUIRED"


def test_get_reflects_the_spec(api: SignedClient) -> None:
    created = api.create(seed()).json()
    response = api.send("GET", f"/sessions/{created['session_id']}")
    assert response.status_code == 200
    body = json.loads(response.text)
    assert body["state"] == "ONGOING"
    assert body["user_tracking_id"] == "<uuid>"
    assert body["client_session_token"] == created["client_session_token"]
    assert body["resources"] == {
        "id_documents": [],
        "supplementary_documents": [],
        "liveness_capture": [],
        "face_capture": [],
        "applicant_profiles": [],
        "share_codes": [],
    }
    for check in body["checks"]:
        assert check["state"] == "CREATED"
        assert check["resources_used"] == [] and check["generated_media"] == []
        assert "report" not in check
        assert check["created"].endswith("Z")
    assert "null" not in response.text
