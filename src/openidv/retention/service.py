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
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from openidv.notifications.models import Delivery
from openidv.retention.models import DeletionReceipt
from openidv.review.models import Decision
from openidv.sessions import devices, keys, states
from openidv.sessions.models import Check, Media, Resource, Session, Task
from openidv.sessions.service import blob_keys
from openidv.store.blobs import BlobStore
from openidv.store.db import table_of

sessions_t = table_of(Session)
media_t = table_of(Media)
receipts_t = table_of(DeletionReceipt)
decisions_t = table_of(Decision)
deliveries_t = table_of(Delivery)
tasks_t = table_of(Task)
checks_t = table_of(Check)
resources_t = table_of(Resource)

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
                last_updated=now,
            )
        )
        keys.drop(conn, due, keys.CLIENT_TOKEN)
    return due


def purge_session(conn: Connection, session_id: str, reason: str, now: dt.datetime) -> None:
    """Shred the session's key, mark its media deleted, clear what personal data the rows
    hold, and write the receipt.

    Both reasons leave a tombstone that keeps only ids, states and times: the spec (with the
    user_tracking_id and the webhook's auth_token), the sandbox config and whatever a reviewer
    entered go. A session the integrator deleted keeps nothing else either (its checks, tasks,
    resources, decisions and notifications are deleted: it answers 404); one whose
    resources_ttl ran out keeps its results (GET still answers, with the media gone).
    """
    app_id = conn.execute(
        select(sessions_t.c.app_id).where(sessions_t.c.id == session_id)
    ).scalar_one()
    media_count = conn.execute(
        select(func.count())
        .select_from(media_t)
        .where(media_t.c.session_id == session_id, media_t.c.content_deleted_at.is_(None))
    ).scalar_one()
    keys.destroy(conn, session_id)
    values: dict[str, Any] = {
        "client_token_hash": None,
        "purged_at": now,
        "last_updated": now,
        "spec": {},
        "user_tracking_id": None,
        "sandbox_config": None,
    }
    if reason == SESSION_DELETED:
        values["deleted_at"] = now
        values["requirements"] = []
    conn.execute(update(sessions_t).where(sessions_t.c.id == session_id).values(**values))
    devices.forget(conn, session_id)  # addresses and browsers: personal data too
    conn.execute(
        update(decisions_t)
        .where(decisions_t.c.session_id == session_id)
        .values(fields=None, recovery_suggestion=None)
    )
    # Nothing more is announced about a purged session (its endpoint went with the spec).
    conn.execute(
        update(deliveries_t)
        .where(deliveries_t.c.session_id == session_id, deliveries_t.c.state == "PENDING")
        .values(state="FAILED", last_error="session purged", lease_until=None)
    )
    if reason == SESSION_DELETED:
        for table in (tasks_t, checks_t, resources_t, decisions_t, deliveries_t):
            conn.execute(delete(table).where(table.c.session_id == session_id))
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
        for key in blob_keys(blob_key):  # the source and its renditions (derived media)
            blobs.delete(key)
        with engine.begin() as conn:
            conn.execute(
                update(media_t).where(media_t.c.id == media_id).values(blob_deleted_at=now)
            )
    return len(pending)
