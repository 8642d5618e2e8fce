"""The end user's evidence: resources for the session's requirements, their media (document
pages, liveness frames) and the biometric consent.

Called by the capture client's API (scoped by the client session token) and by the sandbox;
these functions check the session's state themselves (``access.open_session``), so no caller
can add evidence to a submitted, expired or deleted session. The submission lives in
``submission`` and the relying business's face in ``face_capture``; the names the capture
client's API has always used from here are kept (``__all__``).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import RowMapping

from openidv.sessions import events, states
from openidv.sessions.access import (
    EvidenceMissing,
    EvidenceRefused,
    find_requirement,
    open_session,
)
from openidv.sessions.catalogue import COUNTRY_CODES
from openidv.sessions.filters import document_allowed
from openidv.sessions.models import Check, Resource, Session
from openidv.sessions.service import SessionContext, store_media
from openidv.sessions.submission import Submitted, submit
from openidv.store.db import table_of

__all__ = [
    "EvidenceMissing",
    "EvidenceRefused",
    "Submitted",
    "add_media",
    "add_resource",
    "find_requirement",
    "open_session",
    "record_consent",
    "submit",
]

sessions_t = table_of(Session)
resources_t = table_of(Resource)
checks_t = table_of(Check)

# A ZOOM attempt is a 3-4 s burst; the window allows a slow upload, not a second recording.
LIVENESS_CAPTURE_WINDOW = dt.timedelta(minutes=2)
MAX_ZOOM_FRAMES = 24
MAX_STATIC_FRAMES = 12  # the selfie and a short burst around it (about 2 s at 5 fps)
# As the spec's SupplementaryDocumentType: free text would end up in results and the console.
_SUPPLEMENTARY_TYPE = re.compile(r"[A-Z][A-Z0-9_]{1,63}")


def _may_present(
    requirement: dict[str, Any], document_type: str | None, country: str | None
) -> bool:
    """The user declares only what the requirement offers: for an ID document what its filter
    leaves of the catalogue, for a supplementary one its listed types and countries (any of
    a well-formed type and a known country when it lists none)."""
    if document_type is None or country is None:
        return True  # liveness: nothing declared
    if requirement["type"] == "ID_DOCUMENT":
        return document_allowed(requirement["filter"], country, document_type)
    types, countries = requirement["document_types"], requirement["country_codes"]
    type_ok = (
        document_type in types if types else bool(_SUPPLEMENTARY_TYPE.fullmatch(document_type))
    )
    country_ok = country in countries if countries else country in COUNTRY_CODES
    return type_ok and country_ok


def add_resource(
    conn: Connection,
    session_id: str,
    requirement_id: str,
    now: dt.datetime,
    *,
    document_type: str | None = None,
    issuing_country: str | None = None,
) -> str:
    """Start the resource that satisfies one requirement (a second call replaces the first:
    the user chose another document)."""
    session = open_session(conn, session_id, now)
    requirement = find_requirement(session, requirement_id)
    kind = requirement["type"]
    if kind == "LIVENESS":
        raise EvidenceRefused("LIVENESS_ATTEMPT_NEEDED", "Liveness is captured in attempts")
    if kind == "FACE_CAPTURE":
        raise EvidenceRefused(
            "FACE_CAPTURE_BY_INTEGRATOR", "The relying business uploads this face"
        )
    if kind in ("ID_DOCUMENT", "SUPPLEMENTARY_DOCUMENT") and not (
        document_type and issuing_country
    ):
        raise EvidenceRefused("DOCUMENT_UNSPECIFIED", "A document needs its type and country")
    if not _may_present(requirement, document_type, issuing_country):
        raise EvidenceRefused(
            "DOCUMENT_NOT_ALLOWED",
            "This document type and country are not among those the session accepts",
        )
    conn.execute(
        resources_t.delete().where(
            resources_t.c.session_id == session_id,
            resources_t.c.requirement_id == requirement_id,
        )
    )
    resource_id = str(uuid.uuid4())
    conn.execute(
        insert(resources_t),
        {
            "id": resource_id,
            "session_id": session_id,
            "requirement_id": requirement_id,
            "type": kind,
            "document_type": document_type,
            "issuing_country": issuing_country,
            "content": {"pages": []},
            "created_at": now,
            "last_updated": now,
        },
    )
    return resource_id


def _accept_frame(
    conn: Connection, resource: RowMapping, nonce: str | None, now: dt.datetime
) -> None:
    """A liveness frame belongs to one attempt: it must come while that attempt is capturing,
    within its time window, carrying the nonce the server issued with the attempt's challenge
    (so frames cannot be added to an attempt that was already judged, or long after)."""
    content = resource["content"]
    state = conn.execute(
        select(checks_t.c.state).where(checks_t.c.id == content.get("check_id"))
    ).scalar_one_or_none()
    if state != states.CREATED:
        raise EvidenceRefused("LIVENESS_ATTEMPT_CLOSED", "This liveness attempt is finished")
    challenge = content.get("challenge")
    if challenge is not None:
        if not nonce or not secrets.compare_digest(nonce, challenge["nonce"]):
            raise EvidenceRefused("LIVENESS_NONCE", "The frame does not carry the attempt's nonce")
        issued = dt.datetime.fromisoformat(challenge["issued_at"])
        if now > issued + LIVENESS_CAPTURE_WINDOW:
            raise EvidenceRefused("LIVENESS_ATTEMPT_CLOSED", "This liveness attempt timed out")
    limit = MAX_STATIC_FRAMES if resource["liveness_type"] == "STATIC" else MAX_ZOOM_FRAMES
    if len(content.get("frames", [])) >= limit:
        raise EvidenceRefused("TOO_MANY_FRAMES", f"A liveness attempt takes at most {limit} frames")


def add_media(
    conn: Connection,
    ctx: SessionContext,
    session_id: str,
    resource_id: str,
    now: dt.datetime,
    *,
    content: bytes,
    content_type: str,
    capture_method: str = "CAMERA",
    liveness_nonce: str | None = None,
) -> str:
    """Store one page of a document, or one frame of a liveness capture; returns the media id."""
    open_session(conn, session_id, now)
    resource = _session_resource(conn, session_id, resource_id)
    if resource is None:
        raise EvidenceRefused("UNKNOWN_RESOURCE", "The session has no such resource")
    if resource["type"] == "LIVENESS":
        _accept_frame(conn, resource, liveness_nonce, now)
    media_id = store_media(
        conn,
        ctx,
        session_id,
        content=content,
        content_type=content_type,
        media_type="IMAGE",
        now=now,
    )
    content_json = dict(resource["content"])
    if resource["type"] == "LIVENESS":
        content_json["frames"] = [*content_json.get("frames", []), media_id]
        # When each frame arrived, judged against the challenge's issued_at by the engine
        # (vision/liveness/timing.py): no sooner than the page can grab it, no later than
        # the lag bound, spread over the capture rather than pushed in a blink.
        capture = dict(content_json.get("capture") or {})
        capture["arrivals"] = [*capture.get("arrivals", []), now.isoformat()]
        content_json["capture"] = capture
    else:
        page = {"capture_method": capture_method, "media_id": media_id}
        content_json["pages"] = [*content_json.get("pages", []), page]
    conn.execute(
        update(resources_t)
        .where(resources_t.c.id == resource_id)
        .values(content=content_json, last_updated=now)
    )
    if resource["type"] != "LIVENESS":  # frames: one line per attempt, when it is judged
        events.event(
            "evidence added",
            session_id,
            type=resource["type"],
            resource=resource_id,
            media=media_id,
        )
    return media_id


# Camera frames a page may carry beside itself (Yoti's results show three per page).
MAX_PAGE_FRAMES = 3


def add_frame(
    conn: Connection,
    ctx: SessionContext,
    session_id: str,
    resource_id: str,
    page_media_id: str,
    now: dt.datetime,
    *,
    content: bytes,
    content_type: str,
) -> str:
    """Store one camera frame of a document's page (the frames the capture page took while the
    user aimed at it); returns the media id. Only a page taken by CAMERA has frames (an upload
    is a file), and at most ``MAX_PAGE_FRAMES``: they are evidence beside the page, never
    read by the checks."""
    open_session(conn, session_id, now)
    resource = _session_resource(conn, session_id, resource_id)
    if resource is None or resource["type"] not in ("ID_DOCUMENT", "SUPPLEMENTARY_DOCUMENT"):
        raise EvidenceRefused("UNKNOWN_RESOURCE", "The session has no such document")
    content_json = dict(resource["content"])
    pages = [dict(page) for page in content_json.get("pages", [])]
    page = next((p for p in pages if p.get("media_id") == page_media_id), None)
    if page is None:
        raise EvidenceRefused("UNKNOWN_PAGE", "The document has no such page")
    if page.get("capture_method") != "CAMERA":
        raise EvidenceRefused("NOT_A_CAMERA_PAGE", "Only a page taken by camera has frames")
    if len(page.get("frames", [])) >= MAX_PAGE_FRAMES:
        raise EvidenceRefused("TOO_MANY_FRAMES", f"A page has at most {MAX_PAGE_FRAMES} frames")
    media_id = store_media(
        conn, ctx, session_id, content=content, content_type=content_type, media_type="IMAGE",
        now=now,
    )  # fmt: skip
    page["frames"] = [*page.get("frames", []), media_id]
    content_json["pages"] = pages
    conn.execute(
        update(resources_t)
        .where(resources_t.c.id == resource_id)
        .values(content=content_json, last_updated=now)
    )
    return media_id


def record_consent(conn: Connection, session_id: str, now: dt.datetime) -> None:
    """The end user agreed to the processing of their biometrics (first agreement counts)."""
    open_session(conn, session_id, now)
    conn.execute(
        update(sessions_t)
        .where(sessions_t.c.id == session_id, sessions_t.c.biometric_consent_at.is_(None))
        .values(biometric_consent_at=now, last_updated=now)
    )


def _session_resource(conn: Connection, session_id: str, resource_id: str) -> RowMapping | None:
    """The session's resource row with that id, or None (another session's resource is None)."""
    return (
        conn.execute(
            select(resources_t).where(
                resources_t.c.id == resource_id, resources_t.c.session_id == session_id
            )
        )
        .mappings()
        .one_or_none()
    )
