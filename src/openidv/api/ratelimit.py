"""Failure rate limits: bad signatures, bad client tokens, wrong console passwords.

Only failures are counted, in fixed windows per key (an application, an address, an account
from an address); a key that reached its limit is refused with 429 and ``Retry-After`` until
its window ends, before any signature is verified, token looked up or password hashed.
Successful requests are never counted, so an integrator's own traffic cannot trip a limit.

Counters live in the web process (embedded default) or in Redis when the queue is Redis
(``OPENIDV_QUEUE_URL=redis://...``), so that N web processes share them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

from openidv.api.errors import ApiError


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int  # failures per window
    window_seconds: int


@dataclass(frozen=True)
class Rules:
    # Per address: what one client may get wrong. Per application: high enough that a flood
    # from many addresses must be large to trip it (and then it blocks that app for a minute).
    signature_per_address: Rule = Rule("sig-addr", 30, 60)
    signature_per_app: Rule = Rule("sig-app", 600, 60)
    token_per_address: Rule = Rule("token-addr", 30, 60)
    # Console: five tries for one account from one address (an outsider elsewhere cannot lock
    # the account out), twenty for one address over all accounts (spraying).
    login_per_account_address: Rule = Rule("login-acct", 5, 900)
    login_per_address: Rule = Rule("login-addr", 20, 900)
    # A browser with the account's device cookie: five tries of its own, wherever it is.
    login_per_device: Rule = Rule("login-dev", 5, 900)
    # Many clients guessing one account's password (a botnet stays under each address's
    # five): past forty failures on the account from anywhere, a login from an address and
    # browser that never logged into it waits ``login_slow_seconds`` before its password is
    # checked, right or wrong. Never a refusal: whoever can make the account refuse new
    # addresses can lock its reviewer out of a new device at will. An address that logged in
    # (``login_known``, 30 days) or a browser with the account's device cookie
    # (review/accounts.py) is not slowed.
    login_per_account: Rule = Rule("login-any", 40, 900)
    login_known: Rule = Rule("login-known", 1, 30 * 86400)
    login_slow_seconds: float = 3.0

    @classmethod
    def configured(cls, per_address: int, per_app: int) -> Rules:
        return cls(
            signature_per_address=Rule("sig-addr", per_address, 60),
            signature_per_app=Rule("sig-app", per_app, 60),
            token_per_address=Rule("token-addr", per_address, 60),
        )


class Counter(Protocol):
    async def count(self, key: str) -> tuple[int, float]:
        """Failures in the key's current window and seconds until it ends."""

    async def add(self, key: str, window_seconds: int) -> None: ...


class MemoryCounter:
    """One process's counters (the embedded default runs one web process)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}

    async def count(self, key: str) -> tuple[int, float]:
        found = self._windows.get(key)
        now = time.monotonic()
        if found is None or found[1] <= now:
            return 0, 0.0
        return found[0], found[1] - now

    async def add(self, key: str, window_seconds: int) -> None:
        now = time.monotonic()
        if len(self._windows) > 100_000:  # a flood of keys: forget the finished windows
            self._windows = {k: v for k, v in self._windows.items() if v[1] > now}
        count, ends = self._windows.get(key, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + window_seconds
        self._windows[key] = (count + 1, ends)


class RedisCounter:
    """Counters shared by every web process: INCR, with the window as the key's TTL."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._client: object | None = None

    def _redis(self) -> object:
        if self._client is None:
            import redis.asyncio  # noqa: PLC0415 (only deployments with Redis need it)

            self._client = redis.asyncio.Redis.from_url(self._url)
        return self._client

    async def count(self, key: str) -> tuple[int, float]:
        client = self._redis()
        pipe = client.pipeline()  # type: ignore[attr-defined]
        pipe.get(f"openidv:rl:{key}")
        pipe.pttl(f"openidv:rl:{key}")
        value, ttl = await pipe.execute()
        return int(value or 0), max(0.0, (ttl or 0) / 1000)

    async def add(self, key: str, window_seconds: int) -> None:
        client = self._redis()
        name = f"openidv:rl:{key}"
        pipe = client.pipeline()  # type: ignore[attr-defined]
        pipe.incr(name)
        pipe.expire(name, window_seconds, nx=True)  # the window starts at the first failure
        await pipe.execute()


def too_many(retry_after: float) -> ApiError:
    seconds = max(1, math.ceil(retry_after))
    return ApiError(
        429,
        "TOO_MANY_REQUESTS",
        "Too many failed attempts; try again later",
        headers={"Retry-After": str(seconds)},
    )


class Limiter:
    def __init__(self, counter: Counter, rules: Rules | None = None) -> None:
        self._counter = counter
        self.rules = rules or Rules()

    async def check(self, *keys: tuple[Rule, str]) -> float | None:
        """Seconds to wait when any key is over its limit, else None."""
        waits = []
        for rule, key in keys:
            count, remaining = await self._counter.count(f"{rule.name}:{key}")
            if count >= rule.limit:
                waits.append(remaining)
        return max(waits) if waits else None

    async def refuse_if_over(self, *keys: tuple[Rule, str]) -> None:
        wait = await self.check(*keys)
        if wait is not None:
            raise too_many(wait)

    async def failed(self, *keys: tuple[Rule, str]) -> None:
        for rule, key in keys:
            await self._counter.add(f"{rule.name}:{key}", rule.window_seconds)

    # -- console logins: per account from an address, per address, per account ------------

    def _login_keys(
        self, email: str, address: str, device: str = ""
    ) -> tuple[tuple[Rule, str], ...]:
        if device:  # the reviewer's own browser (review/accounts.py's device cookie)
            return ((self.rules.login_per_device, f"{self._account(email)}|{device}"),)
        return (
            (self.rules.login_per_account_address, f"{self._account(email)}|{address}"),
            (self.rules.login_per_address, address),
        )

    @staticmethod
    def _account(email: str) -> str:
        return email.strip().lower()[:320]

    async def login_wait(self, email: str, address: str, device: str = "") -> float | None:
        """Seconds this client must wait before trying ``email`` again, else None (checked
        before the password is hashed). Only the client's own budgets refuse: its address's,
        or its device's when it shows the account's device cookie."""
        return await self.check(*self._login_keys(email, address, device))

    async def login_slowed(self, email: str, address: str) -> bool:
        """Whether the account is under a distributed guessing attack and this address
        never logged into it (the caller then waits ``login_slow_seconds``, unless the
        browser shows the account's device cookie)."""
        account = self._account(email)
        if await self.check((self.rules.login_per_account, account)) is None:
            return False
        known, _ = await self._counter.count(f"{self.rules.login_known.name}:{account}|{address}")
        return not known

    async def login_failed(self, email: str, address: str, device: str = "") -> None:
        await self.failed(
            *self._login_keys(email, address, device),
            (self.rules.login_per_account, self._account(email)),
        )

    async def login_succeeded(self, email: str, address: str) -> None:
        """Remember the address the account logged in from (exempt from the account-wide
        limit), for ``login_known``'s window."""
        rule = self.rules.login_known
        key = f"{rule.name}:{self._account(email)}|{address}"
        if not (await self._counter.count(key))[0]:
            await self._counter.add(key, rule.window_seconds)


def make_limiter(queue_url: str | None, rules: Rules | None = None) -> Limiter:
    if queue_url and queue_url.startswith(("redis://", "rediss://", "unix://")):
        return Limiter(RedisCounter(queue_url), rules)
    return Limiter(MemoryCounter(), rules)
