"""What every call of the capture client API goes through: the client session token checked
(one answer for unknown, expired or another session's token, each failure counted against the
caller's address), the refusals of the evidence rules in Yoti's error shape, the JSON in and
out, and the services the calls share."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from anyio import CapacityLimiter
from fastapi import Path, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, select
from starlette.responses import Response

from openidv.api.errors import ApiError, malformed, payload_validation_error
from openidv.api.ratelimit import Limiter, make_limiter
from openidv.capture.decode_pool import DecodePool
from openidv.capture.quality import QualityChecker
from openidv.jobs.queue import Jobs
from openidv.notifications.service import notify
from openidv.sessions import devices, evidence, service
from openidv.sessions.models import Resource, Session
from openidv.store.db import table_of, utcnow
from openidv.store.units import Units

T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)
sessions_t = table_of(Session)
resources_t = table_of(Resource)
TOKEN_HEADER = "x-yoti-auth-token"  # noqa: S105 (a header name, not a secret)
DOCUMENT_TYPES = ("ID_DOCUMENT", "SUPPLEMENTARY_DOCUMENT")

SessionId = Annotated[str, Path(max_length=64)]
ResourceId = Annotated[str, Path(max_length=64)]


@dataclass
class CaptureServices:
    units: Units
    sessions: service.SessionContext
    jobs: Jobs
    # Images decoded at once (a 50 MP HEIC needs ~600 MB while it decodes).
    max_decoding: int = 2
    _limiter: CapacityLimiter | None = None
    failures: Limiter = dataclasses.field(default_factory=lambda: make_limiter(None))
    # The photo check at upload (None: off, every page is taken as it comes).
    quality: QualityChecker | None = dataclasses.field(default_factory=QualityChecker)
    privacy_policy_url: str | None = None

    _pool: DecodePool | None = None

    def decoding(self) -> CapacityLimiter:
        # Made on first use: an anyio limiter belongs to the running event loop.
        if self._limiter is None:
            self._limiter = CapacityLimiter(self.max_decoding)
        return self._limiter

    def decoder(self) -> DecodePool:
        if self._pool is None:
            self._pool = DecodePool(self.max_decoding)
        return self._pool


_REFUSALS = {
    "SESSION_NOT_FOUND": 404,
    "SESSION_SUBMITTED": 409,
    "SESSION_EXPIRED": 401,
    "UNKNOWN_REQUIREMENT": 404,
    "UNKNOWN_RESOURCE": 404,
    "UNKNOWN_PAGE": 404,
    "NOT_A_CAMERA_PAGE": 409,
    "DOCUMENT_UNSPECIFIED": 400,
    "DOCUMENT_NOT_ALLOWED": 400,
    "EVIDENCE_MISSING": 409,
    "NOT_SANDBOX": 403,
    "NOT_LIVENESS": 400,
    "LIVENESS_ATTEMPT_NEEDED": 400,
    "LIVENESS_PASSED": 409,
    "LIVENESS_ATTEMPT_PENDING": 409,
    "LIVENESS_ATTEMPTS_EXHAUSTED": 409,
    "LIVENESS_ATTEMPT_CLOSED": 409,
    "LIVENESS_NONCE": 400,
    "TOO_MANY_FRAMES": 409,
}


def _bad_token() -> ApiError:
    return ApiError(
        401, "BAD_TOKEN", "Cannot authorize your request for the session with the given token"
    )


def _authorise(
    conn: Connection,
    session_id: str,
    token: str | None,
    now: dt.datetime,
    *,
    after_submit: bool = False,
) -> None:
    if not token:
        raise malformed("header.X-Yoti-Auth-Token", "must not be null or empty")
    row = conn.execute(
        select(
            sessions_t.c.id, sessions_t.c.client_token_expires_at, sessions_t.c.submitted_at
        ).where(sessions_t.c.client_token_hash == service.hash_token(token))
    ).first()
    # Same answer whether the token is unknown, expired, or for another session.
    if row is None or row.id != session_id or row.client_token_expires_at <= now:
        raise _bad_token()
    if row.submitted_at is not None and not after_submit:
        raise ApiError(409, "SESSION_SUBMITTED", "The session's evidence was already submitted")


def services_of(request: Request) -> CaptureServices:
    services: CaptureServices = request.app.state.capture
    return services


async def run_unit(
    request: Request,
    session_id: str,
    unit: Callable[[Connection, dt.datetime], T],
    *,
    after_submit: bool = False,
) -> T:
    token = request.headers.get(TOKEN_HEADER)
    services = services_of(request)
    address = [
        (services.failures.rules.token_per_address, request.client.host if request.client else "-")
    ]
    await services.failures.refuse_if_over(*address)  # before any token lookup

    def authorised(conn: Connection) -> T:
        now = utcnow()
        _authorise(conn, session_id, token, now, after_submit=after_submit)
        try:
            return unit(conn, now)
        except evidence.EvidenceRefused as exc:
            raise ApiError(_REFUSALS.get(exc.code, 400), exc.code, str(exc)) from exc

    try:
        return await services.units.run(authorised)
    except ApiError as exc:
        if exc.body.code == "BAD_TOKEN":
            await services.failures.failed(*address)
        raise


async def read_body(request: Request, model: type[B]) -> B:
    """The request body as ``model``, or the Yoti validation error naming each property."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise payload_validation_error(exc) from exc


def json_response(
    model: BaseModel,
    status: int = 200,
    *,
    exclude_none: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        model.model_dump_json(exclude_none=exclude_none),
        status,
        media_type="application/json",
        headers=headers,
    )


def spec_of(conn: Connection, session_id: str) -> dict[str, Any]:
    spec: dict[str, Any] = conn.execute(
        select(sessions_t.c.spec).where(sessions_t.c.id == session_id)
    ).scalar_one()
    return spec


def resource_update(
    conn: Connection, session_id: str, resource_id: str, now: dt.datetime, event: str = "created"
) -> str | None:
    return notify(
        conn,
        session_id,
        spec_of(conn, session_id),
        "resource_update",
        now,
        subject_id=resource_id,
        event_key=f"{session_id}:resource_update:{resource_id}:{event}",
    )


def device_of(request: Request) -> dict[str, str]:
    """The device a request comes from, for the session's tracked devices."""
    return devices.describe(request.headers, request.client.host if request.client else None)


def send(request: Request, delivery: str | None) -> None:
    if delivery is not None:
        services_of(request).jobs.enqueue("deliver", delivery)
