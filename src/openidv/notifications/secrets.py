"""Per-application webhook signing secrets, sealed under the master key; each session's
webhook credential, sealed with the session's key."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from sqlalchemy import Connection, select, update

from openidv.api.models import App
from openidv.store.crypto import KeyRing, seal, unseal
from openidv.store.db import table_of

apps_t = table_of(App)


def _purpose(app_id: str) -> str:
    return f"webhook:{app_id}"


def signing_secrets(conn: Connection, keyring: KeyRing, app_id: str) -> list[bytes]:
    """The secrets to sign with, newest first; the first one is created on first use."""
    row = conn.execute(
        select(apps_t.c.webhook_secret_sealed, apps_t.c.previous_webhook_secret_sealed).where(
            apps_t.c.id == app_id
        )
    ).one()
    if row[0] is None:
        fresh = keyring.seal_secret(secrets.token_bytes(32), _purpose(app_id))
        conn.execute(
            update(apps_t)
            .where(apps_t.c.id == app_id, apps_t.c.webhook_secret_sealed.is_(None))
            .values(webhook_secret_sealed=fresh)
        )
        return signing_secrets(conn, keyring, app_id)  # whoever won the race, use theirs
    return [keyring.unseal_secret(sealed, _purpose(app_id)) for sealed in row if sealed is not None]


def rotate(conn: Connection, keyring: KeyRing, app_id: str) -> bytes:
    """Start a rotation: a new secret signs from now on, the old one keeps signing too."""
    current = signing_secrets(conn, keyring, app_id)[0]
    fresh = secrets.token_bytes(32)
    conn.execute(
        update(apps_t)
        .where(apps_t.c.id == app_id)
        .values(
            webhook_secret_sealed=keyring.seal_secret(fresh, _purpose(app_id)),
            previous_webhook_secret_sealed=keyring.seal_secret(current, _purpose(app_id)),
        )
    )
    return fresh


def finish_rotation(conn: Connection, app_id: str) -> None:
    conn.execute(
        update(apps_t).where(apps_t.c.id == app_id).values(previous_webhook_secret_sealed=None)
    )


# The integrator's webhook credential (``notifications.auth_token``: "user:password" or a
# bearer token) is kept sealed with the session's data key (session_secrets), never in clear
# and never in the spec: a database dump does not hand it out, and the purge's shredding of
# the key destroys it with the rest of the session.
SEALED_AUTH_TOKEN = "auth_token_sealed"  # noqa: S105 (where specs before migration 0007 kept it)


def _auth_token_aad(session_id: str) -> bytes:
    return f"webhook-auth-token:{session_id}".encode()


def seal_auth_token(
    notifications: dict[str, Any], data_key: bytes, session_id: str
) -> bytes | None:
    """Take a spec's clear ``auth_token`` out of it, in place; its sealed form, to store."""
    token = notifications.pop("auth_token", None)
    return seal(data_key, token.encode(), _auth_token_aad(session_id)) if token else None


def auth_token(
    notifications: dict[str, Any],
    keyring: KeyRing,
    session_id: str,
    wrapped_key: bytes | None,
    sealed: bytes | None,
) -> str | None:
    """The webhook credential: ``sealed`` (from session_secrets), else one a spec stored
    before migration 0007 (sealed in it, or in clear before sealing)."""
    if sealed is None and notifications.get(SEALED_AUTH_TOKEN):
        sealed = base64.b64decode(notifications[SEALED_AUTH_TOKEN])
    if sealed is None:
        clear: str | None = notifications.get("auth_token")
        return clear
    if wrapped_key is None:  # purged: the credential went with the key
        return None
    data_key = keyring.unwrap(wrapped_key, session_id)
    return unseal(data_key, sealed, _auth_token_aad(session_id)).decode()
