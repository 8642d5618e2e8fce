"""``/``, a small page naming where everything is, ``/docs``, the API reference, and a short
JSON note at the API base itself.

A browser pointed at the server's address should find the demo, the console and the API docs
rather than a JSON 404. The home page and the start-up banner link the API base URL, so a GET
of exactly that URL answers what it is rather than NOT_FOUND; it says nothing about any
application or session, so it needs no signature, and every other path under the base is
signed as before (each route goes through api.gateway).

``/docs`` is Swagger UI from files inside the ``fastapi-offline`` wheel (Swagger UI is
Apache-2.0, the wheel MIT): FastAPI's default loads them from a CDN, which leaves an offline or
firewalled server with a blank page and tells a third party who reads our docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from pydantic import BaseModel
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from openidv import __version__

DOCS_STATIC = "/docs/static"
_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    ),
}


@dataclass(frozen=True)
class Links:
    """Where the parts are, as paths on this server."""

    api: str
    sandbox: str
    demo: bool

    def rows(self) -> list[tuple[str, str, str]]:
        rows = []
        if self.demo:
            rows.append(("Demo", "/demo", "verify yourself as an end user would"))
        rows += [
            ("Review console", "/console", "where reviewers decide what the machine could not"),
            ("API docs", "/docs", "every endpoint, with the session spec's schema"),
            ("API base URL", self.api, "give this to the Yoti SDK (api_url)"),
            ("Sandbox base URL", self.sandbox, "for sandbox applications"),
        ]
        return rows


_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;"
    "color:#1a1a1a}a{color:#0050b3}code,pre{font:14px ui-monospace,monospace}"
    "pre{background:#f4f4f4;padding:.75em;white-space:pre-wrap;border-radius:6px}"
    "dt{font-weight:600;margin-top:.8em}dd{margin:0}"
)


def _home_html(links: Links) -> str:
    items = "".join(
        f'<dt>{escape(name)}</dt><dd><a href="{escape(path)}">{escape(path)}</a> '
        f"&mdash; {escape(what)}</dd>"
        for name, path, what in links.rows()
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>openidv</title><style>{_STYLE}</style></head><body>"
        "<h1>openidv is running</h1>"
        "<p>A self-hosted identity verification server that the official Yoti SDKs talk to.</p>"
        f"<dl>{items}</dl>"
        "<h2>Next steps</h2>"
        "<p>Create an application (its SDK ID and private key go to your back end):</p>"
        '<pre>openidv apps create "My app" --key-out my-app.pem</pre>'
        "<p>Give yourself a review console account:</p>"
        "<pre>openidv reviewer add you@example.com --role admin</pre>"
        "<p>(In a checkout set up by <code>make run</code>, the command is "
        "<code>.venv/bin/openidv</code>.)</p>"
        "<p>The README's quick start shows the first session with the SDK.</p>"
        "</body></html>"
    )


class ApiBaseNote(BaseModel):
    """What ``GET {api_prefix}`` answers: our own note, not a Yoti message."""

    service: str
    version: str
    sandbox: bool
    docs: str
    note: str


def add_api_base_routes(router: APIRouter, *, sandbox: bool) -> None:
    """``GET`` of the base URL, with and without its trailing slash (a person types either)."""
    body = ApiBaseNote(
        service="openidv",
        version=__version__,
        sandbox=sandbox,
        docs="/docs",
        note=(
            "This is the base URL of the Yoti Doc Scan compatible API"
            + (" for sandbox applications" if sandbox else "")
            + ": give it to a Yoti SDK as its API URL. Every request under it must be signed "
            "as the Yoti SDKs sign them (an application's SDK ID and private key, created with "
            "'openidv apps create'). The endpoints are listed at /docs."
        ),
    ).model_dump_json()

    async def api_base() -> Response:
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-cache"})

    router.add_api_route("", api_base, methods=["GET"], response_model=ApiBaseNote)
    router.add_api_route("/", api_base, methods=["GET"], include_in_schema=False)


def build_home_router(links: Links) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    page = _home_html(links)

    @router.get("/")
    async def home() -> Response:
        return HTMLResponse(page, headers=_HEADERS)

    return router


def install_docs(app: FastAPI) -> None:
    """``/docs`` on Swagger UI's packaged files (the app is built with ``docs_url=None``)."""
    static = Path(str(files("fastapi_offline") / "static"))
    app.mount(DOCS_STATIC, StaticFiles(directory=static), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
            # Swagger UI would otherwise send the document to validator.swagger.io for a badge.
            swagger_ui_parameters={"validatorUrl": None},
        )
