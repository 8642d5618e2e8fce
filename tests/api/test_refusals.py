"""Every Yoti endpoint and property this server does not implement answers 4xx in Yoti's error
shape naming the feature; an unknown path under the API base is a Yoti-shaped 404 naming it."""

from __future__ import annotations

import pytest
from yoti_python_sdk.doc_scan import DocScanClient
from yoti_python_sdk.doc_scan.exception import DocScanException

from tests.api.payloads import seed
from tests.conftest import Integrator, Server
from tests.signing import SignedClient

SESSION = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("method", "path", "feature"),
    [
        ("PUT", f"/sessions/{SESSION}/instructions", "in-branch verification"),
        ("GET", f"/sessions/{SESSION}/instructions", "in-branch verification"),
        ("GET", f"/sessions/{SESSION}/instructions/pdf", "in-branch verification"),
        ("GET", f"/sessions/{SESSION}/instructions/contact-profile", "UK Post Office"),
        ("POST", f"/sessions/{SESSION}/instructions/email", "in-branch verification"),
        (
            "PUT",
            f"/sessions/{SESSION}/resources/face-capture/r/applicant",
            "face-capture applicants",
        ),
    ],
)
@pytest.mark.parametrize("base", ["live", "sandbox"])
def test_unimplemented_endpoints_are_refused_by_name(
    api: SignedClient, method: str, path: str, feature: str, base: str
) -> None:
    if base == "sandbox":
        api = SignedClient(
            api.base_url.replace("/idverify/v1", "/sandbox/idverify/v1"), api.sdk_id, api.key
        )
    response = api.send(method, path, b"{}" if method in ("PUT", "POST") else None)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == "UNSUPPORTED_FEATURE"
    assert feature in body["message"] and "not supported by this server" in body["message"]


@pytest.mark.parametrize(
    ("mutation", "prop", "feature"),
    [
        ({"identity_profile_requirements": {"trust_framework": "UK_TFIDA"}},
         "identity_profile_requirements", "identity profiles"),
        ({"advanced_identity_profile_requirements": {"profiles": []}},
         "advanced_identity_profile_requirements", "advanced identity profiles"),
        ({"ibv_options": {"support": "MANDATORY"}}, "ibv_options.support",
         "in-branch verification"),
        ({"resources": {"applicant_profile": {"full_name": "A B"}}}, "resources",
         "in-branch verification"),
        ({"requested_checks": [{"type": "WATCHLIST_SCREENING", "config": {}}]},
         "requested_checks[0].type", "watchlist screening"),
        ({"requested_checks": [{"type": "WATCHLIST_ADVANCED_CA", "config": {}}]},
         "requested_checks[0].type", "advanced watchlist screening"),
        ({"requested_checks": [{"type": "THIRD_PARTY_IDENTITY", "config": {}}]},
         "requested_checks[0].type", "third-party identity"),
        ({"requested_checks": [{"type": "IBV_VISUAL_REVIEW_CHECK", "config": {}}]},
         "requested_checks[0].type", "in-branch verification"),
    ],
)  # fmt: skip
def test_unimplemented_properties_are_refused_by_name(
    api: SignedClient, mutation: dict[str, object], prop: str, feature: str
) -> None:
    spec = seed() | mutation
    response = api.create(spec)
    assert response.status_code == 400, response.text
    errors = [e for e in response.json()["errors"] if e["property"] == prop]
    assert errors, response.text
    message = errors[0]["message"]
    assert message.startswith(feature) and message.endswith("is not supported by this server")


def test_unknown_path_is_a_yoti_shaped_404(server: Server, integrator: Integrator) -> None:
    with SignedClient(server.base_url, integrator.sdk_id, integrator.key) as api:
        response = api.send("GET", "/sessions/abc/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "code": "NOT_FOUND",
        "message": "No endpoint GET /idverify/v1/sessions/abc/nothing-here exists on this server",
        "errors": [],
    }


def test_python_sdk_reads_the_refusal(server: Server, integrator: Integrator) -> None:
    """The detail reaches the integrator through the official client's exception."""
    client = DocScanClient(integrator.sdk_id, str(integrator.key_path), api_url=server.base_url)
    with pytest.raises(DocScanException) as err:
        client.create_session(seed() | {"identity_profile_requirements": {"x": 1}})
    assert "identity profiles is not supported by this server" in err.value.message
