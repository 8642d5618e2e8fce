"""Signed-request authentication of integrator calls (``shared/reference/yoti-idv-api.md`` §1.3).

Order matters: malformed requests are refused before any lookup (400); an unknown sdkId is
404 and a bad signature 401, as Yoti documents; only a correctly signed request learns that
its application is disabled (403); and only a correctly signed request consumes a nonce, so
nobody can burn another application's nonces. A signed request's nonce is consumed whatever
its outcome (see api/gateway.py), so a request refused once cannot be replayed later when it
would succeed.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from openidv.api.apps import apps_t
from openidv.api.errors import ApiError, malformed
from openidv.api.models import UsedNonce
from openidv.api.signing import load_public_key, verify, verify_digests
from openidv.store.db import FastStatement, table_of

nonces_t = table_of(UsedNonce)

# Epoch values between 2000-01-01 and 2100-01-01, in seconds and in milliseconds: anything else
# is not wall-clock time (the Java SDK sends a monotonic clock in microseconds).
_WALLCLOCK_SECONDS = (946_684_800, 4_102_444_800)
_WALLCLOCK_MILLIS = (946_684_800_000, 4_102_444_800_000)


@dataclass(frozen=True)
class AuthPolicy:
    timestamp_window_seconds: int
    reject_non_wallclock_timestamps: bool
    nonce_retention_seconds: int


@dataclass(frozen=True)
class RawRequest:
    """A request as received: path relative to the API base and query, both undecoded.

    ``message_digests`` are the SHA-256 digests of the signed message, hashed while the body
    streamed in (api.signing.MessageDigest); ``body`` is kept for the handler.
    """

    method: str
    path: bytes
    query: bytes
    body: bytes
    digest: str | None
    message_digests: tuple[bytes, ...] = ()
    # What the client says it is (X-Yoti-SDK): only Java's timestamp is not wall-clock time.
    sdk_name: str | None = None

    @property
    def path_and_query(self) -> bytes:
        return self.path + b"?" + self.query if self.query else self.path


def _unauthorised(message: str) -> ApiError:
    return ApiError(401, "UNAUTHORIZED", message)


def _single_param(params: dict[str, list[str]], name: str, required: bool = True) -> str | None:
    values = params.get(name)
    if not values:
        if required:
            raise malformed(f"query.{name}", "must not be null or empty")
        return None
    if len(values) > 1:
        raise malformed(f"query.{name}", "must be given once")
    return values[0]


# The Go SDK spells the application's parameter sdkID; every other SDK sdkId.
_SDK_ID_PARAMS = ("sdkId", "sdkID")


def _query_sdk_id(params: dict[str, list[str]], required: bool) -> str | None:
    given = [name for name in _SDK_ID_PARAMS if params.get(name)]
    if len(given) > 1:
        raise malformed("query.sdkId", "must be given once, as sdkId or sdkID")
    if not given:
        if required:
            raise malformed("query.sdkId", "must not be null or empty")
        return None
    return _single_param(params, given[0])


def _check_timestamp(raw: str, policy: AuthPolicy, now: float, sdk_name: str | None = None) -> None:
    if not raw.isdigit() or len(raw) > 20:
        raise malformed("query.timestamp", "must be a non-negative integer")
    value = int(raw)
    if sdk_name == "Java" and not policy.reject_non_wallclock_timestamps:
        # Java sends System.nanoTime()/1000, microseconds from an arbitrary origin (the host's
        # boot): 11 to 47 days after boot it falls in the epoch-milliseconds range, 16 to 68
        # minutes after boot in the epoch-seconds one, and judging it as wall-clock time would
        # refuse every Java client then. The header is not signed: a replayer who adds it to a
        # captured request meets the nonce check instead, as Java's own requests do.
        return
    if _WALLCLOCK_MILLIS[0] <= value < _WALLCLOCK_MILLIS[1]:
        seconds = value / 1000
    elif _WALLCLOCK_SECONDS[0] <= value < _WALLCLOCK_SECONDS[1]:
        seconds = float(value)
    else:
        if policy.reject_non_wallclock_timestamps:
            raise _unauthorised("The timestamp is not a wall-clock time")
        return
    if abs(now - seconds) > policy.timestamp_window_seconds:
        raise _unauthorised("The timestamp is outside the accepted window")


@dataclass(frozen=True)
class Caller:
    sdk_id: str
    nonce: str


def _identify(
    conn: Connection, request: RawRequest, policy: AuthPolicy, sdk_id: str | None
) -> tuple[str, str, Any]:
    """Everything that needs no body: the parameters, the clock, the application's row.
    Returns (sdk_id, nonce, app row)."""
    if not request.digest:
        raise malformed("header.X-Yoti-Auth-Digest", "must not be null or empty")
    try:
        params = parse_qs(request.query.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise malformed("query", "must be UTF-8") from exc
    nonce = _single_param(params, "nonce")
    timestamp = _single_param(params, "timestamp")
    query_sdk_id = _query_sdk_id(params, required=sdk_id is None)
    sdk_id = sdk_id or query_sdk_id
    assert nonce is not None and timestamp is not None and sdk_id is not None
    if len(nonce) > 128 or not nonce.isprintable():
        raise malformed("query.nonce", "must be at most 128 printable characters")
    _check_timestamp(timestamp, policy, time.time(), request.sdk_name)
    app = _SELECT_APP.fetchone(conn, {"sdk_id": sdk_id})
    if app is None:
        raise ApiError(404, "APP_NOT_FOUND", "No application is registered for this sdkId")
    return sdk_id, nonce, app


def precheck(
    conn: Connection, request: RawRequest, policy: AuthPolicy, sdk_id: str | None = None
) -> None:
    """Refuse, before a large body is read, what would be refused whatever the body says:
    a malformed request, a stale timestamp, an unknown application. (The signature covers
    the body, so it can only be checked once the body is in: see api/gateway.py.)"""
    _identify(conn, request, policy, sdk_id)


def authenticate(
    conn: Connection,
    request: RawRequest,
    policy: AuthPolicy,
    sdk_id: str | None = None,
    *,
    sandbox: bool = False,
) -> Caller:
    """Verify a signed request; returns who signed it and the nonce to consume.

    ``sdk_id`` is given when the path names the application (sandbox ``/apps/{sdkId}``);
    otherwise it comes from the ``sdkId`` (or Go's ``sdkID``) query parameter. The signature is
    verified over the query as sent whichever spelling it uses.
    """
    sdk_id, nonce, app = _identify(conn, request, policy, sdk_id)
    public_key_pem, disabled_at, is_sandbox = app
    public_key = load_public_key(public_key_pem)
    assert request.digest is not None
    if request.message_digests:
        verified = verify_digests(public_key, request.digest, list(request.message_digests))
    else:
        verified = verify(
            public_key, request.digest, request.method, request.path_and_query, request.body
        )
    if not verified:
        raise _unauthorised("The request signature does not verify with the application's key")
    if bool(is_sandbox) != sandbox:
        # A sandbox key must never create or read live sessions, nor the reverse.
        api = "sandbox" if is_sandbox else "live"
        raise _unauthorised(f"This application's key works only on the {api} API")
    if disabled_at is not None:
        raise ApiError(403, "APP_DISABLED", "This application is disabled")
    return Caller(sdk_id=sdk_id, nonce=nonce)


# Built once: statement construction and cache-key generation dominate SQLAlchemy's per-call
# cost. RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
_INSERT_NONCE = {
    name: FastStatement(
        dialect.insert(nonces_t).on_conflict_do_nothing().returning(nonces_t.c.nonce),
        ["app_id", "nonce", "seen_at"],
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_SELECT_APP = FastStatement(
    select(apps_t.c.public_key_pem, apps_t.c.disabled_at, apps_t.c.sandbox).where(
        apps_t.c.id == bindparam("sdk_id")
    )
)


def consume_nonce(conn: Connection, caller: Caller, now: dt.datetime) -> None:
    """Record the caller's nonce; a nonce already seen from that application is a replay."""
    inserted = _INSERT_NONCE[conn.dialect.name].fetchone(
        conn, {"app_id": caller.sdk_id, "nonce": caller.nonce, "seen_at": now}
    )
    if inserted is None:
        raise _unauthorised("This nonce has already been used")


def purge_old_nonces(conn: Connection, policy: AuthPolicy, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(seconds=policy.nonce_retention_seconds)
    return conn.execute(delete(nonces_t).where(nonces_t.c.seen_at < cutoff)).rowcount
