"""Tracked devices: recorded by the client API at Yoti's events, read and deleted by the
integrator (signed), gone with the session."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from openidv.api.apps import generate_key_pair, register_app
from openidv.sessions.devices import describe
from openidv.sessions.models import TrackedDevice
from openidv.store.db import table_of
from tests.api.payloads import seed
from tests.conftest import Server
from tests.signing import SignedClient

devices_t = table_of(TrackedDevice)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51"
)


def _journey(server: Server, created: dict[str, Any]) -> list[str]:
    """A phone loads the configuration twice and starts a document and a liveness attempt;
    returns the resource ids in the order created."""
    base = f"{server.base_url}/client/sessions/{created['session_id']}"
    headers = {
        "X-Yoti-Auth-Token": created["client_session_token"],
        "User-Agent": IPHONE,
        "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8",
    }
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        config = http.get("/configuration").json()
        http.get("/configuration", headers={"User-Agent": DESKTOP})  # not a first load
        required = {r["type"]: r["id"] for r in config["capture"]["required_resources"]}
        document = http.post(
            "/resources",
            json={"requirement_id": required["ID_DOCUMENT"], "document_type": "PASSPORT",
                  "issuing_country": "GBR"},
        )  # fmt: skip
        assert document.status_code == 201, document.text
        attempt = http.post("/liveness-attempts", json={"requirement_id": required["LIVENESS"]})
        assert attempt.status_code == 201, attempt.text
    return [document.json()["id"], attempt.json()["id"]]


def test_events_are_recorded_read_and_deleted(server: Server, api: SignedClient) -> None:
    created = api.create(seed()).json()
    path = f"/sessions/{created['session_id']}/tracked-devices"
    assert api.send("GET", path).json() == []
    resources = _journey(server, created)

    response = api.send("GET", path)
    assert response.status_code == 200, response.text
    events = response.json()
    assert [(e["event"], e.get("resource_id")) for e in events] == [
        ("CONFIG_FIRST_LOADED", None),
        ("RESOURCE_CREATED", resources[0]),
        ("RESOURCE_CREATED", resources[1]),
    ]
    assert events[0]["created"].endswith("Z")
    assert events[0]["device"] == {
        "ip_address": "127.0.0.1",
        "browser_name": "Safari",
        "browser_version": "17.4",
        "os_name": "iOS",
        "os_version": "17.4",
        "locale": "fr-FR",
        "manufacture_name": "Apple",
        "model_name": "iPhone",
    }

    assert api.send("DELETE", path).status_code == 204
    assert api.send("GET", path).json() == []


def test_desktop_browser_is_named_as_its_user_agent_says() -> None:
    assert describe({"user-agent": DESKTOP}, "10.0.0.1") == {
        "ip_address": "10.0.0.1",
        "browser_name": "Edge",
        "browser_version": "124.0.2478.51",
        "os_name": "Windows",
        "os_version": "10.0",
    }
    assert describe({}, None) == {}


def test_submission_records_the_token_deleted(server: Server) -> None:
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        sdk_id = register_app(conn, "sandbox app", public_pem, sandbox=True)
    base = server.base_url.replace("/idverify/v1", "/sandbox/idverify/v1")
    with SignedClient(base, sdk_id, key) as sandbox:
        created = sandbox.create(seed()).json()
        done = httpx.post(
            f"{base}/client/sessions/{created['session_id']}/sandbox-complete",
            headers={"X-Yoti-Auth-Token": created["client_session_token"], "User-Agent": DESKTOP},
        )
        assert done.status_code == 202, done.text
        events = sandbox.send("GET", f"/sessions/{created['session_id']}/tracked-devices").json()
    assert [e["event"] for e in events] == ["CLIENT_SESSION_TOKEN_DELETED"]
    assert events[0]["device"]["browser_name"] == "Edge"


def test_another_application_cannot_read_them(server: Server, api: SignedClient) -> None:
    created = api.create(seed()).json()
    _journey(server, created)
    key, public_pem = generate_key_pair()
    with server.app.state.engine.begin() as conn:
        other_id = register_app(conn, "other", public_pem)
    with SignedClient(server.base_url, other_id, key) as other:
        path = f"/sessions/{created['session_id']}/tracked-devices"
        assert other.send("GET", path).status_code == 404
        assert other.send("DELETE", path).status_code == 404
    assert len(api.send("GET", path).json()) == 3


def test_purged_with_the_session(server: Server, api: SignedClient) -> None:
    created = api.create(seed()).json()
    _journey(server, created)
    count = (
        select(func.count())
        .select_from(devices_t)
        .where(devices_t.c.session_id == created["session_id"])
    )
    with server.app.state.engine.connect() as conn:
        assert conn.execute(count).scalar_one() == 3
    assert api.send("DELETE", f"/sessions/{created['session_id']}").status_code == 204
    with server.app.state.engine.connect() as conn:
        assert conn.execute(count).scalar_one() == 0
