"""Where every change to a session's evidence starts: the session must still take evidence
(not submitted, expired or deleted), and the requirement named must be one of its own.

Shared by the end user's evidence (``evidence``), the relying business's face
(``face_capture``), liveness attempts (``liveness``) and the submission (``submission``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import RowMapping

from openidv.sessions import states
from openidv.sessions.models import Session
from openidv.store.db import table_of

sessions_t = table_of(Session)


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


def has_media(resource: RowMapping) -> bool:
    content = resource["content"]
    return bool(content.get("pages") or content.get("frames") or content.get("image"))
