"""Delivering one notification: at least once, with exponential backoff, every attempt logged.

A delivery is claimed with a lease (two workers never post it at once), posted outside any
transaction, and its outcome recorded with the attempt. A 2xx ends it; anything else (an error
status, a timeout, a refused target) schedules the next attempt, doubling the wait up to a cap,
until ``give_up_after_seconds`` (at least 72 hours by default) have passed since the event.
Redirects are not followed: a redirect could lead past the SSRF guard.

The lease outlasts the post's deadline by a margin only: when the worker holding it dies (kill
-9, a crash), the reconciler sends the delivery again once the lease runs out.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import random
import ssl
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, insert, select, update

from openidv import __version__
from openidv.notifications.models import Attempt, Delivery
from openidv.notifications.secrets import SEALED_AUTH_TOKEN, auth_token, signing_secrets
from openidv.notifications.signing import SIGNATURE_HEADER, signature_header
from openidv.notifications.ssrf import Network, TargetRefused, vet
from openidv.sessions import events, keys
from openidv.sessions.models import Session
from openidv.store.crypto import KeyRing
from openidv.store.db import table_of, utcnow

# What is read of a receiver's answer at most.
MAX_ANSWER_BYTES = 4096
# How much longer than the post's deadline a claim lasts: the claim and record transactions,
# resolving the name (outside the deadline) and cancelling a post that ran out of time.
LEASE_MARGIN_SECONDS = 15.0
deliveries_t = table_of(Delivery)
attempts_t = table_of(Attempt)
sessions_t = table_of(Session)


@dataclass(frozen=True)
class DeliveryPolicy:
    backoff_base_seconds: float = 5.0
    backoff_max_seconds: float = 3600.0
    give_up_after_seconds: float = 80 * 3600.0
    timeout_seconds: float = 10.0
    allowed_networks: tuple[Network, ...] = field(default_factory=tuple)

    @property
    def lease_seconds(self) -> float:
        """How long a claim holds a delivery. Tied to the deadline, never longer than needed:
        a delivery whose worker died while posting it waits this long to be sent again."""
        return self.timeout_seconds + LEASE_MARGIN_SECONDS

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1``, with jitter so retries do not march."""
        wait = min(self.backoff_max_seconds, self.backoff_base_seconds * 2.0 ** (attempts - 1))
        jitter: float = random.uniform(0.9, 1.1)  # noqa: S311 (jitter, not security)
        return wait * jitter


@dataclass(frozen=True)
class DeliveryContext:
    engine: Engine
    keyring: KeyRing
    policy: DeliveryPolicy
    # Built once per process: loading the CA bundle takes ~0.1 s, too long to do per post
    # (and every post it adds widens the window in which a dying worker holds a claim).
    tls: ssl.SSLContext = field(default_factory=lambda: httpx.create_ssl_context(trust_env=False))


def _authorization(notifications: dict[str, str]) -> str | None:
    token = notifications.get("auth_token")
    if not token:
        return None
    if notifications.get("auth_type") == "BEARER":
        return f"Bearer {token}"
    # Yoti's older documents imply Basic when no type is given; auth_token is "user:password".
    return "Basic " + base64.b64encode(token.encode()).decode()


def deliver(ctx: DeliveryContext, delivery_id: str) -> float | None:
    """Try one delivery; returns the seconds until it should be tried again, or None when it
    is finished (delivered, failed for good, or not ours to send right now)."""
    now = utcnow()
    with ctx.engine.begin() as conn:
        claimed = conn.execute(
            update(deliveries_t)
            .where(
                deliveries_t.c.id == delivery_id,
                deliveries_t.c.state == "PENDING",
                (deliveries_t.c.lease_until.is_(None)) | (deliveries_t.c.lease_until < now),
            )
            .values(lease_until=now + dt.timedelta(seconds=ctx.policy.lease_seconds))
        ).rowcount
        if not claimed:
            return None
        delivery = (
            conn.execute(select(deliveries_t).where(deliveries_t.c.id == delivery_id))
            .mappings()
            .one()
        )
        session = conn.execute(
            select(sessions_t.c.app_id, sessions_t.c.spec).where(
                sessions_t.c.id == delivery["session_id"]
            )
        ).one()
        wrapped = keys.wrapped_key(conn, delivery["session_id"])
        sealed = keys.get(conn, delivery["session_id"], keys.WEBHOOK_AUTH_TOKEN)
        secrets = signing_secrets(conn, ctx.keyring, session.app_id)

    stored = session.spec.get("notifications") or {}
    notifications = {
        key: value for key, value in stored.items() if key not in ("auth_token", SEALED_AUTH_TOKEN)
    }
    token = auth_token(stored, ctx.keyring, delivery["session_id"], wrapped, sealed)
    if token:
        notifications["auth_token"] = token
    body = json.dumps(delivery["body"], separators=(",", ":")).encode()
    status, error, latency_ms = _post(
        ctx, notifications.get("endpoint", ""), notifications, body, secrets
    )

    done = utcnow()
    attempts = delivery["attempts"] + 1
    succeeded = status is not None and 200 <= status < 300
    expired = (done - delivery["created_at"]).total_seconds() > ctx.policy.give_up_after_seconds
    retry_in = None if succeeded or expired else ctx.policy.backoff(attempts)
    with ctx.engine.begin() as conn:
        conn.execute(
            insert(attempts_t),
            {
                "delivery_id": delivery_id,
                "attempted_at": done,
                "status_code": status,
                "latency_ms": latency_ms,
                "error": error,
            },
        )
        conn.execute(
            update(deliveries_t)
            .where(deliveries_t.c.id == delivery_id)
            .values(
                attempts=attempts,
                lease_until=None,
                last_status=status,
                last_error=error,
                state="DELIVERED" if succeeded else ("FAILED" if expired else "PENDING"),
                delivered_at=done if succeeded else None,
                next_attempt_at=done + dt.timedelta(seconds=retry_in or 0),
            )
        )
    outcome = "delivered" if succeeded else "failed" if expired else "not delivered"
    events.event(
        f"webhook {outcome}",
        delivery["session_id"],
        delivery=delivery_id,
        topic=delivery["topic"].upper(),
        status=status,
        attempt=attempts,
    )
    return retry_in


def _post(
    ctx: DeliveryContext,
    endpoint: str,
    notifications: dict[str, str],
    body: bytes,
    secrets: list[bytes],
) -> tuple[int | None, str | None, int]:
    started = time.perf_counter()
    try:
        target = vet(endpoint, ctx.policy.allowed_networks)
    except TargetRefused as exc:
        return None, str(exc)[:500], 0
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"openidv/{__version__}",
        "Host": target.host_header,
        SIGNATURE_HEADER: signature_header(secrets, int(time.time()), body),
    }
    if authorization := _authorization(notifications):
        headers["Authorization"] = authorization
    deadline = ctx.policy.timeout_seconds
    try:
        # One deadline for the whole exchange: httpx's timeouts apply to each read, so a
        # receiver trickling a byte at a time would otherwise hold this worker for ever.
        status, reason = asyncio.run(
            asyncio.wait_for(
                _exchange(ctx.tls, target.url, target.server_name, body, headers, deadline),
                deadline,
            )
        )
    except TimeoutError:
        latency = int((time.perf_counter() - started) * 1000)
        return None, f"no complete answer within {deadline:g} s", latency
    except httpx.HTTPError as exc:
        latency = int((time.perf_counter() - started) * 1000)
        return None, f"{type(exc).__name__}: {exc}"[:500], latency
    latency = int((time.perf_counter() - started) * 1000)
    return status, None if 200 <= status < 300 else reason, latency


async def _exchange(
    tls: ssl.SSLContext,
    url: str,
    server_name: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> tuple[int, str]:
    """POST and read the status; of the answer's body only ``MAX_ANSWER_BYTES`` are read (a
    receiver's answer means nothing to us beyond its status)."""
    async with (
        httpx.AsyncClient(trust_env=False, verify=tls, timeout=timeout) as http,
        http.stream(
            "POST", url, content=body, headers=headers, follow_redirects=False,
            extensions={"sni_hostname": server_name},
        ) as response,
    ):  # fmt: skip
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= MAX_ANSWER_BYTES:
                break
        return response.status_code, response.reason_phrase
