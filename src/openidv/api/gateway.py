"""Runs one signed integrator call as one unit of work.

Authentication, the handler's reads and writes and the nonce all commit together in the
success case (one transaction, one commit per request). When the handler refuses the request,
its writes are rolled back but the nonce is still recorded, in a transaction of its own, so a
refused request cannot be replayed later when it would succeed.

Database work runs inline on the event loop for SQLite (local, sub-millisecond, and serialised
by SQLite anyway) and on the thread pool for a networked database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from openidv.api.auth import (
    AuthPolicy,
    Caller,
    RawRequest,
    authenticate,
    consume_nonce,
    purge_old_nonces,
)
from openidv.api.errors import ApiError, PropertyError, not_found
from openidv.sessions.rules import SpecRuleError
from openidv.sessions.service import MediaNotFound, SessionBusy, SessionNotFound
from openidv.store.db import utcnow

T = TypeVar("T")
_NONCE_PURGE_INTERVAL = 60.0


@dataclass
class Work:
    conn: Connection
    sdk_id: str
    after_commit: list[Callable[[], None]] = field(default_factory=list)


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


class Gateway:
    def __init__(self, engine: Engine, policy: AuthPolicy, api_prefix: str) -> None:
        self._engine = engine
        self._policy = policy
        self._prefix = api_prefix.rstrip("/").encode("ascii")
        self._inline = engine.dialect.name == "sqlite"
        self._next_purge = 0.0

    def raw_request(self, request: Request, body: bytes) -> RawRequest:
        raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
        if raw_path.startswith(self._prefix):
            raw_path = raw_path[len(self._prefix) :]
        return RawRequest(
            method=request.method,
            path=raw_path,
            query=request.scope.get("query_string", b""),
            body=body,
            digest=request.headers.get("x-yoti-auth-digest"),
        )

    async def call(
        self, request: Request, handler: Callable[[Work], T], sdk_id: str | None = None
    ) -> T:
        raw = self.raw_request(request, await request.body())
        if self._inline:
            return self._run(raw, handler, sdk_id)
        return await run_in_threadpool(self._run, raw, handler, sdk_id)

    def _run(self, raw: RawRequest, handler: Callable[[Work], T], sdk_id: str | None) -> T:
        caller: Caller | None = None
        try:
            with self._engine.begin() as conn:
                signed_by = authenticate(conn, raw, self._policy, sdk_id)
                consume_nonce(conn, signed_by, utcnow())
                caller = signed_by  # from here on, a refusal must still record the nonce
                work = Work(conn, caller.sdk_id)
                try:
                    result = handler(work)
                except (SessionNotFound, MediaNotFound, SessionBusy, SpecRuleError) as exc:
                    raise _domain_error(exc) from exc
        except ApiError:
            if caller is not None:
                self._record_refused_nonce(caller)
            raise
        for action in work.after_commit:
            action()
        self._maybe_purge_nonces()
        return result

    def _record_refused_nonce(self, caller: Caller) -> None:
        # A replay of a refused request must look like a replay, not like its first answer.
        with self._engine.begin() as conn:
            consume_nonce(conn, caller, utcnow())

    def _maybe_purge_nonces(self) -> None:
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + _NONCE_PURGE_INTERVAL
        with self._engine.begin() as conn:
            purge_old_nonces(conn, self._policy, utcnow())
