"""A session's data key and the small values sealed with it, in ``session_secrets``.

One row per secret, by name: the wrapped data key (``DATA_KEY``), the sealed client token,
the sealed webhook credential, each decision's sealed entered fields. A purge deletes every
row of the session (``destroy``), and retention.erasure then rewrites the table so that their
bytes leave the database's pages too; the other tables keep nothing that the key sealed.

``wrapped_key`` answers None when the session's data is gone (purged), or it never existed.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, delete, insert, select

from openidv.sessions.models import SessionSecret
from openidv.store.db import FastStatement, table_of

secrets_t = table_of(SessionSecret)

# The names of the secrets (not secrets themselves).
DATA_KEY = "data_key"
CLIENT_TOKEN = "client_token"  # noqa: S105
WEBHOOK_AUTH_TOKEN = "webhook_auth_token"  # noqa: S105

# On the create path (see store.db.FastStatement).
_INSERT = FastStatement(insert(secrets_t), ["session_id", "name", "value"])


def decision_fields(decision_id: str) -> str:
    return f"decision_fields:{decision_id}"


def put_all(conn: Connection, session_id: str, values: Mapping[str, bytes | None]) -> None:
    """Store a new session's secrets (the Nones are skipped)."""
    rows = [{"session_id": session_id, "name": name, "value": value}
            for name, value in values.items() if value is not None]  # fmt: skip
    if rows:
        _INSERT.run(conn, *rows)


def put(conn: Connection, session_id: str, name: str, value: bytes) -> None:
    conn.execute(insert(secrets_t), {"session_id": session_id, "name": name, "value": value})


def get(conn: Connection, session_id: str, name: str) -> bytes | None:
    found: bytes | None = conn.execute(
        select(secrets_t.c.value).where(
            secrets_t.c.session_id == session_id, secrets_t.c.name == name
        )
    ).scalar_one_or_none()
    return found


def wrapped_key(conn: Connection, session_id: str) -> bytes | None:
    return get(conn, session_id, DATA_KEY)


def drop(conn: Connection, session_ids: list[str], name: str) -> None:
    """Forget one secret of these sessions (a client token once it may no longer be shown)."""
    conn.execute(
        delete(secrets_t).where(secrets_t.c.session_id.in_(session_ids), secrets_t.c.name == name)
    )


def destroy(conn: Connection, session_id: str) -> None:
    """Delete the session's key and all it sealed here: from this commit on no blob or
    sealed value of the session opens, wherever copies of them are. Their bytes leave the
    database's pages with the next ``retention.erasure.erase_destroyed_keys``."""
    conn.execute(delete(secrets_t).where(secrets_t.c.session_id == session_id))
