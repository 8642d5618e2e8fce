"""Creating, reading and deleting sessions, scoped to the application that owns them.

Every function takes an open database connection inside a transaction that the caller commits:
the request (or task) is the unit of work. A session another application owns is reported as
not found, never as forbidden, so session ids leak nothing across applications.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import RowMapping

from openidv.notifications.secrets import seal_auth_token
from openidv.sessions import events, keys
from openidv.sessions import results as out
from openidv.sessions import spec as wire
from openidv.sessions.filters import filtered_countries
from openidv.sessions.models import Check, Media, Resource, Session, Task
from openidv.sessions.rules import SessionPlan, SpecPolicy, plan_session
from openidv.store.blobs import BlobStore
from openidv.store.crypto import KeyRing, seal, unseal
from openidv.store.db import FastStatement, table_of

sessions_t = table_of(Session)
checks_t = table_of(Check)
media_t = table_of(Media)
resources_t = table_of(Resource)
tasks_t = table_of(Task)

ONGOING, COMPLETED, EXPIRED = "ONGOING", "COMPLETED", "EXPIRED"

# The create path's statements, compiled once (see store.db.FastStatement).
_INSERT_SESSION = FastStatement(
    insert(sessions_t),
    [
        "id", "app_id", "state", "spec", "requirements", "user_tracking_id",
        "client_token_hash", "client_token_expires_at",
        "resources_expire_at", "created_at", "last_updated", "sandbox",
    ],
)  # fmt: skip
_INSERT_CHECK = FastStatement(
    insert(checks_t),
    [
        "id", "session_id", "position", "type", "config", "state", "manual_check",
        "attempts", "resources_used", "generated_media", "created_at", "last_updated",
    ],
)  # fmt: skip


class SessionNotFound(Exception):
    pass


class MediaNotFound(Exception):
    pass


class SessionBusy(Exception):
    """The session is being processed: deleting now would pull evidence from under a check."""


@dataclass(frozen=True)
class SessionContext:
    """What session operations need besides the connection; built once per process."""

    keyring: KeyRing
    blobs: BlobStore
    policy: SpecPolicy


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token_aad(session_id: str) -> bytes:
    return b"client-token:" + session_id.encode()


def _remaining(expires_at: dt.datetime, now: dt.datetime) -> int:
    return max(0, math.floor((expires_at - now).total_seconds()))


def create_session(
    conn: Connection,
    ctx: SessionContext,
    app_id: str,
    spec: wire.SessionSpec,
    now: dt.datetime,
    *,
    sandbox: bool = False,
) -> out.CreateSessionResult:
    plan: SessionPlan = plan_session(spec, ctx.policy, now)
    session_id = str(uuid.uuid4())
    token = secrets.token_urlsafe(32)
    data_key, wrapped_key = ctx.keyring.new_data_key(session_id)
    stored_spec = spec.model_dump(mode="json", exclude_none=True)
    sealed_auth_token = None
    if "notifications" in stored_spec:
        sealed_auth_token = seal_auth_token(stored_spec["notifications"], data_key, session_id)
    _INSERT_SESSION.run(
        conn,
        {
            "id": session_id,
            "app_id": app_id,
            "state": ONGOING,
            "spec": stored_spec,
            "requirements": plan.requirements,
            "user_tracking_id": spec.user_tracking_id,
            "client_token_hash": hash_token(token),
            "client_token_expires_at": plan.token_expires_at,
            "resources_expire_at": plan.resources_expire_at,
            "created_at": now,
            "last_updated": now,
            "sandbox": sandbox,
        },
    )
    keys.put_all(
        conn,
        session_id,
        {
            keys.DATA_KEY: wrapped_key,
            keys.CLIENT_TOKEN: seal(data_key, token.encode(), _token_aad(session_id)),
            keys.WEBHOOK_AUTH_TOKEN: sealed_auth_token,
        },
    )
    check_rows: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "session_id": session_id,
            "position": position,
            "type": check.type,
            "config": check.config.model_dump(mode="json", exclude_none=True),
            "state": "CREATED",
            "manual_check": getattr(check.config, "manual_check", None) or "NEVER",
            "attempts": 0,
            "resources_used": [],
            "generated_media": [],
            "created_at": now,
            "last_updated": now,
        }
        for position, check in enumerate(spec.requested_checks)
    ]
    if check_rows:
        _INSERT_CHECK.run(conn, *check_rows)
    events.event(
        "created",
        session_id,
        app=app_id,
        checks=len(check_rows),
        mode="SANDBOX" if sandbox else "LIVE",
    )
    return out.CreateSessionResult(
        client_session_token_ttl=_remaining(plan.token_expires_at, now),
        client_session_token=token,
        session_id=session_id,
        session_deadline=spec.session_deadline,
    )


def _load(conn: Connection, app_id: str, session_id: str) -> RowMapping:
    row = (
        conn.execute(
            select(sessions_t).where(
                sessions_t.c.id == session_id,
                sessions_t.c.app_id == app_id,
                sessions_t.c.deleted_at.is_(None),
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise SessionNotFound(session_id)
    return row


def load_session(conn: Connection, app_id: str, session_id: str) -> RowMapping:
    """The application's session, or SessionNotFound (whoever else owns it)."""
    return _load(conn, app_id, session_id)


def _live_token(
    conn: Connection, ctx: SessionContext, row: RowMapping, now: dt.datetime
) -> str | None:
    if row["state"] != ONGOING or row["client_token_expires_at"] <= now:
        return None
    sealed = keys.get(conn, row["id"], keys.CLIENT_TOKEN)
    wrapped = keys.wrapped_key(conn, row["id"])
    if sealed is None or wrapped is None:
        return None
    data_key = ctx.keyring.unwrap(wrapped, row["id"])
    return unseal(data_key, sealed, _token_aad(row["id"])).decode()


def _check_results(rows: Iterable[RowMapping]) -> list[out.CheckResult]:
    return [
        out.CheckResult(
            type=row["type"],
            id=row["id"],
            state=row["state"],
            resources_used=row["resources_used"] or [],
            generated_media=[out.GeneratedMedia(**m) for m in row["generated_media"] or []],
            report=out.Report.model_validate(row["report"]) if row["report"] else None,
            created=row["created_at"],
            last_updated=row["last_updated"],
        )
        for row in rows
    ]


def get_session(
    conn: Connection, ctx: SessionContext, app_id: str, session_id: str, now: dt.datetime
) -> out.GetSessionResult:
    row = _load(conn, app_id, session_id)
    checks = conn.execute(
        select(checks_t).where(checks_t.c.session_id == session_id).order_by(checks_t.c.position)
    ).mappings()
    token = _live_token(conn, ctx, row, now)
    return out.GetSessionResult(
        session_id=row["id"],
        state=row["state"],
        client_session_token_ttl=_remaining(row["client_token_expires_at"], now) if token else 0,
        client_session_token=token,
        user_tracking_id=row["user_tracking_id"],
        biometric_consent=row["biometric_consent_at"],
        resources=_resources(conn, session_id),
        checks=_check_results(checks),
    )


def _resources(conn: Connection, session_id: str) -> out.ResourceContainer:
    resources = list(
        conn.execute(
            select(resources_t)
            .where(resources_t.c.session_id == session_id)
            .order_by(resources_t.c.created_at)
        ).mappings()
    )
    if not resources:
        return out.ResourceContainer()
    media = {
        m["id"]: out.MediaRef(
            id=m["id"], type=m["type"], created=m["created_at"], last_updated=m["last_updated"]
        )
        for m in conn.execute(select(media_t).where(media_t.c.session_id == session_id)).mappings()
    }
    tasks_by_resource: dict[str, list[out.Task]] = {}
    for task in conn.execute(
        select(tasks_t).where(tasks_t.c.session_id == session_id).order_by(tasks_t.c.created_at)
    ).mappings():
        tasks_by_resource.setdefault(task["resource_id"], []).append(
            out.Task(
                type=task["type"],
                id=task["id"],
                state=task["state"],
                created=task["created_at"],
                last_updated=task["last_updated"],
                generated_checks=[out.GeneratedCheck(**c) for c in task["generated_checks"]],
                generated_media=[out.GeneratedMedia(**m) for m in task["generated_media"]],
                recommendation=task["recommendation"],
            )
        )

    def holder(media_id: str | None) -> out.MediaHolder | None:
        return out.MediaHolder(media=media[media_id]) if media_id in media else None

    documents, supplementary, liveness, faces = [], [], [], []
    for r in resources:
        common: dict[str, Any] = {
            "id": r["id"],
            "tasks": tasks_by_resource.get(r["id"], []),
            "created_at": r["created_at"],
            "last_updated": r["last_updated"],
        }
        content = r["content"]
        if r["type"] == "FACE_CAPTURE":
            faces.append(
                out.FaceCapture(
                    **common,
                    source=out.Source(type="RELYING_BUSINESS"),
                    image=holder(content.get("image")),
                )
            )
            continue
        if r["type"] == "LIVENESS":
            frames = [out.Frame(media=media[f]) for f in content.get("frames", []) if f in media]
            static = r["liveness_type"] == "STATIC"
            liveness.append(
                out.LivenessCapture(
                    **common,
                    liveness_type=r["liveness_type"],
                    frames=[] if static else frames,
                    image=holder(content["frames"][0])
                    if static and content.get("frames")
                    else None,
                    # A STATIC liveness image is one camera photograph (Yoti's only value seen).
                    capture_type="PHOTOGRAPH" if static and content.get("frames") else None,
                )
            )
            continue
        pages = [
            out.Page.captured(
                p["capture_method"],
                media.get(p["media_id"]),
                [media[f] for f in p.get("frames", []) if f in media],
            )
            for p in content.get("pages", [])
        ]
        document: dict[str, Any] = {
            **common,
            "document_type": r["document_type"],
            "issuing_country": r["issuing_country"],
            "pages": pages,
            "document_fields": holder(content.get("document_fields")),
        }
        if r["type"] == "ID_DOCUMENT":
            documents.append(
                out.IdDocument(
                    **document,
                    document_id_photo=holder(content.get("document_id_photo")),
                    expanded_document_fields=holder(content.get("expanded_document_fields")),
                )
            )
        else:
            supplementary.append(out.SupplementaryDocument(**document))
    return out.ResourceContainer(
        id_documents=documents,
        supplementary_documents=supplementary,
        liveness_capture=liveness,
        face_capture=faces,
    )


def prepare_deletion(conn: Connection, app_id: str, session_id: str) -> list[str]:
    """Check the session may be deleted now; returns the blob keys its purge will free.

    A session whose evidence is being processed answers 409 (Yoti: "checks are not finished"):
    its checks are reading that evidence. The caller purges (``retention.purge_session``) in the
    same transaction and removes the blobs after commit.
    """
    session = _load(conn, app_id, session_id)
    if session["state"] == ONGOING and session["submitted_at"] is not None:
        raise SessionBusy(session_id)
    return list(
        conn.execute(
            select(media_t.c.blob_key).where(
                media_t.c.session_id == session_id, media_t.c.content_deleted_at.is_(None)
            )
        ).scalars()
    )


# ------------------------------------------------------------------------------------ media


def media_aad(session_id: str, media_id: str) -> bytes:
    return f"media:{session_id}:{media_id}".encode()


# The console's renditions of a media (review/renditions.py) are derived media: sealed under
# the session's data key like their source, and stored beside it under a name made from the
# source's blob key, so that whatever removes the source's blob removes them too (without a
# row of their own, nothing could forget them). A width taken out of this list must stay in
# it for deletion until every rendition made at it is gone.
RENDITION_WIDTHS = (480, 800, 1200)


def rendition_blob_key(blob_key: str, width: int) -> str:
    return f"{blob_key}.w{width}"


def rendition_aad(session_id: str, media_id: str, width: int) -> bytes:
    return f"rendition:{session_id}:{media_id}:{width}".encode()


def blob_keys(blob_key: str) -> list[str]:
    """A media's blob and every rendition that may have been made of it: what its deletion
    removes (deleting a blob that was never written is not an error)."""
    return [blob_key, *(rendition_blob_key(blob_key, width) for width in RENDITION_WIDTHS)]


def store_media(
    conn: Connection,
    ctx: SessionContext,
    session_id: str,
    *,
    content: bytes,
    content_type: str,
    media_type: str,
    now: dt.datetime,
) -> str:
    """Encrypt and store one piece of media for a session; returns its media id.

    The blob is written before the row is inserted: if the transaction then fails, an orphan
    ciphertext remains (removed by the purge job), never a row pointing at nothing.
    """
    wrapped = keys.wrapped_key(conn, session_id)
    if wrapped is None:
        raise SessionNotFound(session_id)
    media_id = str(uuid.uuid4())
    data_key = ctx.keyring.unwrap(wrapped, session_id)
    blob_key = f"{session_id}/{media_id}"
    ctx.blobs.put(blob_key, seal(data_key, content, media_aad(session_id, media_id)))
    conn.execute(
        insert(media_t),
        {
            "id": media_id,
            "session_id": session_id,
            "type": media_type,
            "content_type": content_type,
            "blob_key": blob_key,
            "size": len(content),
            "created_at": now,
            "last_updated": now,
        },
    )
    return media_id


@dataclass(frozen=True)
class MediaContent:
    content_type: str
    content: bytes | None  # None: the media existed but its content has been deleted


def _load_media(conn: Connection, session_id: str, media_id: str) -> RowMapping:
    row = (
        conn.execute(
            select(media_t).where(media_t.c.id == media_id, media_t.c.session_id == session_id)
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise MediaNotFound(media_id)
    return row


def read_media(
    conn: Connection, ctx: SessionContext, app_id: str, session_id: str, media_id: str
) -> MediaContent:
    _load(conn, app_id, session_id)  # the application's own session, else not found
    media = _load_media(conn, session_id, media_id)
    wrapped = keys.wrapped_key(conn, session_id)
    if media["content_deleted_at"] is not None or wrapped is None:
        return MediaContent(media["content_type"], None)
    data_key = ctx.keyring.unwrap(wrapped, session_id)
    sealed = ctx.blobs.get(media["blob_key"])
    return MediaContent(
        media["content_type"], unseal(data_key, sealed, media_aad(session_id, media_id))
    )


def delete_media_content(
    conn: Connection, app_id: str, session_id: str, media_id: str, now: dt.datetime
) -> str | None:
    """Mark the content deleted; returns the blob key to remove after commit (None if gone)."""
    session = _load(conn, app_id, session_id)
    media = _load_media(conn, session_id, media_id)
    if session["state"] == ONGOING:  # its checks may still need the evidence
        raise SessionBusy(session_id)
    if media["content_deleted_at"] is not None:
        return None
    conn.execute(
        update(media_t)
        .where(media_t.c.id == media_id)
        .values(content_deleted_at=now, last_updated=now)
    )
    blob_key: str = media["blob_key"]
    return blob_key


# ------------------------------------------------------------------------ configuration


def session_configuration(
    conn: Connection, app_id: str, session_id: str, now: dt.datetime
) -> out.SessionConfiguration:
    row = _load(conn, app_id, session_id)
    spec = row["spec"]
    check_types = [c["type"] for c in spec.get("requested_checks", [])]
    biometric = any(
        t in ("LIVENESS", "ID_DOCUMENT_FACE_MATCH", "FACE_COMPARISON") for t in check_types
    )
    if row["biometric_consent_at"] is not None:
        consent = "CONSENTED"
    elif biometric and not spec.get("block_biometric_consent"):
        consent = "REQUIRED"
    else:
        consent = "NOT_REQUIRED"
    resources = []
    for req in row["requirements"]:
        common = {"id": req["id"], "state": "REQUIRED", "type": req["type"]}
        if req["type"] == "ID_DOCUMENT":
            resources.append(
                out.RequiredResource(
                    **common,
                    requested_tasks=[
                        out.RequiredTask(type=t, state="REQUIRED") for t in req["requested_tasks"]
                    ],
                    supported_countries=filtered_countries(req["filter"]),
                    allowed_capture_methods=req["allowed_capture_methods"],
                    attempts_remaining=req["attempts"],
                )
            )
        elif req["type"] == "SUPPLEMENTARY_DOCUMENT":
            resources.append(
                out.RequiredResource(
                    **common,
                    requested_tasks=[
                        out.RequiredTask(type=t, state="REQUIRED") for t in req["requested_tasks"]
                    ],
                    document_types=req["document_types"],
                    country_codes=req["country_codes"],
                    objective=req["objective"],
                )
            )
        elif req["type"] == "FACE_CAPTURE":
            resources.append(
                out.RequiredResource(
                    **common, allowed_sources=[out.AllowedSource(type="RELYING_BUSINESS")]
                )
            )
        else:
            resources.append(out.RequiredResource(**common, liveness_type=req["liveness_type"]))
    return out.SessionConfiguration(
        session_id=row["id"],
        client_session_token_ttl=_remaining(row["client_token_expires_at"], now),
        requested_checks=check_types,
        capture=out.Capture(biometric_consent=consent, required_resources=resources),
        sdk_config=spec.get("sdk_config", {}),
    )
