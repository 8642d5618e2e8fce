"""Reviewer accounts on their own: TOTP as authenticator apps compute it, lockout, sessions."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, update

from openidv.review import accounts
from openidv.store.crypto import KeyRing
from openidv.store.db import make_engine
from openidv.store.migrate import upgrade

PASSWORD = "a long enough password"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    return make_engine(url)


def test_rfc6238_vector() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) -> 287082 in 6 digits.
    assert accounts.totp_code(b"12345678901234567890", 59) == "287082"


def test_totp_is_required_once_enabled(engine: Engine) -> None:
    keyring = KeyRing(secrets.token_bytes(32))
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        accounts.add_reviewer(conn, "dana@example.com", PASSWORD, "admin")
        uri = accounts.enable_totp(conn, keyring, "dana@example.com")
    label = parse_qs(urlsplit(uri).query)["secret"][0]
    secret = base64.b32decode(label + "=" * (-len(label) % 8))
    with engine.begin() as conn, pytest.raises(accounts.LoginRefused):
        accounts.login(conn, keyring, "dana@example.com", PASSWORD, None, now)
    with engine.begin() as conn:
        code = accounts.totp_code(secret, now.timestamp())
        token, csrf, who = accounts.login(conn, keyring, "dana@example.com", PASSWORD, code, now)
    assert who.role == "admin" and csrf
    with engine.connect() as conn:
        found = accounts.current(conn, token, now)
        assert found is not None and found[0].email == "dana@example.com"
        assert accounts.current(conn, token, now + accounts.SESSION_LIFETIME) is None


def test_wrong_passwords_alone_do_not_lock_the_account_and_short_passwords(
    engine: Engine,
) -> None:
    """Failures are limited per account and address before login runs (api/ratelimit.py,
    tests/security/test_rate_limits.py); the account itself is not locked by them, or anyone
    could lock any reviewer out. An operator's lock (locked_until) still holds."""
    keyring = KeyRing(secrets.token_bytes(32))
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn, pytest.raises(ValueError, match="12 characters"):
        accounts.add_reviewer(conn, "eve@example.com", "short", "reviewer")
    with engine.begin() as conn:
        accounts.add_reviewer(conn, "eve@example.com", PASSWORD, "reviewer")
    for _ in range(10):
        with engine.begin() as conn, pytest.raises(accounts.LoginRefused):
            accounts.login(conn, keyring, "eve@example.com", "wrong password!!", None, now)
    with engine.begin() as conn:
        accounts.login(conn, keyring, "eve@example.com", PASSWORD, None, now)
        conn.execute(
            update(accounts.reviewers_t)
            .where(accounts.reviewers_t.c.email == "eve@example.com")
            .values(locked_until=now + dt.timedelta(minutes=5))
        )
    with engine.begin() as conn, pytest.raises(accounts.LoginRefused):
        accounts.login(conn, keyring, "eve@example.com", PASSWORD, None, now)
