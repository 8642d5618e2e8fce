"""Many integrator calls at once: every create lands, and a nonce is spent exactly once even
when its replays arrive in the same instant (on SQLite they share one group commit)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

from openidv.api.signing import sign
from openidv.sessions.models import Session
from openidv.store.db import table_of
from tests.api.payloads import seed
from tests.asyncutil import run_async
from tests.conftest import Integrator, Server

BODY = json.dumps(seed()).encode()


def _signed_target(integrator: Integrator, nonce: str | None = None) -> tuple[str, str]:
    query = urlencode(
        {
            "sdkId": integrator.sdk_id,
            "nonce": nonce or str(uuid.uuid4()),
            "timestamp": int(time.time() * 1000),
        }
    )
    target = f"/sessions?{query}"
    return target, sign(integrator.key, "POST", target, BODY)


async def _post_all(base_url: str, signed: list[tuple[str, str]]) -> list[int]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    target,
                    content=BODY,
                    headers={"X-Yoti-Auth-Digest": digest, "Content-Type": "application/json"},
                )
                for target, digest in signed
            )
        )
    return [r.status_code for r in responses]


def _sessions_of(server: Server, sdk_id: str) -> int:
    sessions = table_of(Session)
    with server.app.state.engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(sessions).where(sessions.c.app_id == sdk_id)
        ).scalar_one()
    return int(count)


def test_concurrent_creates_all_land(server: Server, integrator: Integrator) -> None:
    signed = [_signed_target(integrator) for _ in range(60)]
    statuses = run_async(_post_all(server.base_url, signed))
    assert statuses == [201] * 60
    assert _sessions_of(server, integrator.sdk_id) == 60


def test_concurrent_replays_spend_the_nonce_once(server: Server, integrator: Integrator) -> None:
    signed = [_signed_target(integrator, nonce="same-nonce-" + uuid.uuid4().hex)] * 20
    statuses = run_async(_post_all(server.base_url, signed))
    assert sorted(statuses) == [201] + [401] * 19
    assert _sessions_of(server, integrator.sdk_id) == 1


def test_refusals_do_not_disturb_their_batch(server: Server, integrator: Integrator) -> None:
    """Good and bad requests interleaved: the bad ones' writes are undone, the good ones land."""
    good = [_signed_target(integrator) for _ in range(20)]
    bad_body = json.dumps({"client_session_token_ttl": 1}).encode()
    bad = []
    for _ in range(20):
        query = urlencode(
            {
                "sdkId": integrator.sdk_id,
                "nonce": str(uuid.uuid4()),
                "timestamp": int(time.time() * 1000),
            }
        )
        bad.append(
            (f"/sessions?{query}", sign(integrator.key, "POST", f"/sessions?{query}", bad_body))
        )

    async def mixed() -> list[int]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            calls = []
            for (g_target, g_digest), (b_target, b_digest) in zip(good, bad, strict=True):
                calls.append(
                    client.post(g_target, content=BODY, headers={"X-Yoti-Auth-Digest": g_digest})
                )
                calls.append(
                    client.post(
                        b_target, content=bad_body, headers={"X-Yoti-Auth-Digest": b_digest}
                    )
                )
            return [r.status_code for r in await asyncio.gather(*calls)]

    statuses = run_async(mixed())
    assert statuses == [201, 400] * 20
    assert _sessions_of(server, integrator.sdk_id) == 20
