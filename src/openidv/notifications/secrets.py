"""Per-application webhook signing secrets, sealed under the master key."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, select, update

from openidv.api.models import App
from openidv.store.crypto import KeyRing
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
