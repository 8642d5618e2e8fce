"""The application factory: builds the whole web product from a Settings object."""

from __future__ import annotations

import ipaddress
import logging
import threading
import uuid

from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openidv import __version__
from openidv.api.auth import AuthPolicy
from openidv.api.errors import install_error_handlers
from openidv.api.gateway import Gateway
from openidv.api.home import Links, build_home_router, install_docs
from openidv.api.limits import BodyLimit
from openidv.api.ratelimit import Rules, make_limiter
from openidv.api.routes import ApiServices, build_router
from openidv.capture.client_api import CaptureServices, build_client_router
from openidv.capture.demo import DemoApp, build_demo_router
from openidv.capture.page import build_page_router
from openidv.capture.quality import QualityChecker
from openidv.review.metrics import build_metrics_router
from openidv.review.pages import ConsoleServices, compile_templates
from openidv.review.pages import static_files as console_static
from openidv.review.routes import build_console_router
from openidv.runtime import Runtime, session_context
from openidv.sessions.spec import SessionSpec
from openidv.settings import Settings
from openidv.store.db import make_engine
from openidv.store.units import Units

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# The hosted capture page is embedded by integrators in an iframe (allow="camera"); its own
# CSP says who may frame it, so it must not also say DENY.
_FRAMABLE_HEADERS = [h for h in _SECURITY_HEADERS if h[0] != b"x-frame-options"]


class ResponseHeaders:
    """Adds a request id and security headers to every response (plain ASGI: no overhead of
    BaseHTTPMiddleware on the hot path)."""

    def __init__(self, app: ASGIApp, framable_suffix: str | None = None) -> None:
        self.app = app
        self.framable_suffix = framable_suffix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex.encode()
        # The capture page lives under both the live and the sandbox base URLs.
        framable = self.framable_suffix is not None and self.framable_suffix in scope["path"]
        security = _FRAMABLE_HEADERS if framable else _SECURITY_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id))
                headers.extend(security)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(
    settings: Settings,
    runtime: Runtime | None = None,
    *,
    listen_host: str | None = None,
    start_decoders: bool = False,
) -> FastAPI:
    """The web product. ``runtime`` is the background half when it runs in the same process
    (``openidv run``); otherwise one is built here, only to enqueue work by name.
    ``listen_host`` is the address the server is bound to (what /demo's default depends on).
    ``start_decoders``: spawn the image decoder processes and warm the photo check at start-up
    rather than on the first upload (the servers do; tests that build many apps do not pay
    two processes each)."""
    runtime = runtime or Runtime(settings)
    engine = make_engine(settings.resolved_database_url)
    sessions = session_context(settings)
    units = Units(engine)
    app = FastAPI(
        title="openidv",
        version=__version__,
        description="Self-hosted identity verification, wire-compatible with Yoti Doc Scan.",
        docs_url=None,  # served from the package by install_docs, not from a CDN
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.runtime = runtime
    policy = AuthPolicy(
        timestamp_window_seconds=settings.auth_timestamp_window_seconds,
        reject_non_wallclock_timestamps=settings.auth_reject_non_wallclock_timestamps,
        nonce_retention_seconds=settings.auth_nonce_retention_seconds,
    )
    # Failed signatures, tokens and logins: counted in Redis when the queue is (N web processes).
    limiter = make_limiter(
        settings.queue_url,
        Rules.configured(settings.failure_limit_per_address, settings.failure_limit_per_app),
    )
    app.state.api = ApiServices(
        gateway=Gateway(units, policy, settings.api_prefix, limiter=limiter),
        sandbox_gateway=Gateway(
            units, policy, settings.sandbox_prefix, sandbox=True, limiter=limiter
        ),
        sessions=sessions,
        supported_documents_file=settings.supported_documents_file,
    )
    app.state.capture = CaptureServices(
        units=units,
        sessions=sessions,
        jobs=runtime.jobs,
        failures=limiter,
        quality=QualityChecker() if settings.capture_quality_check else None,
        privacy_policy_url=settings.capture_privacy_policy_url,
    )
    install_error_handlers(app)
    for prefix, sandbox in ((settings.api_prefix, False), (settings.sandbox_prefix, True)):
        app.include_router(build_router(sandbox=sandbox), prefix=prefix)
        app.include_router(build_client_router(), prefix=f"{prefix}/client")
        app.include_router(build_page_router(), prefix=prefix)
    app.state.console = ConsoleServices(
        units=units,
        sessions=sessions,
        jobs=runtime.jobs,
        four_eyes=settings.review_four_eyes,
        secure_cookies=settings.console_secure_cookies,
        prefix="/console",
        failures=limiter,
    )
    app.mount("/console/static", console_static(), name="console-static")
    app.include_router(build_console_router(), prefix="/console")
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    app.include_router(
        build_metrics_router(engine, token, loopback_server=is_loopback(listen_host))
    )
    demo_served = settings.demo if settings.demo is not None else is_loopback(listen_host)
    if demo_served:
        demo = DemoApp(
            settings.data_dir,
            units,
            settings.api_prefix,
            liveness_review=settings.liveness_manual_review,
        )
        app.include_router(build_demo_router(demo), prefix="/demo")
    app.include_router(
        build_home_router(Links(settings.api_prefix, settings.sandbox_prefix, demo_served))
    )
    install_docs(app)

    def warm_quality() -> None:
        quality: QualityChecker | None = app.state.capture.quality
        if quality is not None:
            try:
                quality.warm()
            except Exception:  # a model that fails here fails (and is reported) at upload
                logging.getLogger("openidv.events").exception("warming the photo check failed")

    async def spawn_decoders() -> None:
        # In the background: the server answers at once, the decoders are spawned and the
        # photo check's detector loaded before an end user's first photo (DecodePool.start,
        # QualityChecker.warm). Two threads: the decoders' spawn waits on processes at nice
        # +10, which a busy machine starves, and the photo check must not wait behind them.
        decoders = app.state.capture.decoder().start
        threading.Thread(target=decoders, name="openidv-decoders", daemon=True).start()
        threading.Thread(target=warm_quality, name="openidv-warm-quality", daemon=True).start()
        threading.Thread(target=compile_templates, name="openidv-pages", daemon=True).start()

    if start_decoders:
        app.router.add_event_handler("startup", spawn_decoders)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    _register_spec_schema(app)
    app.add_middleware(BodyLimit, default_bytes=settings.max_request_bytes)
    app.add_middleware(ResponseHeaders, framable_suffix="/web/")
    return app


def _register_spec_schema(app: FastAPI) -> None:
    """The create route reads its raw body (the signature covers the exact bytes), so FastAPI
    cannot see the SessionSpec model: add its schema to the OpenAPI document by hand."""
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        defs = SessionSpec.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(defs.pop("$defs", {}))
        components["SessionSpec"] = defs
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_environment() -> FastAPI:
    """Factory for uvicorn's worker processes (``--workers`` re-imports the app by name)."""
    return create_app(Settings(), start_decoders=True)
