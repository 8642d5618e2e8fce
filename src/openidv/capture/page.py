"""The hosted capture page: ``{base}/web/index.html?sessionID=…&sessionToken=…`` (Yoti's URL).

A server-rendered HTML shell plus a few small ES modules and translation files, all shipped
in the package and held in memory (they are a few tens of kilobytes). The page needs nothing
from anyone but this server, which its Content-Security-Policy enforces: scripts, styles,
fetches and images come from this origin only (images also from ``blob:``, the previews of
the photos taken), there is no inline script (the configuration is fetched with the token in
a header), and DOM-injection sinks are closed by Trusted Types.

The page may be framed by anyone: integrators embed it in an ``<iframe allow="camera">`` on
their own origin, which the deployment does not know. What protects the journey is the client
session token, not the framing origin.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from fastapi import APIRouter, Request
from starlette.responses import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' blob:",
        "media-src 'self' blob: mediastream:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors *",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    )
)
# The camera for this origin only (the embedding page grants its own with allow="camera").
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
}
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(js|css)$")
_I18N_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.json$")
_PLACEHOLDER = re.compile(r"\{\{([a-zA-Z0-9_.]+)\}\}")


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _assets(folder: Traversable, pattern: re.Pattern[str]) -> dict[str, Asset]:
    found = {}
    for entry in folder.iterdir():
        if entry.is_file() and pattern.match(entry.name):
            body = entry.read_bytes()
            suffix = entry.name[entry.name.rfind(".") :]
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            found[entry.name] = Asset(body, _TYPES[suffix], etag)
    return found


def render_page(template: str, strings: dict[str, str]) -> str:
    """Fill ``{{key}}`` with the English strings, so the page reads well before (or without)
    its scripts; the scripts then translate every ``data-i18n`` element."""

    def fill(match: re.Match[str]) -> str:
        return html.escape(strings[match.group(1)])

    return _PLACEHOLDER.sub(fill, template)


def page_assets() -> tuple[bytes, dict[str, Asset], dict[str, Asset]]:
    """The rendered page, the static files and the translations, read from the package."""
    package = resources.files("openidv.capture")
    english: dict[str, str] = json.loads(package.joinpath("i18n/en.json").read_text("utf-8"))
    page = render_page(package.joinpath("templates/index.html").read_text("utf-8"), english)
    static = _assets(package.joinpath("static"), _STATIC_NAME)
    i18n = _assets(package.joinpath("i18n"), _I18N_NAME)
    return page.encode(), static, i18n


def _serve(request: Request, asset: Asset | None) -> Response:
    if asset is None:
        return Response(b'{"code":"NOT_FOUND"}', 404, media_type="application/json")
    # no-cache, not a long max-age: the modules import each other by plain relative URLs, so
    # a new release must be revalidated (cheap: 304 on a matching ETag).
    headers = {"etag": asset.etag, "cache-control": "no-cache"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def build_page_router() -> APIRouter:
    """``/web/index.html``, ``/web/static/*`` and ``/web/i18n/*.json`` (under the API prefix)."""
    page, static, i18n = page_assets()
    router = APIRouter(tags=["capture page"], include_in_schema=False)
    page_headers = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "permissions-policy": PERMISSIONS_POLICY,
        # The URL carries the client token: no cache may keep the response under it.
        "cache-control": "no-store",
    }

    # Referrer-Policy: no-referrer comes from the app's ResponseHeaders middleware (and the
    # page's <meta name="referrer">); X-Frame-Options must not: the page is meant to be framed.
    @router.get("/web/index.html")
    async def index() -> Response:
        return Response(page, media_type="text/html; charset=utf-8", headers=page_headers)

    @router.get("/web/static/{name}")
    async def static_file(request: Request, name: str) -> Response:
        return _serve(request, static.get(name))

    @router.get("/web/i18n/{name}")
    async def translation(request: Request, name: str) -> Response:
        return _serve(request, i18n.get(name))

    return router
