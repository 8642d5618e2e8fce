"""What the official SDKs send by default is accepted: ``max_retries`` 1 or absent, Go's ``sdkID``
query parameter, and JSON ``null`` for any optional property (Java's builders)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from yoti_python_sdk.doc_scan import (
    DocScanClient,
    RequestedFaceMatchCheckBuilder,
    RequestedLivenessCheckBuilder,
    SessionSpecBuilder,
)

from openidv.api.signing import sign
from tests.api.payloads import every_field, seed
from tests.conftest import Integrator, Server
from tests.signing import SignedClient

Spec = dict[str, Any]


def _liveness(config: dict[str, Any]) -> Spec:
    spec = seed()
    spec["requested_checks"][1] = {"type": "LIVENESS", "config": config}
    return spec


def _attempts_allowed(server: Server, created: dict[str, Any]) -> int:
    """How many liveness attempts the client API grants (a single one: none after it)."""
    base = f"{server.base_url}/client/sessions/{created['session_id']}"
    headers = {"X-Yoti-Auth-Token": created["client_session_token"]}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        config = http.get("/configuration").json()
        requirement = next(
            r["id"] for r in config["capture"]["required_resources"] if r["type"] == "LIVENESS"
        )
        first = http.post("/liveness-attempts", json={"requirement_id": requirement})
        assert first.status_code == 201, first.text
        allowed: int = first.json()["max_attempts"]
        if allowed == 1:
            second = http.post("/liveness-attempts", json={"requirement_id": requirement})
            assert second.status_code == 409
            assert second.json()["code"] == "LIVENESS_ATTEMPTS_EXHAUSTED"
        return allowed


@pytest.mark.parametrize(
    ("config", "attempts"),
    [
        ({"liveness_type": "ZOOM", "max_retries": 1}, 1),  # Node/Java/PHP/.NET default
        ({"liveness_type": "ZOOM"}, 1),  # Go leaves it out when unset
        ({"liveness_type": "ZOOM", "max_retries": None}, 1),  # Python's builder unset
        ({"liveness_type": "STATIC", "max_retries": 3}, 3),
    ],
    ids=["one", "absent", "null", "three"],
)
def test_max_retries_is_the_number_of_attempts(
    server: Server, api: SignedClient, config: dict[str, Any], attempts: int
) -> None:
    response = api.create(_liveness(config))
    assert response.status_code == 201, response.text
    assert _attempts_allowed(server, response.json()) == attempts


@pytest.mark.parametrize(("value", "words"), [(0, "greater than or equal to 1"), (11, "10")])
def test_max_retries_out_of_range(api: SignedClient, value: int, words: str) -> None:
    response = api.create(_liveness({"liveness_type": "ZOOM", "max_retries": value}))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["property"] == "requested_checks[1].config.max_retries"
    assert words in error["message"]


def test_python_builders_with_one_retry(server: Server, integrator: Integrator) -> None:
    """Yoti's Python example app builds its liveness check exactly so."""
    client = DocScanClient(integrator.sdk_id, str(integrator.key_path), api_url=server.base_url)
    spec = (
        SessionSpecBuilder()
        .with_client_session_token_ttl(600)
        .with_resources_ttl(90000)
        .with_requested_check(
            RequestedLivenessCheckBuilder().for_zoom_liveness().with_max_retries(1).build()
        )
        .with_requested_check(RequestedFaceMatchCheckBuilder().with_manual_check_never().build())
        .build()
    )
    created = client.create_session(spec)
    assert [c.type for c in client.get_session(created.session_id).checks] == [
        "LIVENESS",
        "ID_DOCUMENT_FACE_MATCH",
    ]


# ---------------------------------------------------------------------------- sdkID (Go)


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def _send(
    http: httpx.Client,
    integrator: Integrator,
    method: str,
    path: str,
    query: str,
    body: bytes | None = None,
    signed_query: str | None = None,
) -> httpx.Response:
    digest = sign(integrator.key, method, f"{path}?{signed_query or query}", body)
    headers = {"X-Yoti-Auth-Digest": digest, "Content-Type": "application/json"}
    return http.request(method, f"{path}?{query}", content=body, headers=headers)


def _go_query(sdk_id: str, **extra: str) -> str:
    # Go ranges over a map: any order. This one puts sdkID last.
    params = {"timestamp": str(int(time.time() * 1000)), "nonce": str(uuid.uuid4())}
    params |= extra
    params["sdkID"] = sdk_id
    return "&".join(f"{k}={v}" for k, v in params.items())


def test_go_sdk_id_spelling(http: httpx.Client, integrator: Integrator) -> None:
    body = b'{"requested_checks":[{"type":"ID_DOCUMENT_AUTHENTICITY","config":{}}]}'
    created = _send(http, integrator, "POST", "/sessions", _go_query(integrator.sdk_id), body)
    assert created.status_code == 201, created.text
    session_path = f"/sessions/{created.json()['session_id']}"
    got = _send(http, integrator, "GET", session_path, _go_query(integrator.sdk_id))
    assert got.status_code == 200, got.text
    assert got.json()["session_id"] == created.json()["session_id"]
    deleted = _send(http, integrator, "DELETE", session_path, _go_query(integrator.sdk_id))
    assert deleted.status_code == 204, deleted.text


def _refusal(response: httpx.Response) -> tuple[int, str, list[str]]:
    body = response.json()
    return response.status_code, body["code"], [e["property"] for e in body["errors"]]


def test_both_spellings_at_once_are_refused(http: httpx.Client, integrator: Integrator) -> None:
    query = _go_query(integrator.sdk_id, sdkId=integrator.sdk_id)
    response = _send(http, integrator, "GET", "/sessions/x", query)
    assert _refusal(response) == (400, "MALFORMED_REQUEST", ["query.sdkId"])
    assert "once" in response.json()["errors"][0]["message"]


def test_go_spelling_given_twice_is_refused(http: httpx.Client, integrator: Integrator) -> None:
    query = _go_query(integrator.sdk_id) + f"&sdkID={integrator.sdk_id}"
    response = _send(http, integrator, "GET", "/sessions/x", query)
    assert _refusal(response) == (400, "MALFORMED_REQUEST", ["query.sdkID"])


def test_other_spellings_are_not_the_sdk_id(http: httpx.Client, integrator: Integrator) -> None:
    query = _go_query(integrator.sdk_id).replace("sdkID=", "sdkid=")
    response = _send(http, integrator, "GET", "/sessions/x", query)
    assert _refusal(response) == (400, "MALFORMED_REQUEST", ["query.sdkId"])


def test_signature_covers_the_spelling_sent(http: httpx.Client, integrator: Integrator) -> None:
    """The query is verified as received: signed with sdkId, sent with sdkID, is not the same
    request (nothing is normalised before the signature is checked)."""
    query = _go_query(integrator.sdk_id)
    signed = query.replace("sdkID=", "sdkId=")
    response = _send(http, integrator, "GET", "/sessions/x", query, signed_query=signed)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


# ---------------------------------------------------------------------------- null is absent

# Properties of every_field() that have no default: null for them is "missing".
_REQUIRED = {
    "notifications.endpoint",
    "requested_checks[].type",
    "requested_checks[].config.issuing_authority_sub_check.requested",
    "requested_checks[].config.issuing_authority_sub_check.filter.type",
    "requested_checks[].config.liveness_type",
    "requested_tasks[].type",
    "required_documents[].type",
    "required_documents[].filter.type",
    "required_documents[].filter.inclusion",
    "required_documents[].filter.documents",
    "required_documents[].filter.country_restriction.inclusion",
    "required_documents[].filter.country_restriction.country_codes",
    "required_documents[].filter.type_restriction.inclusion",
    "required_documents[].filter.type_restriction.document_types",
    "required_documents[].objective.type",
    "requested_checks[].config.issuing_authority_sub_check.filter.country_restriction.inclusion",
    "requested_checks[].config.issuing_authority_sub_check.filter.country_restriction"
    ".country_codes",
    "import_token.ttl",
    "subject.subject_id",
    "ibv_options.support",
    "requested_checks[2].config",  # LIVENESS: its liveness_type has no default
}


def _paths(value: Any, path: str = "") -> Iterator[str]:
    """The path of every object property, with list indices (``a.b[1].c``)."""
    if isinstance(value, dict):
        for key, child in value.items():
            concrete = f"{path}.{key}" if path else key
            yield concrete
            yield from _paths(child, concrete)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, f"{path}[{index}]")


def _generic(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def _set_null(spec: Spec, path: str) -> None:
    parts = re.findall(r"\[\d+\]|[^.\[\]]+", path)
    target: Any = spec
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    target[parts[-1]] = None


# attempts_configuration is a map: its keys are data, not properties.
_PROPERTIES = {p for p in _paths(every_field()) if ".attempts_configuration." not in p}
REQUIRED = sorted(p for p in _PROPERTIES if p in _REQUIRED or _generic(p) in _REQUIRED)
NULLABLE = sorted(_PROPERTIES - set(REQUIRED))


def test_every_property_was_classified() -> None:
    named = set(REQUIRED) | set(map(_generic, REQUIRED))
    assert named >= _REQUIRED  # the list names no stale path
    assert len(NULLABLE) > 50


def test_null_for_every_optional_leaf_at_once(api: SignedClient) -> None:
    """Java's builders send null for every property left unset, all in one body."""
    spec = every_field()
    everything = NULLABLE + REQUIRED
    leaves = [p for p in NULLABLE if not any(o.startswith((p + ".", p + "[")) for o in everything)]
    for path in leaves:
        _set_null(spec, path)
    response = api.create(spec)
    assert response.status_code == 201, response.text


# Absent, these meet a rule across fields (the same refusal as leaving them out).
_CROSS_FIELD = {
    "notifications.auth_token": (
        "notifications.auth_token",
        "must not be empty when auth_type is given",
    ),
    "required_documents": (
        "requested_tasks[1].type",
        "needs a SUPPLEMENTARY_DOCUMENT in required_documents",
    ),
}


@pytest.mark.parametrize("path", NULLABLE)
def test_null_optional_property_is_absent(api: SignedClient, path: str) -> None:
    spec = every_field()
    _set_null(spec, path)
    response = api.create(spec)
    if path in _CROSS_FIELD:
        assert response.status_code == 400
        prop, message = _CROSS_FIELD[path]
        assert response.json()["errors"] == [{"property": prop, "message": message}]
    else:
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("path", REQUIRED)
def test_null_required_property_is_missing(api: SignedClient, path: str) -> None:
    spec = every_field()
    _set_null(spec, path)
    response = api.create(spec)
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert any(e["message"] == "must not be null or empty" for e in errors), errors
