"""The sandbox's shortcut through the end user's journey, for integrators' CI: one client-API
call adds placeholder evidence for every requirement, records consent and submits, so a test
can go create -> configure -> complete -> webhook -> result without a browser."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select

from openidv.api.models import App
from openidv.sandbox.config import ResponseConfig
from openidv.sandbox.templates import entry_report
from openidv.sessions import evidence, face_capture, liveness
from openidv.sessions.filters import filtered_countries
from openidv.sessions.models import Resource, Session
from openidv.sessions.service import SessionContext
from openidv.store.db import table_of

sessions_t = table_of(Session)
resources_t = table_of(Resource)
apps_t = table_of(App)
# A 1x1 PNG: sandbox results never look at the pixels.
PLACEHOLDER = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def complete_journey(
    conn: Connection, ctx: SessionContext, session_id: str, now: dt.datetime
) -> evidence.Submitted:
    session = conn.execute(select(sessions_t).where(sessions_t.c.id == session_id)).mappings().one()
    if not session["sandbox"]:
        raise evidence.EvidenceRefused("NOT_SANDBOX", "Only sandbox sessions can be completed so")
    config = ResponseConfig.model_validate(
        session["sandbox_config"]
        or conn.execute(
            select(apps_t.c.sandbox_config).where(apps_t.c.id == session["app_id"])
        ).scalar_one()
        or {}
    )
    for requirement in session["requirements"]:
        kind = requirement["type"]
        if kind == "FACE_CAPTURE":
            _face_capture(conn, ctx, session_id, requirement["id"], now)
            continue
        if kind == "LIVENESS":
            _liveness_attempts(conn, ctx, session_id, requirement, config, now)
            continue
        document_type = country = None
        if kind == "ID_DOCUMENT":
            countries = filtered_countries(requirement["filter"])
            if not countries:  # refused at creation since; an older session may have one
                raise evidence.EvidenceRefused(
                    "DOCUMENT_UNSPECIFIED", "The session's document filter leaves no document"
                )
            first = countries[0]
            document_type, country = first.supported_documents[0].type, first.code
        elif kind == "SUPPLEMENTARY_DOCUMENT":
            document_type = (requirement["document_types"] or ["UTILITY_BILL"])[0]
            country = (requirement["country_codes"] or ["GBR"])[0]
        resource_id = evidence.add_resource(
            conn, session_id, requirement["id"], now,
            document_type=document_type, issuing_country=country,
        )  # fmt: skip
        evidence.add_media(
            conn, ctx, session_id, resource_id, now,
            content=PLACEHOLDER, content_type="image/png",
        )  # fmt: skip
    if not session["spec"].get("block_biometric_consent"):
        evidence.record_consent(conn, session_id, now)
    return evidence.submit(conn, session_id, now)


def _liveness_attempts(
    conn: Connection,
    ctx: SessionContext,
    session_id: str,
    requirement: dict[str, Any],
    config: ResponseConfig,
    now: dt.datetime,
) -> None:
    """A user who retries until a configured APPROVE, or until no attempt is left: LIVENESS
    entries [REJECT, APPROVE] give two attempts, the second approved."""
    entries = (config.check_reports.LIVENESS if config.check_reports else None) or []
    verdicts = [entry_report("LIVENESS", e)["recommendation"]["value"] for e in entries]
    wanted = verdicts.index("APPROVE") + 1 if "APPROVE" in verdicts else len(verdicts)
    attempts = min(max(wanted, 1), int(requirement.get("max_retries") or 1))
    for _ in range(attempts):
        attempt, _released = liveness.start_attempt(conn, session_id, requirement["id"], now)
        nonce = attempt.challenge["nonce"] if attempt.challenge else None
        evidence.add_media(
            conn, ctx, session_id, attempt.id, now,
            content=PLACEHOLDER, content_type="image/png", liveness_nonce=nonce,
        )  # fmt: skip


def _face_capture(
    conn: Connection, ctx: SessionContext, session_id: str, requirement_id: str, now: dt.datetime
) -> None:
    """The relying business's face, unless it uploaded one already (a CI run need not)."""
    uploaded = conn.execute(
        select(resources_t.c.content).where(
            resources_t.c.session_id == session_id, resources_t.c.requirement_id == requirement_id
        )
    ).scalar_one_or_none()
    if uploaded and uploaded.get("image"):
        return
    resource_id = face_capture.add_face_capture(conn, session_id, requirement_id, now)
    face_capture.set_face_capture_image(
        conn, ctx, session_id, resource_id, now, content=PLACEHOLDER, content_type="image/png"
    )
