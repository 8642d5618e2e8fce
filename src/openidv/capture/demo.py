"""``/demo``: what Yoti's example integrator app does, served by openidv itself.

It creates a session with the seed's example payload through the real signed API (as a demo
application whose key lives in the data directory), embeds the capture page in an iframe, and
then shows the session's result with its media and check reports, fetched through the signed
API too (in-process: the app calls itself through an ASGI transport). Served only when the
server listens on a loopback address, unless the operator sets ``OPENIDV_DEMO=true``: whoever
reaches it can create demo sessions and see their results.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from sqlalchemy import Connection, select
from starlette.responses import HTMLResponse, Response

from openidv.api.apps import apps_t, generate_key_pair, private_key_pem, register_app
from openidv.api.signing import sign
from openidv.sessions.media_types import browser_headers
from openidv.store.units import Units

_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; img-src 'self'; style-src 'unsafe-inline'; "
        "frame-src 'self'; form-action 'self'; base-uri 'none'"
    ),
}
# The base URL of in-process calls: a name that resolves nowhere, for the Host header only.
_IN_PROCESS = "http://openidv.invalid"
# The seed page's example payload, minus its placeholder URLs: results come back to this page.
DEMO_SPEC: dict[str, Any] = {
    "client_session_token_ttl": 600,
    "resources_ttl": 604800,
    "user_tracking_id": "demo",
    "requested_checks": [
        {"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}},
        {"type": "LIVENESS", "config": {"liveness_type": "ZOOM", "max_retries": 3}},
        {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": "FALLBACK"}},
    ],
    "requested_tasks": [
        {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": "FALLBACK"}}
    ],
    "sdk_config": {
        "allowed_capture_methods": "CAMERA_AND_UPLOAD",
        "primary_colour": "#2d9fff",
        "preset_issuing_country": "USA",
    },
}
_STYLE = (
    "body{font:16px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em}"
    "iframe{width:100%;height:720px;border:1px solid #ccc;border-radius:8px}"
    "img{max-width:240px;max-height:240px;border:1px solid #ccc;margin:4px}"
    "td,th{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
    "button{font-size:1.1em;padding:.5em 1.2em}"
)


def _page(title: str, body: str, refresh: int | None = None) -> HTMLResponse:
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{meta}'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}"
        f'<script type="module" src="/demo/static/demo.js"></script></body></html>'
    )
    return HTMLResponse(html, headers=_HEADERS)


class DemoApp:
    """The demo's own integrator application, created on first use."""

    def __init__(self, data_dir: Path, units: Units, api_prefix: str) -> None:
        self._key_file = data_dir / "demo-app.pem"
        self._id_file = data_dir / "demo-app.id"
        self._units = units
        self.api_prefix = api_prefix
        self._key: rsa.RSAPrivateKey | None = None
        self._sdk_id: str | None = None

    async def credentials(self) -> tuple[str, rsa.RSAPrivateKey]:
        if self._sdk_id is None or self._key is None:
            if self._id_file.exists():
                sdk_id = self._id_file.read_text().strip()

                def registered(conn: Connection) -> bool:
                    found = conn.execute(select(apps_t.c.id).where(apps_t.c.id == sdk_id)).first()
                    return found is not None

                if await self._units.run(registered):
                    key = serialization.load_pem_private_key(self._key_file.read_bytes(), None)
                    assert isinstance(key, rsa.RSAPrivateKey)
                    self._sdk_id, self._key = sdk_id, key
                    return sdk_id, key
            key, public_pem = generate_key_pair()
            sdk_id = await self._units.run(lambda conn: register_app(conn, "demo", public_pem))
            fd = os.open(self._key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(private_key_pem(key))
            self._id_file.write_text(sdk_id)
            self._sdk_id, self._key = sdk_id, key
        return self._sdk_id, self._key

    async def call(
        self, request: Request, method: str, path: str, body: bytes | None = None
    ) -> httpx.Response:
        """A signed call to this server's own API, exactly as an SDK would make it, but made
        in-process: never to the host the browser's Host header names (who sets it would
        receive requests signed with the demo application's key)."""
        sdk_id, key = await self.credentials()
        query = urlencode(
            {"sdkId": sdk_id, "nonce": str(uuid.uuid4()), "timestamp": int(time.time() * 1000)}
        )
        target = f"{path}?{query}"
        headers = {
            "X-Yoti-Auth-Digest": sign(key, method, target, body),
            "Content-Type": "application/json",
        }
        transport = httpx.ASGITransport(app=request.app)
        async with httpx.AsyncClient(transport=transport, base_url=_IN_PROCESS) as client:
            return await client.request(
                method, self.api_prefix + target, content=body, headers=headers
            )


def build_demo_router(demo: DemoApp) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("")
    async def start_page() -> Response:
        return _page(
            "openidv demo",
            "<p>This page plays the integrator: it creates a session with the example payload "
            "of Yoti's &ldquo;Generating the session&rdquo; page through the signed API, embeds "
            "the capture page, and shows you the result.</p>"
            '<form method="post" action="/demo/start"><button>Verify me</button></form>',
        )

    @router.post("/start")
    async def start(request: Request) -> Response:
        created = await demo.call(request, "POST", "/sessions", json.dumps(DEMO_SPEC).encode())
        if created.status_code != 201:
            return _page(
                "openidv demo", f"<p>Could not create a session: {escape(created.text)}</p>"
            )
        session = created.json()
        page = f"{demo.api_prefix}/web/index.html?" + urlencode(
            {"sessionID": session["session_id"], "sessionToken": session["client_session_token"]}
        )
        result = f"/demo/sessions/{session['session_id']}"
        return _page(
            "openidv demo",
            f'<iframe src="{escape(page)}" allow="camera" data-result="{escape(result)}"></iframe>',
        )

    @router.get("/sessions/{session_id}")
    async def result(request: Request, session_id: str) -> Response:
        response = await demo.call(request, "GET", f"/sessions/{session_id}")
        if response.status_code != 200:
            return _page("Result", "<p>No such demo session.</p>")
        session = response.json()
        error = request.query_params.get("yotiErrorCode")
        rows = "".join(
            f"<tr><td>{escape(c['type'])}</td><td>{escape(c['state'])}</td>"
            f"<td>{escape(json.dumps(c.get('report', {}).get('recommendation', {})))}</td></tr>"
            for c in session["checks"]
        )
        images = "".join(
            f'<img alt="evidence" src="/demo/media/{escape(session_id)}/{escape(m)}">'
            for m in _media_ids(session["resources"])
        )
        body = (
            (f"<p>The capture page reported error {escape(error)}.</p>" if error else "")
            + f"<p>Session <code>{escape(session_id)}</code>: <strong>{escape(session['state'])}"
            f"</strong></p><table><tr><th>Check</th><th>State</th><th>Recommendation</th></tr>"
            f"{rows}</table><h2>Evidence</h2><p>{images or 'none yet'}</p>"
            f"<details><summary>GET /sessions/{escape(session_id)}</summary>"
            f"<pre>{escape(json.dumps(session, indent=2))}</pre></details>"
        )
        return _page("Result", body, refresh=2 if session["state"] == "ONGOING" else None)

    @router.get("/media/{session_id}/{media_id}")
    async def media(request: Request, session_id: str, media_id: str) -> Response:
        fetched = await demo.call(
            request, "GET", f"/sessions/{session_id}/media/{media_id}/content"
        )
        if fetched.status_code != 200:
            return Response(status_code=404, headers=_HEADERS)
        media_type, headers = browser_headers(
            fetched.content, fetched.headers.get("content-type", ""), media_id
        )
        return Response(fetched.content, media_type=media_type, headers={**_HEADERS, **headers})

    @router.get("/static/demo.js")
    async def script() -> Response:
        return Response(
            _SCRIPT, media_type="text/javascript", headers={"Cache-Control": "no-cache"}
        )

    return router


def _media_ids(resources: dict[str, Any]) -> list[str]:
    ids = []
    for document in resources.get("id_documents", []):
        ids += [p["media"]["id"] for p in document.get("pages", []) if p.get("media")]
    for liveness in resources.get("liveness_capture", []):
        ids += [f["media"]["id"] for f in liveness.get("frames", []) if f.get("media")][:3]
    return ids


_SCRIPT = (Path(__file__).parent / "demo_static" / "demo.js").read_text()
