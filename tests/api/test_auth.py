"""Signed-request authentication over HTTP: every way a request can be wrong, and the ways
other SDKs sign right that a naive server would refuse."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import quote

import httpx
import pytest

from openidv.api.apps import disable_app, generate_key_pair, register_app
from openidv.api.signing import sign
from tests.api.payloads import seed
from tests.conftest import Integrator, Server
from tests.signing import SignedClient

BODY = json.dumps(seed()).encode()


def error(response: httpx.Response) -> tuple[int, str, list[str]]:
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["message"]
    return response.status_code, body["code"], [e["property"] for e in body.get("errors", [])]


def test_correct_request_is_accepted(api: SignedClient) -> None:
    assert api.create(BODY).status_code == 201


def test_missing_digest(api: SignedClient) -> None:
    assert error(api.create(BODY, digest="")) == (
        400,
        "MALFORMED_REQUEST",
        ["header.X-Yoti-Auth-Digest"],
    )


@pytest.mark.parametrize("missing", ["nonce", "timestamp", "sdkId"])
def test_missing_query_parameter(api: SignedClient, missing: str) -> None:
    params = dict(p.split("=") for p in api.query().split("&"))
    del params[missing]
    query = "&".join(f"{k}={v}" for k, v in params.items())
    assert error(api.create(BODY, query=query)) == (400, "MALFORMED_REQUEST", [f"query.{missing}"])


def test_duplicated_parameter_is_refused(api: SignedClient) -> None:
    query = api.query() + f"&sdkId={uuid.uuid4()}"
    assert error(api.create(BODY, query=query))[:2] == (400, "MALFORMED_REQUEST")


def test_wrong_key(api: SignedClient) -> None:
    other, _ = generate_key_pair()
    assert error(api.create(BODY, key=other))[:2] == (401, "UNAUTHORIZED")


def test_tampered_body(api: SignedClient) -> None:
    tampered = BODY.replace(b"600", b"900")
    assert error(api.create(tampered, sign_body=BODY))[:2] == (401, "UNAUTHORIZED")


def test_tampered_path(api: SignedClient) -> None:
    query = api.query()
    response = api.send("GET", "/sessions/abc", query=query, sign_path=f"/sessions/xyz?{query}")
    assert error(response)[:2] == (401, "UNAUTHORIZED")


def test_signature_over_the_prefix_is_refused(api: SignedClient) -> None:
    query = api.query()
    response = api.create(BODY, query=query, sign_path=f"/idverify/v1/sessions?{query}")
    assert error(response)[:2] == (401, "UNAUTHORIZED")


def test_garbage_digest(api: SignedClient) -> None:
    assert error(api.create(BODY, digest="not base64!"))[:2] == (401, "UNAUTHORIZED")


def test_replayed_nonce(api: SignedClient) -> None:
    query = api.query()
    digest = sign(api.key, "POST", f"/sessions?{query}", BODY)
    first = api.create(BODY, query=query, digest=digest)
    assert first.status_code == 201
    replay = api.create(BODY, query=query, digest=digest)
    assert error(replay) == (401, "UNAUTHORIZED", [])
    assert "nonce" in replay.json()["message"]


def test_refused_request_cannot_be_replayed(api: SignedClient) -> None:
    """A request refused once (here: invalid payload) keeps its nonce spent."""
    bad = json.dumps({"client_session_token_ttl": 10}).encode()
    query = api.query()
    digest = sign(api.key, "POST", f"/sessions?{query}", bad)
    assert api.create(bad, query=query, digest=digest).status_code == 400
    assert api.create(bad, query=query, digest=digest).status_code == 401


def test_replayed_delete_after_conflict_cannot_succeed(api: SignedClient) -> None:
    session_id = api.create(BODY).json()["session_id"]
    query = api.query()
    path = f"/sessions/{session_id}/media/{uuid.uuid4()}/content"
    digest = sign(api.key, "DELETE", f"{path}?{query}", None)
    assert api.send("DELETE", path, query=query, digest=digest).status_code == 404
    assert api.send("DELETE", path, query=query, digest=digest).status_code == 401


def test_nonce_is_per_application(
    server: Server, api: SignedClient, integrator: Integrator
) -> None:
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        other_id = register_app(conn, "other", public_pem)
    nonce = str(uuid.uuid4())
    ts = int(time.time() * 1000)
    assert api.create(BODY, query=api.query(nonce=nonce, timestamp=ts)).status_code == 201
    with SignedClient(server.base_url, other_id, key) as other:
        assert other.create(BODY, query=other.query(nonce=nonce, timestamp=ts)).status_code == 201


@pytest.mark.parametrize("age_seconds", [3600, -3600])
def test_stale_or_future_millisecond_timestamp(api: SignedClient, age_seconds: int) -> None:
    ts = int((time.time() - age_seconds) * 1000)
    response = api.create(BODY, query=api.query(timestamp=ts))
    assert error(response)[:2] == (401, "UNAUTHORIZED")
    assert "timestamp" in response.json()["message"]


def test_timestamp_in_seconds_is_accepted(api: SignedClient) -> None:
    assert api.create(BODY, query=api.query(timestamp=int(time.time()))).status_code == 201


def test_stale_timestamp_in_seconds_is_refused(api: SignedClient) -> None:
    response = api.create(BODY, query=api.query(timestamp=int(time.time()) - 3600))
    assert error(response)[:2] == (401, "UNAUTHORIZED")


def test_java_monotonic_microseconds_are_accepted(api: SignedClient) -> None:
    """Java sends System.nanoTime()/1000: not wall-clock, protected by the nonce alone."""
    monotonic_us = 123_456_789_012  # 34 hours of uptime: neither epoch seconds nor ms
    assert api.create(BODY, query=api.query(timestamp=monotonic_us)).status_code == 201


# Java's clock counts from the host's boot: 30 minutes after boot its microseconds look like
# epoch seconds (2027), 20 days after boot like epoch milliseconds (2024).
JAVA_LOOKALIKES = [30 * 60 * 1_000_000, 20 * 86_400 * 1_000_000]


@pytest.mark.parametrize("monotonic_us", JAVA_LOOKALIKES, ids=["30-min-uptime", "20-day-uptime"])
def test_java_clock_that_looks_like_wall_clock_is_accepted_from_java(
    api: SignedClient, monotonic_us: int
) -> None:
    query = api.query(timestamp=monotonic_us)
    assert api.create(BODY, query=query, sdk_header="Java").status_code == 201
    # The same value from any other client is a stale wall-clock time: the header decides.
    response = api.create(BODY, query=api.query(timestamp=monotonic_us), sdk_header="Node")
    assert error(response)[:2] == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("ts", ["-5", "12.5", "soon", "1" * 30])
def test_malformed_timestamp(api: SignedClient, ts: str) -> None:
    query = f"sdkId={api.sdk_id}&nonce={uuid.uuid4()}&timestamp={ts}"
    assert error(api.create(BODY, query=query)) == (400, "MALFORMED_REQUEST", ["query.timestamp"])


def test_overlong_nonce(api: SignedClient) -> None:
    query = api.query(nonce="n" * 129)
    assert error(api.create(BODY, query=query)) == (400, "MALFORMED_REQUEST", ["query.nonce"])


def test_query_order_and_escaping_of_other_sdks(api: SignedClient) -> None:
    """Go signs parameters in random order; Node escapes with %20 where Python writes '+'.
    The server verifies the bytes as sent, so both are accepted."""
    ts = int(time.time() * 1000)
    go_order = f"timestamp={ts}&nonce={uuid.uuid4()}&sdkId={api.sdk_id}"
    assert api.create(BODY, query=go_order).status_code == 201
    node_escaped = (
        f"sdkId={api.sdk_id}&nonce={quote('a nonce ' + str(uuid.uuid4()))}&timestamp={ts}"
    )
    assert "%20" in node_escaped
    assert api.create(BODY, query=node_escaped).status_code == 201


def test_empty_body_signed_with_trailing_ampersand(api: SignedClient) -> None:
    session_id = api.create(BODY).json()["session_id"]
    query = api.query()
    digest = sign(api.key, "GET", f"/sessions/{session_id}?{query}", b"")
    assert api.send("GET", f"/sessions/{session_id}", query=query, digest=digest).status_code == 200


def test_unknown_sdk_id(server: Server) -> None:
    key, _ = generate_key_pair()
    with SignedClient(server.base_url, str(uuid.uuid4()), key) as stranger:
        assert error(stranger.create(BODY))[:2] == (404, "APP_NOT_FOUND")


def test_disabled_app(server: Server, api: SignedClient, integrator: Integrator) -> None:
    with server.app.state.engine.begin() as conn:
        disable_app(conn, integrator.sdk_id)
    assert error(api.create(BODY))[:2] == (403, "APP_DISABLED")
    # Without a valid signature nobody learns that the application is disabled.
    other, _ = generate_key_pair()
    assert error(api.create(BODY, key=other))[:2] == (401, "UNAUTHORIZED")


def test_supported_documents_needs_no_signature(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/supported-documents")
    assert response.status_code == 200
    assert response.json()["supported_countries"]
    assert response.headers["content-type"] == "application/json"


def test_unknown_route_answers_in_yoti_format(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize("suffix", ["", "/"])
def test_api_base_answers_a_note_unsigned(server: Server, suffix: str) -> None:
    """The home page and the banner link the base URL: a browser opening it learns what it is
    (and where the docs are) rather than reading NOT_FOUND."""
    response = httpx.get(f"{server.base_url}{suffix}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    note = response.json()
    assert note["service"] == "openidv" and note["version"] and note["docs"] == "/docs"
    assert note["sandbox"] is False
    assert "signed as the Yoti SDKs sign them" in note["note"]
    sandbox = httpx.get(server.base_url.replace("/idverify/", "/sandbox/idverify/"))
    assert sandbox.status_code == 200 and sandbox.json()["sandbox"] is True


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/sessions/abc", 400, "MALFORMED_REQUEST"),
        ("DELETE", "/sessions/abc", 400, "MALFORMED_REQUEST"),
        ("POST", "/sessions", 400, "MALFORMED_REQUEST"),
        ("GET", "/sessions/abc/configuration", 400, "MALFORMED_REQUEST"),
        ("GET", "/sessions/abc/media/x/content", 400, "MALFORMED_REQUEST"),
        ("GET", "/sessions", 405, "METHOD_NOT_ALLOWED"),
        ("POST", "", 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/nothing-here", 404, "NOT_FOUND"),
    ],
)
def test_other_calls_under_the_base_are_refused_unsigned_as_before(
    server: Server, method: str, path: str, status: int, code: str
) -> None:
    """Only GET of the base itself is open: a signed endpoint beside it still refuses an
    unsigned call (no X-Yoti-Auth-Digest: test_missing_digest's answer), and other methods on
    the base are not routed to the note."""
    response = httpx.request(method, f"{server.base_url}{path}")
    assert error(response)[:2] == (status, code), response.text
