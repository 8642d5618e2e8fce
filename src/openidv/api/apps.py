"""The application registry (Yoti Hub's job): SDK ids and the public keys that sign for them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Connection, insert, select, update

from openidv.api.models import App
from openidv.api.signing import load_public_key, public_key_pem
from openidv.store.db import table_of, utcnow

apps_t = table_of(App)


class AppNotFound(Exception):
    pass


@dataclass(frozen=True)
class AppInfo:
    sdk_id: str
    name: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    sandbox: bool


def generate_key_pair() -> tuple[rsa.RSAPrivateKey, str]:
    """A 2048-bit key pair as Yoti Hub issues it; returns the key and its public PEM."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private_key, public_key_pem(private_key.public_key())


def private_key_pem(private_key: rsa.RSAPrivateKey) -> bytes:
    # PKCS#1 "BEGIN RSA PRIVATE KEY", the format Yoti Hub hands out and every SDK reads.
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def register_app(conn: Connection, name: str, public_pem: str, *, sandbox: bool = False) -> str:
    """Register an application by its public key; returns the new SDK id."""
    key = load_public_key(public_pem)  # refuses anything but RSA >= 2048 bits
    sdk_id = str(uuid.uuid4())
    conn.execute(
        insert(apps_t),
        {
            "id": sdk_id,
            "name": name,
            "public_key_pem": public_key_pem(key),
            "created_at": utcnow(),
            "sandbox": sandbox,
        },
    )
    return sdk_id


def list_apps(conn: Connection) -> list[AppInfo]:
    rows = conn.execute(select(apps_t).order_by(apps_t.c.created_at)).mappings()
    return [
        AppInfo(r["id"], r["name"], r["created_at"], r["disabled_at"], r["sandbox"]) for r in rows
    ]


def disable_app(conn: Connection, sdk_id: str) -> None:
    result = conn.execute(
        update(apps_t)
        .where(apps_t.c.id == sdk_id, apps_t.c.disabled_at.is_(None))
        .values(disabled_at=utcnow())
    )
    if result.rowcount == 0:
        exists = conn.execute(select(apps_t.c.id).where(apps_t.c.id == sdk_id)).first()
        if exists is None:
            raise AppNotFound(sdk_id)


def rotate_key(conn: Connection, sdk_id: str, public_pem: str) -> None:
    """Replace the application's public key: requests signed with the old key fail from now on
    (the SDK ID stays, so the integrator changes only its key file)."""
    key = load_public_key(public_pem)
    updated = conn.execute(
        update(apps_t).where(apps_t.c.id == sdk_id).values(public_key_pem=public_key_pem(key))
    ).rowcount
    if not updated:
        raise AppNotFound(sdk_id)
