"""Runs one signed integrator call as one unit of work.

Authentication, the nonce and the handler's reads and writes share one transaction. When the
handler refuses the request, its writes are rolled back to a savepoint but the nonce stays and
is committed, so a refused request cannot be replayed later when it would succeed.

How the transaction is run and committed (group commit on SQLite) is store.units' business.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import parse_qs

from fastapi import Request
from sqlalchemy import Connection

from openidv.api.auth import (
    AuthPolicy,
    RawRequest,
    authenticate,
    consume_nonce,
    precheck,
    purge_old_nonces,
)
from openidv.api.errors import ApiError, PropertyError, not_found
from openidv.api.ratelimit import Limiter, make_limiter
from openidv.api.signing import MessageDigest
from openidv.sessions.rules import SpecRuleError
from openidv.sessions.service import MediaNotFound, SessionBusy, SessionNotFound
from openidv.store.db import Savepoint, utcnow
from openidv.store.units import Units

T = TypeVar("T")
_NONCE_PURGE_INTERVAL = 60.0
# Bodies up to this size are read at once (cheaper than a database round trip first).
PRECHECK_ABOVE_BYTES = 64 * 1024
_DOMAIN_ERRORS = (SessionNotFound, MediaNotFound, SessionBusy, SpecRuleError)


@dataclass
class Work:
    conn: Connection
    sdk_id: str
    sandbox: bool = False
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # The request body, given to the handler only once its signature verified.
    body: bytes = b""


@dataclass
class Outcome(Generic[T]):
    """What one attempt produced: a result, or the error to answer with once committed."""

    result: T | None = None
    error: ApiError | None = None
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def unwrap(self) -> T:
        if self.error is not None:
            raise self.error
        for action in self.after_commit:
            action()
        return self.result  # type: ignore[return-value]


def _domain_error(exc: Exception) -> ApiError:
    """Map the session layer's exceptions to Yoti's statuses."""
    if isinstance(exc, SessionNotFound):
        return not_found("Session")
    if isinstance(exc, MediaNotFound):
        return not_found("Media")
    if isinstance(exc, SessionBusy):
        return ApiError(409, "SESSION_IN_PROGRESS", "The session's checks are not finished")
    assert isinstance(exc, SpecRuleError)
    return ApiError(
        400,
        "PAYLOAD_VALIDATION",
        "There were errors validating the payload",
        [PropertyError(property=p, message=m) for p, m in exc.errors],
    )


def _query_sdk_id(query: bytes) -> str | None:
    try:
        params = parse_qs(query.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    # Go spells it sdkID: counted against the same application.
    values = params.get("sdkId") or params.get("sdkID")
    return values[0][:64] if values else None


def _large_body(request: Request) -> bool:
    declared = request.headers.get("content-length")
    if declared is not None:
        return not declared.isdigit() or int(declared) > PRECHECK_ABOVE_BYTES
    return "chunked" in request.headers.get("transfer-encoding", "").lower()


async def _read_signed_body(request: Request, raw: RawRequest) -> RawRequest:
    """The body, and the digests of the signed message hashed as it streamed in (the size
    limit is enforced underneath, by api.limits.BodyLimit)."""
    digest = MessageDigest(raw.method, raw.path_and_query)
    chunks = []
    async for chunk in request.stream():
        digest.update(chunk)
        chunks.append(chunk)
    return dataclasses.replace(raw, body=b"".join(chunks), message_digests=tuple(digest.digests()))


class Gateway:
    def __init__(
        self,
        units: Units,
        policy: AuthPolicy,
        api_prefix: str,
        *,
        sandbox: bool = False,
        limiter: Limiter | None = None,
    ) -> None:
        self.sandbox = sandbox
        self._limiter = limiter or make_limiter(None)
        self._policy = policy
        self._prefix = api_prefix.rstrip("/").encode("ascii")
        self._units = units
        self._next_purge = 0.0

    def raw_request(self, request: Request, body: bytes = b"") -> RawRequest:
        raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
        if raw_path.startswith(self._prefix):
            raw_path = raw_path[len(self._prefix) :]
        return RawRequest(
            method=request.method,
            path=raw_path,
            query=request.scope.get("query_string", b""),
            body=body,
            digest=request.headers.get("x-yoti-auth-digest"),
            sdk_name=request.headers.get("x-yoti-sdk"),
        )

    async def call(
        self, request: Request, handler: Callable[[Work], T], sdk_id: str | None = None
    ) -> T:
        raw = self.raw_request(request)
        address = request.client.host if request.client else "unknown"
        app_id = sdk_id or _query_sdk_id(raw.query)
        per_address = [(self._limiter.rules.signature_per_address, address)]
        per_app = [(self._limiter.rules.signature_per_app, app_id)] if app_id else []
        # Who keeps failing is refused before costing a signature verification.
        await self._limiter.refuse_if_over(*per_address, *per_app)
        try:
            if _large_body(request):
                # A large (or chunked) body costs something to read: first refuse whatever
                # would be refused anyway, without reading it (the nonce is not consumed).
                unread = raw
                await self._units.run(lambda conn: precheck(conn, unread, self._policy, sdk_id))
            raw = await _read_signed_body(request, raw)

            def attempt(conn: Connection) -> Outcome[T]:
                return self._attempt(conn, raw, handler, sdk_id)

            outcome = await self._units.run(attempt)
            return outcome.unwrap()
        except ApiError as exc:
            if exc.status == 401:  # bad signature, stale timestamp, replayed nonce
                await self._limiter.failed(*per_address, *per_app)
            elif exc.body.code == "APP_NOT_FOUND":  # probing for sdkIds
                await self._limiter.failed(*per_address)
            raise

    def _attempt(
        self, conn: Connection, raw: RawRequest, handler: Callable[[Work], T], sdk_id: str | None
    ) -> Outcome[T]:
        self._maybe_purge_nonces(conn)
        try:
            caller = authenticate(conn, raw, self._policy, sdk_id, sandbox=self.sandbox)
            consume_nonce(conn, caller, utcnow())
        except ApiError as exc:
            return Outcome(error=exc)
        work = Work(conn, caller.sdk_id, self.sandbox, body=raw.body)
        savepoint = Savepoint(conn, "handler")
        try:
            result = handler(work)
        except (ApiError, *_DOMAIN_ERRORS) as exc:
            savepoint.rollback()  # the nonce, written before the savepoint, stays spent
            return Outcome(error=exc if isinstance(exc, ApiError) else _domain_error(exc))
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.release()
        return Outcome(result=result, after_commit=work.after_commit)

    def _maybe_purge_nonces(self, conn: Connection) -> None:
        # In the request's own transaction: on SQLite a second connection would wait for the
        # write lock that this process's group transaction holds.
        now = time.monotonic()
        if now >= self._next_purge:
            self._next_purge = now + _NONCE_PURGE_INTERVAL
            purge_old_nonces(conn, self._policy, utcnow())
