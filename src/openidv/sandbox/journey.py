"""The sandbox's shortcut through the end user's journey, for integrators' CI: one client-API
call adds placeholder evidence for every requirement, records consent and submits, so a test
can go create -> configure -> complete -> webhook -> result without a browser."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select

from openidv.sessions import evidence
from openidv.sessions.models import Session
from openidv.sessions.service import SessionContext, filtered_countries
from openidv.store.db import table_of

sessions_t = table_of(Session)
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
    for requirement in session["requirements"]:
        kind = requirement["type"]
        document_type = country = None
        if kind == "ID_DOCUMENT":
            first = filtered_countries(requirement["filter"])[0]
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
