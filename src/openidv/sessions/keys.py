"""Where a session's wrapped data key lives: its own row in ``session_keys``, deleted at purge.

Every reader goes through ``wrapped_key``: None means the session's data is gone (purged), or
the session never existed.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from openidv.sessions.models import SessionKey
from openidv.store.db import FastStatement, table_of

keys_t = table_of(SessionKey)

# On the create path (see store.db.FastStatement).
INSERT_KEY = FastStatement(insert(keys_t), ["session_id", "wrapped_data_key"])


def wrapped_key(conn: Connection, session_id: str) -> bytes | None:
    found: bytes | None = conn.execute(
        select(keys_t.c.wrapped_data_key).where(keys_t.c.session_id == session_id)
    ).scalar_one_or_none()
    return found


def destroy(conn: Connection, session_id: str) -> None:
    """Delete the session's key: from this commit on no blob or sealed field of the session
    opens, wherever copies of them are. Its bytes leave the database's pages with the next
    ``retention.erasure.erase_destroyed_keys``."""
    conn.execute(delete(keys_t).where(keys_t.c.session_id == session_id))
