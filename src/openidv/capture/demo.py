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
import threading
import time
import uuid
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
from anyio import to_thread
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from sqlalchemy import Connection, select
from starlette.responses import HTMLResponse, Response

from openidv.api.apps import apps_t, generate_key_pair, private_key_pem, register_app
from openidv.api.signing import sign
from openidv.capture import demo_result
from openidv.sessions.media_types import browser_headers
from openidv.store.units import Units

if TYPE_CHECKING:
    from openidv.vision.faces import FaceEngine

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
_STYLE = demo_result.STYLE


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


class Portraits:
    """Crops the face from a document page for the result page, with the face detector the
    checks use, built on first use (a server that never shows a demo result never loads it)."""

    def __init__(self) -> None:
        self._engine: FaceEngine | None = None
        self._lock = threading.Lock()

    def crop(self, content: bytes) -> bytes | None:
        # Imported here: OpenCV and the models stay out of a web process nobody asks this of.
        import cv2  # noqa: PLC0415

        from openidv.vision.faces import (  # noqa: PLC0415
            FaceEngine,
            FaceModelError,
            decode_image,
        )

        try:
            with self._lock:
                if self._engine is None:
                    self._engine = FaceEngine()
            image = decode_image(content)
            faces = self._engine.detect(image)
        except (FaceModelError, ValueError):
            return None
        if not faces:
            return None
        x, y, w, h = faces[0].box
        height, width = image.shape[:2]
        # The head and shoulders as printed: more room above the box (hair) than beside it.
        x0, x1 = max(0, int(x - 0.35 * w)), min(width, int(x + 1.35 * w))
        y0, y1 = max(0, int(y - 0.45 * h)), min(height, int(y + 1.3 * h))
        ok, encoded = cv2.imencode(".jpg", image[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, 90])
        return encoded.tobytes() if ok else None


class DemoApp:
    """The demo's own integrator application, created on first use."""

    def __init__(
        self, data_dir: Path, units: Units, api_prefix: str, *, liveness_review: bool = False
    ) -> None:
        self._key_file = data_dir / "demo-app.pem"
        self._id_file = data_dir / "demo-app.id"
        self._units = units
        self.api_prefix = api_prefix
        # The server accepts manual review of LIVENESS (OPENIDV_LIVENESS_MANUAL_REVIEW): the
        # review switch then sends the liveness checks to the reviewer too.
        self.liveness_review = liveness_review
        self._key: rsa.RSAPrivateKey | None = None
        self._sdk_id: str | None = None
        self.portraits = Portraits()

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


def demo_spec(review: bool, liveness_review: bool = False) -> dict[str, Any]:
    """The seed's payload; ``review`` sends every check and task that allows it to a reviewer
    (manual_check ALWAYS), so the console has work to show. LIVENESS only with
    ``liveness_review`` (the server accepts it): otherwise the engine alone judges it."""
    spec: dict[str, Any] = json.loads(json.dumps(DEMO_SPEC))
    if review:
        for item in [*spec["requested_checks"], *spec["requested_tasks"]]:
            if item["type"] != "LIVENESS" or liveness_review:
                item["config"]["manual_check"] = "ALWAYS"
    return spec


def build_demo_router(demo: DemoApp) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("")
    async def start_page() -> Response:
        liveness = (
            " (the liveness check too: this server allows its review)"
            if demo.liveness_review
            else " (the liveness check stays the engine's)"
        )
        return _page(
            "openidv demo",
            "<p>This page plays the integrator: it creates a session with the example payload "
            "of Yoti's &ldquo;Generating the session&rdquo; page through the signed API, embeds "
            "the capture page, and shows you the result. You need a document with a photo "
            "(a passport is best) and a camera, or photos to upload. The liveness check "
            "wants your own face in front of the camera: a photo, a screen or a generated "
            "video is refused as an attack.</p>"
            '<form method="post" action="/demo/start">'
            '<label><input type="checkbox" name="review" value="1"> Send the checks to a '
            f"reviewer (manual_check ALWAYS){liveness}, so the review console has a case to "
            "show</label><button>Verify me</button></form>",
        )

    @router.post("/start")
    async def start(request: Request) -> Response:
        form = await request.form()
        review = form.get("review") == "1"
        spec = demo_spec(review, demo.liveness_review)
        created = await demo.call(request, "POST", "/sessions", json.dumps(spec).encode())
        if created.status_code != 201:
            return _page(
                "openidv demo", f"<p>Could not create a session: {escape(created.text)}</p>"
            )
        session = created.json()
        page = f"{demo.api_prefix}/web/index.html?" + urlencode(
            {"sessionID": session["session_id"], "sessionToken": session["client_session_token"]}
        )
        result = f"/demo/sessions/{session['session_id']}" + ("?review=1" if review else "")
        return _page(
            "openidv demo",
            f'<iframe src="{escape(page)}" allow="camera" data-result="{escape(result)}" '
            'title="capture page"></iframe><p><a href="/demo">Start again</a></p>',
        )

    @router.get("/sessions/{session_id}")
    async def result(request: Request, session_id: str) -> Response:
        response = await demo.call(request, "GET", f"/sessions/{session_id}")
        if response.status_code != 200:
            return _page("Result", '<p>No such demo session.</p><p><a href="/demo">Start again</a>')
        session = response.json()
        review = request.query_params.get("review") == "1"
        fields = await _document_fields(demo, request, session)
        error = request.query_params.get("yotiErrorCode")
        body = demo_result.render(
            session,
            review=review,
            fields=fields,
            pictures=_pictures(session),
            error=error,
            raw=json.dumps(session, indent=2),
        )
        waiting = demo_result.waiting(session, review, error)
        return _page("Result", body, refresh=2 if waiting else None)

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

    @router.get("/portrait/{session_id}/{media_id}")
    async def portrait(request: Request, session_id: str, media_id: str) -> Response:
        """The face on a document page, cropped (the page itself when none is found)."""
        fetched = await demo.call(
            request, "GET", f"/sessions/{session_id}/media/{media_id}/content"
        )
        if fetched.status_code != 200:
            return Response(status_code=404, headers=_HEADERS)
        crop = await to_thread.run_sync(demo.portraits.crop, fetched.content)
        if crop is None:
            media_type, headers = browser_headers(
                fetched.content, fetched.headers.get("content-type", ""), media_id
            )
            return Response(fetched.content, media_type=media_type, headers={**_HEADERS, **headers})
        return Response(crop, media_type="image/jpeg", headers=_HEADERS)

    @router.get("/static/demo.js")
    async def script() -> Response:
        return Response(
            _SCRIPT, media_type="text/javascript", headers={"Cache-Control": "no-cache"}
        )

    return router


async def _document_fields(
    demo: DemoApp, request: Request, session: dict[str, Any]
) -> dict[str, Any] | None:
    """The first document's document_fields (the text-extraction task's read, or a
    reviewer's), fetched as the integrator would."""
    for document in (session.get("resources") or {}).get("id_documents", []):
        holder = document.get("document_fields") or {}
        media_id = (holder.get("media") or {}).get("id")
        if not media_id:
            continue
        fetched = await demo.call(
            request, "GET", f"/sessions/{session['session_id']}/media/{media_id}/content"
        )
        if fetched.status_code == 200:
            try:
                fields = fetched.json()
            except ValueError:
                return None
            return fields if isinstance(fields, dict) else None
    return None


def _pictures(session: dict[str, Any]) -> demo_result.Pictures:
    session_id = session["session_id"]
    resources = session.get("resources") or {}
    pages = [
        p["media"]["id"]
        for document in resources.get("id_documents", [])
        for p in document.get("pages", [])
        if p.get("media")
    ]
    frame = _compared_frame(session)
    return demo_result.Pictures(
        portrait=f"/demo/portrait/{session_id}/{pages[0]}" if pages else None,
        selfie=f"/demo/media/{session_id}/{frame}" if frame else None,
        pages=[f"/demo/media/{session_id}/{m}" for m in pages],
    )


def _compared_frame(session: dict[str, Any]) -> str | None:
    """The selfie frame to show beside the portrait: from the attempt the face match read
    (else the one that passed, else the last), the middle frame, which the face match also
    uses: the first frames are far and small by design (the oval grows)."""
    attempts = {
        r["id"]: [f["media"]["id"] for f in r.get("frames", []) if f.get("media")]
        for r in (session.get("resources") or {}).get("liveness_capture", [])
    }
    attempts = {rid: frames for rid, frames in attempts.items() if frames}
    if not attempts:
        return None
    checks = session.get("checks", [])
    chosen = next(
        (
            rid
            for c in checks
            if c["type"] == "ID_DOCUMENT_FACE_MATCH"
            for rid in c.get("resources_used", [])
            if rid in attempts
        ),
        None,
    )
    if chosen is None:
        passed = [
            rid
            for c in checks
            if c["type"] == "LIVENESS"
            and (c.get("report") or {}).get("recommendation", {}).get("value") == "APPROVE"
            for rid in c.get("resources_used", [])
            if rid in attempts
        ]
        chosen = passed[0] if passed else list(attempts)[-1]
    frames: list[str] = attempts[chosen]
    return frames[int(0.5 * (len(frames) - 1) + 0.5)]


_SCRIPT = (Path(__file__).parent / "demo_static" / "demo.js").read_text()
