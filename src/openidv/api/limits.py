"""Request-size limits, enforced before any handler reads a body.

A body is refused with 413 (Yoti's error shape) as soon as its declared ``Content-Length`` is
over the route's limit, before a byte of it is read; a body without one (chunked) is counted
as it arrives and refused the moment it passes the limit. Nothing in openidv reads a body but
through ``receive``, so no handler can be made to buffer more than its limit.

Limits by route: the capture client's media upload takes what a phone photo needs; the
sandbox response-config may carry a base64 photo; the rest of the client API is small JSON;
everything else (the signed API's session spec, console forms) gets the general limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openidv.api.errors import ApiError, PropertyError

# Yoti's upload limit is not published; phones produce 3-8 MB photos, so refuse only beyond.
MAX_MEDIA_BYTES = 15 * 1024 * 1024
# A 15 MB photo in base64, plus the rest of a response config.
MAX_RESPONSE_CONFIG_BYTES = 21 * 1024 * 1024
# The capture client's JSON bodies are a requirement id and a document's type and country.
MAX_CLIENT_JSON_BYTES = 16 * 1024
_MEDIA_PATH = re.compile(r"/client/sessions/[^/]+/resources/[^/]+/media$")


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    code: str


def limit_for(path: str, default_bytes: int) -> Limit:
    if _MEDIA_PATH.search(path):
        return Limit(MAX_MEDIA_BYTES, "MEDIA_TOO_LARGE")
    if path.endswith("/response-config"):
        return Limit(MAX_RESPONSE_CONFIG_BYTES, "REQUEST_TOO_LARGE")
    if "/client/sessions/" in path:
        return Limit(MAX_CLIENT_JSON_BYTES, "REQUEST_TOO_LARGE")
    return Limit(default_bytes, "REQUEST_TOO_LARGE")


def too_large(limit: Limit) -> ApiError:
    return ApiError(
        413,
        limit.code,
        f"The request body must be at most {limit.max_bytes} bytes",
        [PropertyError(property="body", message=f"must be at most {limit.max_bytes} bytes")],
    )


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when it has none (chunked, or no body)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    """Plain ASGI (no BaseHTTPMiddleware buffering): refuses early, counts chunked bodies."""

    def __init__(self, app: ASGIApp, default_bytes: int) -> None:
        self.app = app
        self.default_bytes = default_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], self.default_bytes)
        declared = declared_length(scope)
        if declared is not None and declared > limit.max_bytes:
            response = too_large(limit).response()
            # The body is left unread: tell the client the connection will not be reused.
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    raise too_large(limit)  # answered by the app's ApiError handler
            return message

        await self.app(scope, counting_receive, send)
