"""Reviewer accounts: argon2id passwords, lockout, optional TOTP, console sessions, and the
device cookie that lets a reviewer's own browser past an attack on their account."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
import struct
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from openidv.review.models import ConsoleSession, Reviewer
from openidv.store.crypto import KeyRing
from openidv.store.db import table_of

reviewers_t = table_of(Reviewer)
console_sessions_t = table_of(ConsoleSession)

SESSION_LIFETIME = dt.timedelta(hours=8)
# A browser that logged into an account gets a device cookie for it: proof, without a
# CAPTCHA, that it is the reviewer's own. While many addresses guess the account's password,
# logins from unknown addresses are slowed (api/ratelimit.py); one with this cookie is not,
# and its failures count against the device instead of the address it comes from (an
# attacker behind the same NAT cannot use up the reviewer's tries). It authenticates nothing:
# the password and TOTP are still checked. Its MAC key comes from the password hash, so a new
# password retires every device cookie of the account.
DEVICE_LIFETIME = dt.timedelta(days=90)
ROLES = ("reviewer", "admin")
_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps the timing of a wrong e-mail and a
# wrong password the same.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class LoginRefused(Exception):
    """Deliberately vague: the same message for an unknown e-mail, a wrong password, a wrong
    TOTP code and a locked account."""


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    role: str


def add_reviewer(conn: Connection, email: str, password: str, role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if len(password) < 12:
        raise ValueError("passwords need at least 12 characters")
    reviewer_id = str(uuid.uuid4())
    conn.execute(
        insert(reviewers_t),
        {
            "id": reviewer_id,
            "email": email.strip().lower(),
            "password_hash": _hasher.hash(password),
            "role": role,
            "failed_logins": 0,
            "created_at": dt.datetime.now(dt.UTC),
        },
    )
    return reviewer_id


def totp_code(secret: bytes, at: float, step: int = 30) -> str:
    """RFC 6238 TOTP (SHA-1, 6 digits), as authenticator apps compute it."""
    counter = struct.pack(">Q", int(at // step))
    mac = hmac.new(secret, counter, hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def enable_totp(conn: Connection, keyring: KeyRing, email: str) -> str:
    """Give the reviewer a TOTP secret; returns the otpauth:// URI for their app."""
    secret = secrets.token_bytes(20)
    updated = conn.execute(
        update(reviewers_t)
        .where(reviewers_t.c.email == email.lower())
        .values(totp_secret_sealed=keyring.seal_secret(secret, f"totp:{email.lower()}"))
    ).rowcount
    if not updated:
        raise LookupError(email)
    label = base64.b32encode(secret).decode().rstrip("=")
    return f"otpauth://totp/openidv:{email.lower()}?secret={label}&issuer=openidv"


def login(
    conn: Connection,
    keyring: KeyRing,
    email: str,
    password: str,
    totp: str | None,
    now: dt.datetime,
) -> tuple[str, str, Account]:
    """Check the credentials; returns (session cookie value, CSRF token, reviewer)."""
    row = (
        conn.execute(select(reviewers_t).where(reviewers_t.c.email == email.strip().lower()))
        .mappings()
        .one_or_none()
    )
    if row is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise LoginRefused
    locked = row["locked_until"] is not None and row["locked_until"] > now
    try:
        _hasher.verify(row["password_hash"], password)
        ok = True
    except (VerificationError, InvalidHashError):
        ok = False
    if ok and row["totp_secret_sealed"] is not None:
        secret = keyring.unseal_secret(row["totp_secret_sealed"], f"totp:{row['email']}")
        moment = now.timestamp()
        ok = bool(totp) and any(
            hmac.compare_digest(totp_code(secret, moment + drift), totp or "")
            for drift in (-30, 0, 30)
        )
    # Wrong passwords no longer lock the account itself (anyone who knew an e-mail could lock
    # its reviewer out): the console limits failures per account *and address* before this
    # runs (api/ratelimit.py). ``locked_until`` still holds an account an operator locked.
    if locked or not ok or row["disabled_at"] is not None:
        raise LoginRefused
    conn.execute(
        update(reviewers_t)
        .where(reviewers_t.c.id == row["id"])
        .values(failed_logins=0, locked_until=None)
    )
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute(
        insert(console_sessions_t),
        {
            "token_hash": hashlib.sha256(token.encode()).hexdigest(),
            "reviewer_id": row["id"],
            "csrf_token": csrf,
            "created_at": now,
            "expires_at": now + SESSION_LIFETIME,
        },
    )
    return token, csrf, Account(row["id"], row["email"], row["role"])


def current(conn: Connection, token: str | None, now: dt.datetime) -> tuple[Account, str] | None:
    """The reviewer and CSRF token of a live console session, or None."""
    if not token:
        return None
    row = conn.execute(
        select(
            reviewers_t.c.id,
            reviewers_t.c.email,
            reviewers_t.c.role,
            console_sessions_t.c.csrf_token,
        )
        .join(reviewers_t, reviewers_t.c.id == console_sessions_t.c.reviewer_id)
        .where(
            console_sessions_t.c.token_hash == hashlib.sha256(token.encode()).hexdigest(),
            console_sessions_t.c.expires_at > now,
            reviewers_t.c.disabled_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    return Account(row.id, row.email, row.role), row.csrf_token


def logout(conn: Connection, token: str) -> None:
    conn.execute(
        delete(console_sessions_t).where(
            console_sessions_t.c.token_hash == hashlib.sha256(token.encode()).hexdigest()
        )
    )


def _device_mac(password_hash: str, email: str, issued: int) -> str:
    key = hashlib.sha256(b"openidv device cookie\0" + password_hash.encode()).digest()
    return hmac.new(key, f"{email}|{issued}".encode(), hashlib.sha256).hexdigest()


def _password_hash(conn: Connection, email: str) -> str | None:
    found: str | None = conn.execute(
        select(reviewers_t.c.password_hash).where(
            reviewers_t.c.email == email, reviewers_t.c.disabled_at.is_(None)
        )
    ).scalar_one_or_none()
    return found


def device_cookie(conn: Connection, email: str, now: dt.datetime) -> str:
    """The device cookie for ``email``'s account (after a successful login)."""
    email = email.strip().lower()
    password_hash = _password_hash(conn, email)
    if password_hash is None:
        raise LookupError(email)
    issued = int(now.timestamp())
    return f"{issued}.{_device_mac(password_hash, email, issued)}"


def trusted_device(conn: Connection, email: str, cookie: str | None, now: dt.datetime) -> str:
    """The device's id when ``cookie`` is a live device cookie of ``email``'s account, else
    an empty string."""
    issued_text, _, mac = (cookie or "").partition(".")
    if not issued_text.isdigit() or len(mac) != 64:
        return ""
    issued = int(issued_text)
    if not 0 <= now.timestamp() - issued <= DEVICE_LIFETIME.total_seconds():
        return ""
    email = email.strip().lower()
    password_hash = _password_hash(conn, email)
    if password_hash is None or not hmac.compare_digest(
        mac, _device_mac(password_hash, email, issued)
    ):
        return ""
    return mac[:32]
