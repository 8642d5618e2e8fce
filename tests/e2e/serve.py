"""``openidv run`` with the capture page mounted, for as long as app.py does not mount it.

The end-to-end tests start this module instead of ``openidv run`` only so that the page can be
tested before it is wired into the application factory. Once ``create_app`` serves
``/web/index.html`` itself, this adds nothing and the tests exercise the product as shipped.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import openidv.app
from openidv.capture.page import build_page_router
from openidv.cli import main
from openidv.runtime import Runtime
from openidv.settings import Settings

_create_app = openidv.app.create_app


class AllowFraming:
    """Drops X-Frame-Options under the page's paths: the change asked of app.py's
    ResponseHeaders (the page is meant to be embedded in an iframe)."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def strip(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-frame-options"
                ]
            await send(message)

        await self.app(scope, receive, strip)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    app = _create_app(settings, runtime)
    page = f"{settings.api_prefix}/web/index.html"
    if not any(getattr(route, "path", None) == page for route in app.routes):
        app.include_router(build_page_router(), prefix=settings.api_prefix)
        # Outermost (added last), so it sees the headers ResponseHeaders added.
        app.add_middleware(AllowFraming, prefix=f"{settings.api_prefix}/web/")
    return app


if __name__ == "__main__":
    openidv.app.create_app = create_app  # cli._serve imports it by name at call time
    main()
