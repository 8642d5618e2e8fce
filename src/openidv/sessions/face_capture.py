"""The relying business's face for FACE_COMPARISON (and any ID_DOCUMENT_FACE_MATCH): the
FACE_CAPTURE resource of a requirement and its one image, uploaded through the signed API."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Connection, insert, select, update

from openidv.sessions.access import EvidenceRefused, find_requirement, open_session
from openidv.sessions.models import Resource
from openidv.sessions.service import SessionContext, store_media
from openidv.store.db import table_of

resources_t = table_of(Resource)


def add_face_capture(
    conn: Connection, session_id: str, requirement_id: str, now: dt.datetime
) -> str:
    """The relying business starts the FACE_CAPTURE resource of a requirement (another call
    replaces it, as the user's choice of document does)."""
    session = open_session(conn, session_id, now)
    if find_requirement(session, requirement_id)["type"] != "FACE_CAPTURE":
        raise EvidenceRefused("NOT_FACE_CAPTURE", "The requirement is not a FACE_CAPTURE")
    conn.execute(
        resources_t.delete().where(
            resources_t.c.session_id == session_id, resources_t.c.requirement_id == requirement_id
        )
    )
    resource_id = str(uuid.uuid4())
    conn.execute(
        insert(resources_t),
        {
            "id": resource_id, "session_id": session_id, "requirement_id": requirement_id,
            "type": "FACE_CAPTURE", "content": {}, "created_at": now, "last_updated": now,
        },
    )  # fmt: skip
    return resource_id


def set_face_capture_image(
    conn: Connection,
    ctx: SessionContext,
    session_id: str,
    resource_id: str,
    now: dt.datetime,
    *,
    content: bytes,
    content_type: str,
) -> str:
    """Store the uploaded face of a FACE_CAPTURE resource (a new one replaces it)."""
    open_session(conn, session_id, now)
    resource = conn.execute(
        select(resources_t.c.id).where(
            resources_t.c.id == resource_id,
            resources_t.c.session_id == session_id,
            resources_t.c.type == "FACE_CAPTURE",
        )
    ).first()
    if resource is None:
        raise EvidenceRefused("UNKNOWN_RESOURCE", "The session has no such face-capture resource")
    media_id = store_media(
        conn, ctx, session_id, content=content, content_type=content_type, media_type="IMAGE",
        now=now,
    )  # fmt: skip
    conn.execute(
        update(resources_t)
        .where(resources_t.c.id == resource_id)
        .values(content={"image": media_id}, last_updated=now)
    )
    return media_id
