"""Errors in Yoti's format: ``{"code", "message", "errors": [{"property", "message"}]}``.

The official Python SDK only reads an error body whose Content-Type is exactly
``application/json`` and only when both ``code`` and ``message`` are present, so every error
carries both and is served with that exact media type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from openidv.sessions.spec import TAG_PREFIX


class PropertyError(BaseModel):
    property: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    errors: list[PropertyError] = []


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: Sequence[PropertyError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = ErrorBody(code=code, message=message, errors=list(errors))
        self.headers = headers

    def response(self) -> Response:
        return error_response(self.status, self.body, self.headers)


def error_response(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body.model_dump_json(exclude_none=True),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def malformed(property_name: str, message: str) -> ApiError:
    return ApiError(
        400,
        "MALFORMED_REQUEST",
        "The request is malformed",
        [PropertyError(property=property_name, message=message)],
    )


def not_found(what: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} not found")


def property_path(loc: Sequence[int | str]) -> str:
    """``("requested_checks", 1, "tag:LIVENESS", "config", "max_retries")`` ->
    ``requested_checks[1].config.max_retries``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(TAG_PREFIX):
            continue
        else:
            path += f".{part}" if path else part
    return path


def _message(error: Any) -> tuple[str, str]:
    """The property path and a message an integrator can act on, for one pydantic error."""
    loc = list(error["loc"])
    kind = error["type"]
    if kind == "union_tag_invalid":
        expected = error["ctx"]["expected_tags"].replace(TAG_PREFIX, "")
        return property_path([*loc, "type"]), f"must be one of {expected}"
    if kind == "union_tag_not_found":
        return property_path([*loc, "type"]), "must not be null or empty"
    if kind == "missing":
        return property_path(loc), "must not be null or empty"
    if kind == "extra_forbidden":
        return property_path(loc), "is not a recognised property"
    if kind == "literal_error":
        return property_path(loc), f"must be one of {error['ctx']['expected']}"
    if kind == "json_invalid":
        return "body", f"is not valid JSON: {error['ctx']['error']}"
    message = error["msg"]
    return property_path(loc), message[0].lower() + message[1:] if message else message


def payload_validation_error(exc: ValidationError) -> ApiError:
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        prop, message = _message(error)
        errors.append(PropertyError(property=prop or "body", message=message))
    return ApiError(400, "PAYLOAD_VALIDATION", "There were errors validating the payload", errors)


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return exc.response()

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
        message = str(exc.detail)
        if exc.status_code == 404:
            # Only routing raises this (the API's own 404s are ApiErrors): say which endpoint
            # is missing, so "unsupported" reads apart from "session not found".
            message = f"No endpoint {request.method} {request.url.path} exists on this server"
        body = ErrorBody(code=codes.get(exc.status_code, "HTTP_ERROR"), message=message)
        return error_response(exc.status_code, body, getattr(exc, "headers", None))

    async def on_request_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            PropertyError(property=property_path(e["loc"]), message=e["msg"]) for e in exc.errors()
        ]
        body = ErrorBody(
            code="MALFORMED_REQUEST", message="The request is malformed", errors=errors
        )
        return error_response(400, body)

    async def on_unexpected(_request: Request, _exc: Exception) -> Response:
        # The traceback goes to the server log (it never carries request bodies); the client
        # gets Yoti's shape and nothing about the internals.
        body = ErrorBody(code="INTERNAL_ERROR", message="The server could not complete the request")
        return error_response(500, body)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(Exception, on_unexpected)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
