"""docs/compatibility.md, kept true: every (official SDK, call) cell of its table is replayed here
with that SDK's request shape (its query spelling and order, its timestamp, its default body),
and the table in the docs must be the one this module renders.

The shapes come from each SDK's sources at the version named in the column; Python's and
Node's are also exercised as installed packages (tests/api/test_sdk.py, test_node_sdk.py).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from openidv.api.signing import sign
from openidv.sessions.models import Session
from openidv.sessions.service import store_media
from openidv.store.db import table_of, utcnow
from tests.conftest import Integrator, Server
from tests.jobs.conftest import PNG

DOC = Path(__file__).parents[2] / "docs" / "compatibility.md"
BEGIN, END = "<!-- table: tests/api/test_compatibility.py -->", "<!-- end of table -->"


@dataclass(frozen=True)
class Sdk:
    name: str
    query: Callable[[str], str]  # sdk id -> the query string it sends
    # LIVENESS config of its builders when the integrator sets only the type.
    liveness: dict[str, Any]


def _ms() -> str:
    return str(int(time.time() * 1000))


def _us() -> str:  # Java's System.nanoTime() / 1000: not wall-clock time
    return str(time.monotonic_ns() // 1000)


SDKS = [
    Sdk("Python 2.14.6", lambda i: f"sdkId={i}&nonce={uuid.uuid4()}&timestamp={_ms()}",
        {"liveness_type": "ZOOM", "max_retries": None}),
    Sdk("Node 4.13.2", lambda i: f"sdkId={i}&nonce={uuid.uuid4()}&timestamp={_ms()}",
        {"max_retries": 1, "liveness_type": "ZOOM"}),
    # Java: a monotonic clock in microseconds, and null for what is unset.
    Sdk("Java 4.1.0", lambda i: f"sdkId={i}&nonce={uuid.uuid4()}&timestamp={_us()}",
        {"liveness_type": "ZOOM", "max_retries": 1, "manual_check": None}),
    Sdk("PHP 4.5.0", lambda i: f"nonce={uuid.uuid4()}&timestamp={_ms()}&sdkId={i}",
        {"liveness_type": "ZOOM", "max_retries": 1}),
    # Go: sdkID, parameters in map order, max_retries left out when unset.
    Sdk("Go 3.15.0", lambda i: f"timestamp={_ms()}&sdkID={i}&nonce={uuid.uuid4()}",
        {"liveness_type": "ZOOM"}),
    Sdk(".NET 3.17.0", lambda i: f"sdkId={i}&nonce={uuid.uuid4()}&timestamp={_ms()}",
        {"liveness_type": "ZOOM", "max_retries": 1}),
]  # fmt: skip
PY, NODE, JAVA, PHP, GO, NET = (s.name for s in SDKS)
ALL = {PY, NODE, JAVA, PHP, GO, NET}


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    path: str  # {session} and {media} filled in
    sdks: frozenset[str]  # the SDKs that make this call
    refused: str | None = None  # the feature named in the refusal; None: works
    body: bytes | None = None


IN_BRANCH = "in-branch verification"
# Each SDK's multipart boundary (Node's form-data library draws a random one).
BOUNDARIES = {JAVA: "yoti-doc-scan-boundary", PHP: "X-Yoti-Multipart-Request-Boundary"}
CALLS = [
    Call("create session", "POST", "/sessions", frozenset(ALL)),
    Call("get session", "GET", "/sessions/{session}", frozenset(ALL)),
    Call("get media content", "GET", "/sessions/{session}/media/{media}/content", frozenset(ALL)),
    Call("supported documents", "GET", "/supported-documents", frozenset(ALL)),
    Call("session configuration", "GET", "/sessions/{session}/configuration",
         frozenset({NODE, JAVA, PHP, GO, NET})),
    Call("tracked devices", "GET", "/sessions/{session}/tracked-devices", frozenset({NODE, JAVA})),
    Call("delete tracked devices", "DELETE", "/sessions/{session}/tracked-devices",
         frozenset({NODE, JAVA})),
    Call("create face-capture resource", "POST", "/sessions/{session}/resources/face-capture",
         frozenset({NODE, JAVA, PHP, GO, NET})),
    Call("upload face-capture image", "PUT",
         "/sessions/{session}/resources/face-capture/{face}/image",
         frozenset({NODE, JAVA, PHP, GO, NET})),
    Call("put instructions", "PUT", "/sessions/{session}/instructions", frozenset({JAVA, PHP}),
         IN_BRANCH, b"{}"),
    Call("get instructions", "GET", "/sessions/{session}/instructions", frozenset({JAVA, PHP}),
         IN_BRANCH),
    Call("instructions PDF", "GET", "/sessions/{session}/instructions/pdf",
         frozenset({JAVA, PHP}), IN_BRANCH),
    Call("contact profile", "GET", "/sessions/{session}/instructions/contact-profile",
         frozenset({JAVA, PHP}), IN_BRANCH),
    Call("instructions e-mail", "POST", "/sessions/{session}/instructions/email",
         frozenset({JAVA, PHP}), IN_BRANCH),
    Call("delete media content", "DELETE", "/sessions/{session}/media/{media}/content",
         frozenset(ALL)),
    Call("delete session", "DELETE", "/sessions/{session}", frozenset(ALL)),
]  # fmt: skip


def render() -> str:
    lines = [
        "| call | " + " | ".join(s.name for s in SDKS) + " |",
        "|---|" + "---|" * len(SDKS),
    ]
    for call in CALLS:
        cell = "works" if call.refused is None else f"refused: {call.refused}"
        cells = [cell if sdk.name in call.sdks else "-" for sdk in SDKS]
        lines.append(f"| {call.name} (`{call.method} {call.path}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_documented_table_is_the_replayed_one() -> None:
    text = DOC.read_text()
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert table == render(), "docs/compatibility.md is stale: paste render() between the markers"


def _spec(sdk: Sdk) -> bytes:
    spec: dict[str, Any] = {
        "client_session_token_ttl": 600,
        "resources_ttl": 90000,
        "requested_checks": [
            {"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}},
            {"type": "LIVENESS", "config": sdk.liveness},
            {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": "FALLBACK"}},
        ],
        "requested_tasks": [],
        "required_documents": [],
    }
    if sdk.name != PY:  # the others can request it
        spec["requested_checks"].append({"type": "FACE_COMPARISON", "config": {}})
    if sdk.name == JAVA:
        spec |= {"session_deadline": None, "sdk_config": None, "notifications": None}
    separators = (",", ":") if sdk.name in (NODE, GO, JAVA) else (", ", ": ")
    return json.dumps(spec, separators=separators).encode()


def _image_part(sdk: Sdk) -> tuple[bytes, str]:
    boundary = BOUNDARIES.get(sdk.name, f"----{uuid.uuid4().hex}")
    kind = "image/jpg" if sdk.name == NODE else "image/png"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="binary-content"; '
            f'filename="face-capture-image"\r\nContent-Type: {kind}\r\n\r\n'
        ).encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _send(
    http: httpx.Client,
    integrator: Integrator,
    sdk: Sdk,
    method: str,
    path: str,
    body: bytes | None,
    content_type: str = "application/json",
) -> httpx.Response:
    query = sdk.query(integrator.sdk_id) if path != "/supported-documents" else ""
    if path == "/supported-documents" and sdk.name != JAVA:  # Java sends it unsigned
        query = f"nonce={uuid.uuid4()}&timestamp={_ms()}"
    target = f"{path}?{query}" if query else path
    headers = {"Content-Type": content_type, "X-Yoti-SDK": sdk.name.split()[0]}
    if query:
        headers["X-Yoti-Auth-Digest"] = sign(integrator.key, method, target, body)
    return http.request(method, target, content=body, headers=headers)


@pytest.mark.parametrize("sdk", SDKS, ids=[s.name for s in SDKS])
def test_every_call_of_every_sdk(server: Server, integrator: Integrator, sdk: Sdk) -> None:
    face_id = "none-yet"
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for call in CALLS:
            if sdk.name not in call.sdks:
                continue
            body = _spec(sdk) if call.name == "create session" else call.body
            if call.name == "create session":
                created = _send(http, integrator, sdk, "POST", "/sessions", body)
                assert created.status_code == 201, (sdk.name, created.text)
                session_id = created.json()["session_id"]
                with server.app.state.engine.begin() as conn:
                    media_id = store_media(conn, server.app.state.api.sessions, session_id,
                                           content=b"{}", content_type="application/json",
                                           media_type="JSON", now=utcnow())  # fmt: skip
                continue
            if call.name == "delete media content":  # allowed once the session is over
                with server.app.state.engine.begin() as conn:
                    sessions_t = table_of(Session)
                    conn.execute(update(sessions_t).where(sessions_t.c.id == session_id)
                                 .values(state="COMPLETED"))  # fmt: skip
            content_type = "application/json"
            if call.name == "create face-capture resource":
                config = _send(
                    http, integrator, sdk, "GET", f"/sessions/{session_id}/configuration", None
                )
                required = config.json()["capture"]["required_resources"]
                face = next(r["id"] for r in required if r["type"] == "FACE_CAPTURE")
                body = json.dumps({"requirement_id": face}).encode()
            elif call.name == "upload face-capture image":
                body, content_type = _image_part(sdk)
            path = call.path.format(session=session_id, media=media_id, face=face_id)
            response = _send(http, integrator, sdk, call.method, path, body, content_type)
            if call.name == "create face-capture resource":
                face_id = response.json()["id"]
            where = (sdk.name, call.name, response.text)
            if call.refused is None:
                assert 200 <= response.status_code < 300, where
            else:
                assert response.status_code == 400, where
                refusal = response.json()
                assert refusal["code"] == "UNSUPPORTED_FEATURE", where
                assert call.refused in refusal["message"], where
