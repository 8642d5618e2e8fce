"""Expiry and purge.

A purge destroys the session's wrapped data key first (crypto-shredding: every blob of the
session is unreadable from that commit on, including copies in backups or replicas), then the
blobs themselves, and leaves a deletion receipt that says what was destroyed, when and why,
without any personal data. Blob removal is retried until the store confirms it
(``media.blob_deleted_at``), so a crash between the two steps leaves only ciphertext behind,
and not for long.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Connection, Engine, func, insert, select, update

from openidv.retention.models import DeletionReceipt
from openidv.sessions import devices, states
from openidv.sessions.models import Media, Session
from openidv.store.blobs import BlobStore
from openidv.store.db import table_of

sessions_t = table_of(Session)
media_t = table_of(Media)
receipts_t = table_of(DeletionReceipt)

RESOURCES_TTL = "RESOURCES_TTL"
SESSION_DELETED = "SESSION_DELETED"
MEDIA_DELETED = "MEDIA_DELETED"


def expire_sessions(conn: Connection, now: dt.datetime, limit: int = 500) -> list[str]:
    """Sessions whose end user never submitted and whose token has run out become EXPIRED."""
    due = list(
        conn.execute(
            select(sessions_t.c.id)
            .where(
                sessions_t.c.state == states.ONGOING,
                sessions_t.c.submitted_at.is_(None),
                sessions_t.c.deleted_at.is_(None),
                sessions_t.c.client_token_expires_at <= now,
            )
            .limit(limit)
        ).scalars()
    )
    if due:
        conn.execute(
            update(sessions_t)
            .where(sessions_t.c.id.in_(due), sessions_t.c.state == states.ONGOING)
            .values(
                state=states.EXPIRED,
                client_token_hash=None,
                client_token_sealed=None,
                last_updated=now,
            )
        )
    return due


def purge_session(conn: Connection, session_id: str, reason: str, now: dt.datetime) -> None:
    """Shred the session's key, mark its media deleted, and write the receipt."""
    app_id = conn.execute(
        select(sessions_t.c.app_id).where(sessions_t.c.id == session_id)
    ).scalar_one()
    media_count = conn.execute(
        select(func.count())
        .select_from(media_t)
        .where(media_t.c.session_id == session_id, media_t.c.content_deleted_at.is_(None))
    ).scalar_one()
    values = {
        "wrapped_data_key": None,
        "client_token_hash": None,
        "client_token_sealed": None,
        "purged_at": now,
        "last_updated": now,
    }
    if reason == SESSION_DELETED:
        values["deleted_at"] = now
    conn.execute(update(sessions_t).where(sessions_t.c.id == session_id).values(**values))
    devices.forget(conn, session_id)  # addresses and browsers: personal data too
    conn.execute(
        update(media_t)
        .where(media_t.c.session_id == session_id, media_t.c.content_deleted_at.is_(None))
        .values(content_deleted_at=now, last_updated=now)
    )
    conn.execute(
        insert(receipts_t),
        {
            "id": str(uuid.uuid4()),
            "session_id": session_id,
            "app_id": app_id,
            "reason": reason,
            "media_destroyed": media_count,
            "purged_at": now,
            "details": {"key_destroyed": True},
        },
    )


def purge_expired(conn: Connection, now: dt.datetime, limit: int = 200) -> list[str]:
    """Purge every session whose resources_ttl has run out; returns their ids."""
    due = list(
        conn.execute(
            select(sessions_t.c.id)
            .where(sessions_t.c.purged_at.is_(None), sessions_t.c.resources_expire_at <= now)
            .limit(limit)
        ).scalars()
    )
    for session_id in due:
        purge_session(conn, session_id, RESOURCES_TTL, now)
    return due


def remove_deleted_blobs(
    engine: Engine, blobs: BlobStore, now: dt.datetime, limit: int = 500
) -> int:
    """Delete the blobs of deleted media from the store; returns how many were removed."""
    with engine.connect() as conn:
        pending = conn.execute(
            select(media_t.c.id, media_t.c.blob_key)
            .where(media_t.c.content_deleted_at.is_not(None), media_t.c.blob_deleted_at.is_(None))
            .limit(limit)
        ).all()
    for media_id, blob_key in pending:
        blobs.delete(blob_key)
        with engine.begin() as conn:
            conn.execute(
                update(media_t).where(media_t.c.id == media_id).values(blob_deleted_at=now)
            )
    return len(pending)
