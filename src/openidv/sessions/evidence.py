"""The end user's evidence: resources for the session's requirements, their media, and the
submission that hands the session to processing.

Called by the capture client's API (scoped by the client session token) and by the sandbox;
these functions check the session's state themselves, so no caller can add evidence to a
submitted, expired or deleted session.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import RowMapping

from openidv.sessions import states
from openidv.sessions.catalogue import COUNTRY_CODES
from openidv.sessions.filters import document_allowed
from openidv.sessions.models import Check, Resource, Session, Task
from openidv.sessions.service import SessionContext, store_media
from openidv.store.db import table_of

sessions_t = table_of(Session)
resources_t = table_of(Resource)
tasks_t = table_of(Task)
checks_t = table_of(Check)

# Which resources each check reads (Yoti: "resources_used").
_CHECK_READS = {
    "ID_DOCUMENT_AUTHENTICITY": ("ID_DOCUMENT",),
    "ID_DOCUMENT_COMPARISON": ("ID_DOCUMENT",),
    # Any face source of the session: the liveness attempt compared, else the uploaded face.
    "ID_DOCUMENT_FACE_MATCH": ("ID_DOCUMENT", "LIVENESS", "FACE_CAPTURE"),
    "FACE_COMPARISON": ("FACE_CAPTURE", "LIVENESS"),
    "LIVENESS": ("LIVENESS",),
}
# A ZOOM attempt is a 3-4 s burst; the window allows a slow upload, not a second recording.
LIVENESS_CAPTURE_WINDOW = dt.timedelta(minutes=2)
MAX_ZOOM_FRAMES = 24
MAX_STATIC_FRAMES = 12  # the selfie and a short burst around it (about 2 s at 5 fps)
# As the spec's SupplementaryDocumentType: free text would end up in results and the console.
_SUPPLEMENTARY_TYPE = re.compile(r"[A-Z][A-Z0-9_]{1,63}")


class EvidenceRefused(Exception):
    """The evidence cannot be taken: wrong state, unknown requirement, incomplete journey."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class EvidenceMissing(EvidenceRefused):
    def __init__(self, requirement_type: str) -> None:
        super().__init__(
            "EVIDENCE_MISSING", f"The {requirement_type} requirement has no evidence yet"
        )


@dataclass
class Submitted:
    """What became runnable: to enqueue once the transaction has committed."""

    checks: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)


def open_session(conn: Connection, session_id: str, now: dt.datetime) -> RowMapping:
    row = (
        conn.execute(select(sessions_t).where(sessions_t.c.id == session_id))
        .mappings()
        .one_or_none()
    )
    if row is None or row["deleted_at"] is not None:
        raise EvidenceRefused("SESSION_NOT_FOUND", "The session does not exist")
    if row["submitted_at"] is not None:
        raise EvidenceRefused("SESSION_SUBMITTED", "The session's evidence was already submitted")
    if row["state"] != states.ONGOING or row["client_token_expires_at"] <= now:
        raise EvidenceRefused("SESSION_EXPIRED", "The session has expired")
    return row


def find_requirement(session: RowMapping, requirement_id: str) -> dict[str, Any]:
    for requirement in session["requirements"]:
        if requirement["id"] == requirement_id:
            found: dict[str, Any] = requirement
            return found
    raise EvidenceRefused("UNKNOWN_REQUIREMENT", "The session has no such requirement")


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
    resource = (
        conn.execute(
            select(resources_t).where(
                resources_t.c.id == resource_id, resources_t.c.session_id == session_id
            )
        )
        .mappings()
        .one_or_none()
    )
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
        # When each frame arrived: frames sent while captured arrive over seconds (the engine's
        # arrival_span), a recording pushed after the fact in a blink.
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
    return media_id


def record_consent(conn: Connection, session_id: str, now: dt.datetime) -> None:
    """The end user agreed to the processing of their biometrics (first agreement counts)."""
    open_session(conn, session_id, now)
    conn.execute(
        update(sessions_t)
        .where(sessions_t.c.id == session_id, sessions_t.c.biometric_consent_at.is_(None))
        .values(biometric_consent_at=now, last_updated=now)
    )


def _has_media(resource: RowMapping) -> bool:
    content = resource["content"]
    return bool(content.get("pages") or content.get("frames") or content.get("image"))


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


def _attempt_passed(conn: Connection, resource: RowMapping) -> bool:
    report = conn.execute(
        select(checks_t.c.report).where(checks_t.c.id == resource["content"].get("check_id"))
    ).scalar_one_or_none()
    return bool(report and report.get("recommendation", {}).get("value") == "APPROVE")


def _face_match_attempt(conn: Connection, resources: list[RowMapping]) -> RowMapping | None:
    """The liveness attempt a face match compares: the one that passed, else the latest."""
    attempts = [r for r in resources if r["type"] == "LIVENESS" and _has_media(r)]
    attempts.sort(key=lambda r: r["content"].get("attempt", 0))
    passed = [r for r in attempts if _attempt_passed(conn, r)]
    chosen = passed or attempts
    return chosen[-1] if chosen else None


def submit(conn: Connection, session_id: str, now: dt.datetime) -> Submitted:
    """The end user is done: check the evidence is complete, end the client token, create the
    tasks, tell each check what it reads, and hand everything to processing.

    Liveness attempts already carry their own check (one per attempt, judged during the
    journey); any attempt not yet judged is released here with the rest.
    """
    session = open_session(conn, session_id, now)
    resources = list(
        conn.execute(
            select(resources_t)
            .where(resources_t.c.session_id == session_id)
            .order_by(resources_t.c.created_at)
        ).mappings()
    )
    for requirement in session["requirements"]:
        if not any(r["requirement_id"] == requirement["id"] and _has_media(r) for r in resources):
            raise EvidenceMissing(requirement["type"])

    submitted = Submitted()
    spec_tasks = {
        t["type"]: t.get("config", {}) for t in session["spec"].get("requested_tasks", [])
    }
    by_requirement = {r["requirement_id"]: r for r in resources if r["type"] != "LIVENESS"}
    for requirement in session["requirements"]:
        resource = by_requirement.get(requirement["id"])
        if resource is None:
            continue  # liveness: no tasks
        for task_type in requirement.get("requested_tasks", []):
            config = spec_tasks.get(task_type, {})
            task_id = str(uuid.uuid4())
            conn.execute(
                insert(tasks_t),
                {
                    "id": task_id,
                    "session_id": session_id,
                    "resource_id": resource["id"],
                    "type": task_type,
                    "config": config,
                    "state": states.CREATED,
                    "manual_check": config.get("manual_check") or "NEVER",
                    "attempts": 0,
                    "generated_media": [],
                    "generated_checks": [],
                    "created_at": now,
                    "last_updated": now,
                },
            )
            submitted.tasks.append(task_id)

    face_attempt = _face_match_attempt(conn, resources)
    checks = conn.execute(
        select(checks_t.c.id, checks_t.c.type, checks_t.c.state).where(
            checks_t.c.session_id == session_id
        )
    ).all()
    for check_id, check_type, state in checks:
        if state in states.FINAL:
            continue  # a liveness attempt judged during the journey
        submitted.checks.append(check_id)
        if check_type == "LIVENESS":
            continue  # reads its own attempt, set when the attempt started
        reads = _CHECK_READS.get(check_type, ())
        used = [
            r["id"]
            for r in resources
            if r["type"] in reads and r["type"] not in ("LIVENESS", "FACE_CAPTURE")
        ]
        if "LIVENESS" in reads and face_attempt is not None:
            used.append(face_attempt["id"])
        if "FACE_CAPTURE" in reads:
            used += [r["id"] for r in resources if r["type"] == "FACE_CAPTURE" and _has_media(r)]
        conn.execute(
            update(checks_t)
            .where(checks_t.c.id == check_id)
            .values(resources_used=used, last_updated=now)
        )

    conn.execute(
        update(sessions_t)
        .where(sessions_t.c.id == session_id)
        .values(
            submitted_at=now,
            last_updated=now,
            # The integrator no longer sees the token; its hash stays until it expires so the
            # page that handed off to a phone can still read the session's progress.
            client_token_sealed=None,
        )
    )
    return submitted
