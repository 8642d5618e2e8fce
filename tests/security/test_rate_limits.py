"""Low: no rate limiting anywhere (10,000 bad signatures answered at 726/s), and five wrong
passwords locked any named reviewer out.

Each test builds its own app (its counters start empty) and talks to it through an ASGI
transport, which lets it choose the client's address as a network would show it."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import redis
from fastapi import FastAPI

from openidv.api.apps import generate_key_pair, register_app
from openidv.api.signing import sign
from openidv.app import create_app
from openidv.review.accounts import add_reviewer
from openidv.settings import Settings
from openidv.store.migrate import upgrade
from tests.asyncutil import run_async
from tests.jobs.conftest import REDIS_URL
from tests.security.conftest import DEPLOYMENT_FAILURES_PER_APP, PASSWORD, Deployed

SPEC = json.dumps({"requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY"}]}).encode()


def _app(tmp_path: Path, queue_url: str | None = None) -> FastAPI:
    tmp_path.mkdir(exist_ok=True)
    url = f"sqlite:///{tmp_path / 'openidv.sqlite3'}"
    upgrade(url)
    settings = Settings(
        data_dir=tmp_path, database_url=url, queue_url=queue_url, console_secure_cookies=False,
        queue_name=f"rl-{uuid.uuid4().hex[:8]}",
    )  # fmt: skip
    return create_app(settings)


class Shop:
    def __init__(self, app: FastAPI) -> None:
        self.key, public_pem = generate_key_pair()
        with app.state.engine.begin() as conn:
            self.sdk_id = register_app(conn, "shop", public_pem)

    def create(self, *, good: bool = True) -> tuple[str, dict[str, str]]:
        target = f"/sessions?sdkId={self.sdk_id}&nonce={uuid.uuid4()}&timestamp=1"
        digest = sign(self.key, "POST", target, SPEC if good else b"{}")
        return f"/idverify/v1{target}", {"X-Yoti-Auth-Digest": digest}


@asynccontextmanager
async def _from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://openidv") as client:
        yield client


async def _create(app: FastAPI, shop: Shop, address: str, *, good: bool = True) -> httpx.Response:
    path, headers = shop.create(good=good)
    async with _from(app, address) as client:
        return await client.post(path, content=SPEC, headers=headers)


def _assert_limited(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["retry-after"]) >= 1
    body: dict[str, Any] = answer.json()
    assert body["code"] == "TOO_MANY_REQUESTS" and body["message"]


def test_bad_signatures_are_limited_per_address(tmp_path: Path) -> None:
    app = _app(tmp_path)
    shop = Shop(app)

    async def attack() -> None:
        for _ in range(30):
            assert (await _create(app, shop, "203.0.113.1", good=False)).status_code == 401
        _assert_limited(await _create(app, shop, "203.0.113.1", good=False))
        _assert_limited(await _create(app, shop, "203.0.113.1"))  # refused before verifying
        assert (await _create(app, shop, "198.51.100.2")).status_code == 201  # others are not

    run_async(attack())


def test_bad_signatures_are_limited_per_application(tmp_path: Path) -> None:
    app = _app(tmp_path)
    shop, other = Shop(app), Shop(app)

    async def attack() -> None:
        for n in range(600):  # 20 addresses, each under its own limit
            await _create(app, shop, f"203.0.113.{n // 30 + 1}", good=False)
        _assert_limited(await _create(app, shop, "198.51.100.9", good=False))
        assert (await _create(app, other, "198.51.100.9")).status_code == 201

    run_async(attack())


def test_bad_client_tokens_are_limited_per_address(tmp_path: Path) -> None:
    app = _app(tmp_path)
    shop = Shop(app)

    async def attack() -> None:
        created = (await _create(app, shop, "198.51.100.3")).json()
        url = f"/idverify/v1/client/sessions/{created['session_id']}/configuration"
        async with _from(app, "203.0.113.5") as attacker:
            for _ in range(30):
                guess = await attacker.get(url, headers={"X-Yoti-Auth-Token": uuid.uuid4().hex})
                assert guess.status_code == 401
            _assert_limited(await attacker.get(url, headers={"X-Yoti-Auth-Token": "x"}))
        async with _from(app, "198.51.100.3") as user:
            token = {"X-Yoti-Auth-Token": created["client_session_token"]}
            assert (await user.get(url, headers=token)).status_code == 200

    run_async(attack())


async def _login(
    app: FastAPI, address: str, email: str, password: str, device: str | None = None
) -> httpx.Response:
    async with _from(app, address) as browser:
        if device:
            browser.cookies.set("openidv_device", device, path="/console/login")
        form = await browser.get("/console/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text
        return await browser.post(
            "/console/login",
            data={"csrf": csrf.group(1), "email": email, "password": password},
        )


def test_an_outsider_cannot_lock_a_reviewer_out(tmp_path: Path) -> None:
    app = _app(tmp_path)
    with app.state.engine.begin() as conn:
        add_reviewer(conn, "carol@example.com", PASSWORD, "reviewer")

    async def attack() -> None:
        for _ in range(5):
            wrong = await _login(app, "203.0.113.7", "carol@example.com", "not the password!")
            assert wrong.status_code == 401
        limited = await _login(app, "203.0.113.7", "carol@example.com", PASSWORD)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        # Carol, elsewhere, is not locked out.
        assert (await _login(app, "198.51.100.7", "carol@example.com", PASSWORD)).status_code == 303

    run_async(attack())


def test_password_spraying_from_one_address_is_limited(tmp_path: Path) -> None:
    app = _app(tmp_path)

    async def attack() -> None:
        for n in range(20):
            sprayed = await _login(app, "203.0.113.8", f"user{n}@example.com", "Winter2026!!!")
            assert sprayed.status_code == 401
        limited = await _login(app, "203.0.113.8", "someone@example.com", "Winter2026!!!")
        assert limited.status_code == 429

    run_async(attack())


def test_counters_are_shared_through_redis(tmp_path: Path) -> None:
    """Two web processes' apps on one Redis: failures counted by one are refused by the
    other (the embedded default counts in its one process)."""
    first, second = _app(tmp_path / "a", REDIS_URL), _app(tmp_path / "b", REDIS_URL)
    shop_a, shop_b = Shop(first), Shop(second)
    address = f"203.0.113.{uuid.uuid4().int % 200 + 20}"

    async def attack() -> None:
        for _ in range(30):
            assert (await _create(first, shop_a, address, good=False)).status_code == 401
        _assert_limited(await _create(second, shop_b, address, good=False))

    run_async(attack())


async def _timed_login(
    app: FastAPI, address: str, email: str, password: str, **kw: Any
) -> tuple[int, float]:
    started = time.perf_counter()
    answer = await _login(app, address, email, password, **kw)
    return answer.status_code, time.perf_counter() - started


def test_many_addresses_guessing_one_account_only_slow_unknown_clients(tmp_path: Path) -> None:
    """Distributed guessing: each address stays under its own five; past the account's
    forty failures, clients that never logged into it are slowed, never refused. A refusal
    was the outsider's lever: the reviewer, logging in from a new address during the attack,
    was turned away. Now they get in (after the wait), and not even that wait from the
    address or the browser (device cookie) they logged in with before."""
    app = _app(tmp_path)
    with app.state.engine.begin() as conn:
        add_reviewer(conn, "dave@example.com", PASSWORD, "reviewer")
    slow = app.state.console.failures.rules.login_slow_seconds

    async def attack() -> None:
        first = await _login(app, "198.51.100.9", "dave@example.com", PASSWORD)
        assert first.status_code == 303
        device = first.cookies["openidv_device"]
        for n in range(40):  # ten addresses, four wrong passwords each
            address = f"203.0.113.{100 + n // 4}"
            wrong = await _login(app, address, "dave@example.com", f"guess {n}!!!!!!")
            assert wrong.status_code == 401, (n, wrong.status_code)
        # A fresh address of the botnet: slowed, and its guess still wrong.
        status, took = await _timed_login(app, "192.0.2.77", "dave@example.com", "guess x!!!!!!")
        assert status == 401 and took >= slow
        # Dave on a new network (a hotel): slowed too, but let in.
        status, took = await _timed_login(app, "192.0.2.78", "dave@example.com", PASSWORD)
        assert status == 303 and took >= slow
        # Dave's own browser on yet another address, and his usual address: not slowed (the
        # slow-down sleeps before argon2, so anything under it was not slowed).
        status, took = await _timed_login(
            app, "192.0.2.79", "dave@example.com", PASSWORD, device=device
        )
        assert status == 303 and took < slow
        status, took = await _timed_login(app, "198.51.100.9", "dave@example.com", PASSWORD)
        assert status == 303 and took < slow
        # Another account is not touched.
        other = await _login(app, "192.0.2.77", "erin@example.com", "whatever it is!!")
        assert other.status_code == 401

    run_async(attack())


def test_device_cookie_keeps_the_reviewer_in_behind_the_attackers_address(
    tmp_path: Path,
) -> None:
    """An attacker behind the reviewer's own address (an office NAT) uses up that address's
    five tries on the account: the reviewer's browser, with its device cookie, has five of
    its own. A forged or another account's cookie counts for nothing."""
    app = _app(tmp_path)
    with app.state.engine.begin() as conn:
        add_reviewer(conn, "gina@example.com", PASSWORD, "reviewer")
        add_reviewer(conn, "hal@example.com", PASSWORD, "reviewer")

    async def attack() -> None:
        device = (await _login(app, "198.51.100.20", "gina@example.com", PASSWORD)).cookies[
            "openidv_device"
        ]
        hals = (await _login(app, "198.51.100.21", "hal@example.com", PASSWORD)).cookies[
            "openidv_device"
        ]
        for _ in range(5):
            wrong = await _login(app, "198.51.100.20", "gina@example.com", "not it at all!!")
            assert wrong.status_code == 401
        refused = await _login(app, "198.51.100.20", "gina@example.com", PASSWORD)
        assert refused.status_code == 429
        forged = device.split(".")[0] + "." + "0" * 64
        for cookie in (forged, hals):
            other = await _login(app, "198.51.100.20", "gina@example.com", PASSWORD, device=cookie)
            assert other.status_code == 429
        mine = await _login(app, "198.51.100.20", "gina@example.com", PASSWORD, device=device)
        assert mine.status_code == 303

    run_async(attack())


def test_many_accounts_from_one_address_stay_limited_per_address(tmp_path: Path) -> None:
    """The other direction (one client, many names) with a real account among them: the
    address is refused before the right password is even checked."""
    app = _app(tmp_path)
    with app.state.engine.begin() as conn:
        add_reviewer(conn, "frank@example.com", PASSWORD, "reviewer")

    async def attack() -> None:
        for n in range(20):
            await _login(app, "203.0.113.9", f"name{n}@example.com", "Spring2026!!!")
        limited = await _login(app, "203.0.113.9", "frank@example.com", PASSWORD)
        assert limited.status_code == 429
        elsewhere = await _login(app, "198.51.100.10", "frank@example.com", PASSWORD)
        assert elsewhere.status_code == 303

    run_async(attack())


def test_the_deployment_s_web_processes_share_their_counters(deployed_target: Deployed) -> None:
    """``openidv web --workers 2`` on Redis, reached over the network: each request on a
    new connection (either process may answer it). The application's failures are counted
    in Redis, once each, and every process refuses it once they reach the limit (with a
    counter in each process, forty failures split between two leave both under it)."""
    with deployed_target.integrator() as shop:
        shop.http.headers["Connection"] = "close"
        for _ in range(DEPLOYMENT_FAILURES_PER_APP):
            assert shop.create(SPEC, sign_body=b"{}").status_code == 401
        counted = redis.Redis.from_url(REDIS_URL).get(f"openidv:rl:sig-app:{shop.sdk_id}")
        assert int(counted or 0) == DEPLOYMENT_FAILURES_PER_APP
        for _ in range(6):
            _assert_limited(shop.create(SPEC))  # even signed right: refused before verifying
