"""The client API the capture page uses: our own design (Yoti does not publish theirs).

Every call carries the client session token in ``X-Yoti-Auth-Token`` and names its session in
the path; the token opens that session only, only while it lives (TTL or session_deadline),
and only until the journey is submitted, when it is deleted. Errors use Yoti's shapes
(``BAD_TOKEN`` for a refused token, as Yoti's client API answers).

    GET  /client/sessions/{id}/configuration            what to capture (requirement ids)
    GET  /client/sessions/{id}/journey                   what was captured so far (resume)
    POST /client/sessions/{id}/resources                 start the evidence for a requirement
    PUT  /client/sessions/{id}/resources/{rid}/media     one page or frame (raw image body)
    PUT  /client/sessions/{id}/resources/{rid}/pages/{mid}/frames   a camera frame of that page
    POST /client/sessions/{id}/liveness-attempts         start a liveness attempt (challenge)
    POST /client/sessions/{id}/liveness-attempts/{rid}/camera     the browser's camera facts
    POST /client/sessions/{id}/liveness-attempts/{rid}/evaluate   judge the attempt's frames
    GET  /client/sessions/{id}/liveness-attempts/{rid}   passed? hint, attempts left
    POST /client/sessions/{id}/consent                   the user agreed to biometric processing
    POST /client/sessions/{id}/submit                    done: hand the session to processing
    GET  /client/sessions/{id}/progress                  for a hand-off: what the phone has done
    GET  /client/sessions/{id}/handoff                   QR code (SVG) continuing on a phone
    POST /client/sessions/{id}/sandbox-complete          sandbox only: all of the above at once

A document page is checked as it arrives (capture/quality.py: resolution, blur, glare, MRZ,
portrait) when the page asks (``?quality=check``) and refused with 422 PHOTO_QUALITY naming
each problem, so the user retakes it while still on the page; ``?quality=accept`` (the
default) stores it as sent: the user saw the advice and chose to send it anyway. A PDF (an
uploaded scan) is stored as the JPEG of its first page, never as the PDF.

Liveness frames are uploaded as media of their attempt with the attempt's nonce in
``X-Liveness-Nonce``. After submit the token opens ``/progress`` only (a desktop page that
handed off to a phone follows it), until the token expires.

The uploads are in uploads.py, the token check and what every call shares in
client_access.py, the bodies in client_models.py.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import io
import urllib.parse
from collections.abc import Callable

import segno
from fastapi import APIRouter, Request
from sqlalchemy import Connection, select
from starlette.responses import Response

from openidv.api.models import App
from openidv.capture.client_access import (
    DOCUMENT_TYPES,
    TOKEN_HEADER,
    CaptureServices,
    ResourceId,
    SessionId,
    device_of,
    json_response,
    read_body,
    resource_update,
    resources_t,
    run_unit,
    send,
    services_of,
    sessions_t,
    spec_of,
)
from openidv.capture.client_models import (
    AttemptOut,
    AttemptStatusOut,
    CameraFacts,
    Challenge,
    Created,
    Journey,
    JourneyLiveness,
    JourneyResource,
    NewAttempt,
    NewResource,
    Progress,
)
from openidv.capture.uploads import build_upload_router
from openidv.notifications.service import notify
from openidv.runtime import hand_over
from openidv.sandbox.journey import complete_journey
from openidv.sessions import devices, evidence, liveness, service
from openidv.sessions.results import Out
from openidv.store.db import table_of

__all__ = ["CaptureServices", "build_client_router", "handoff_link"]
apps_t = table_of(App)


def handoff_link(page_url: str, session_id: str, token: str) -> str:
    query = urllib.parse.urlencode({"sessionID": session_id, "sessionToken": token, "handoff": 1})
    return f"{page_url}?{query}"


async def _finish_journey(
    request: Request,
    session_id: str,
    submit: Callable[[Connection, dt.datetime], evidence.Submitted],
) -> Response:
    """Submit, tell the integrator the client token is gone, and queue the processing."""
    device = device_of(request)

    def unit(conn: Connection, now: dt.datetime) -> tuple[evidence.Submitted, list[str]]:
        submitted = submit(conn, now)
        devices.record(conn, session_id, devices.CLIENT_SESSION_TOKEN_DELETED, device, now)
        spec = spec_of(conn, session_id)
        notice = notify(conn, session_id, spec, "client_session_token_deleted", now)
        return submitted, [notice] if notice else []

    submitted, deliveries = await run_unit(request, session_id, unit)
    hand_over(services_of(request).jobs, submitted, deliveries)
    return Response(status_code=202)


def _journey(
    conn: Connection, session_id: str, now: dt.datetime, privacy_policy_url: str | None
) -> Journey:
    session = evidence.open_session(conn, session_id, now)
    requester = conn.execute(
        select(apps_t.c.name).where(apps_t.c.id == session["app_id"])
    ).scalar_one_or_none()
    rows = conn.execute(
        select(
            resources_t.c.id,
            resources_t.c.requirement_id,
            resources_t.c.type,
            resources_t.c.document_type,
            resources_t.c.issuing_country,
            resources_t.c.content,
        )
        .where(resources_t.c.session_id == session_id, resources_t.c.type.in_(DOCUMENT_TYPES))
        .order_by(resources_t.c.created_at)
    ).all()
    latest: dict[str, tuple[int, str]] = {}
    for attempt in conn.execute(
        select(resources_t.c.id, resources_t.c.requirement_id, resources_t.c.content).where(
            resources_t.c.session_id == session_id, resources_t.c.type == "LIVENESS"
        )
    ):
        number = int((attempt.content or {}).get("attempt", 0))
        if attempt.requirement_id not in latest or number > latest[attempt.requirement_id][0]:
            latest[attempt.requirement_id] = (number, attempt.id)
    attempts = {
        requirement_id: AttemptStatusOut(**dataclasses.asdict(
            liveness.status(conn, session_id, resource_id, now)
        ))
        for requirement_id, (_, resource_id) in latest.items()
    }  # fmt: skip
    return Journey(
        liveness=[
            JourneyLiveness(
                requirement_id=requirement["id"],
                max_attempts=int(requirement.get("max_retries") or 1),
                last=attempts.get(requirement["id"]),
            )
            for requirement in session["requirements"]
            if requirement["type"] == "LIVENESS"
        ],
        resources=[
            JourneyResource(
                id=row.id,
                requirement_id=row.requirement_id,
                type=row.type,
                document_type=row.document_type,
                issuing_country=row.issuing_country,
                pages=len((row.content or {}).get("pages", [])),
            )
            for row in rows
        ],
        consented=session["biometric_consent_at"] is not None,
        requester=requester or "",
        privacy_policy_url=privacy_policy_url,
    )


def build_client_router() -> APIRouter:
    router = APIRouter(tags=["capture client"])
    router.include_router(build_upload_router())

    @router.get("/sessions/{session_id}/configuration")
    async def configuration(request: Request, session_id: SessionId) -> Response:
        device = device_of(request)

        def unit(conn: Connection, now: dt.datetime) -> Out:
            app_id = conn.execute(
                select(sessions_t.c.app_id).where(sessions_t.c.id == session_id)
            ).scalar_one()
            devices.record(conn, session_id, devices.CONFIG_FIRST_LOADED, device, now)
            return service.session_configuration(conn, app_id, session_id, now)

        result = await run_unit(request, session_id, unit)
        return json_response(result, exclude_none=True)

    @router.get("/sessions/{session_id}/journey")
    async def journey(request: Request, session_id: SessionId) -> Response:
        policy = services_of(request).privacy_policy_url
        result = await run_unit(
            request, session_id, lambda conn, now: _journey(conn, session_id, now, policy)
        )
        return json_response(result, headers={"Cache-Control": "no-store"})

    @router.post("/sessions/{session_id}/resources", status_code=201)
    async def create_resource(request: Request, session_id: SessionId) -> Response:
        body = await read_body(request, NewResource)
        device = device_of(request)

        def unit(conn: Connection, now: dt.datetime) -> tuple[Created, str | None]:
            resource_id = evidence.add_resource(
                conn,
                session_id,
                body.requirement_id,
                now,
                document_type=body.document_type,
                issuing_country=body.issuing_country,
            )
            devices.record(conn, session_id, devices.RESOURCE_CREATED, device, now, resource_id)
            return Created(id=resource_id), resource_update(conn, session_id, resource_id, now)

        result, delivery = await run_unit(request, session_id, unit)
        send(request, delivery)
        return json_response(result, 201)

    @router.post("/sessions/{session_id}/liveness-attempts", status_code=201)
    async def start_liveness_attempt(request: Request, session_id: SessionId) -> Response:
        body = await read_body(request, NewAttempt)
        device = device_of(request)

        def unit(conn: Connection, now: dt.datetime) -> tuple[AttemptOut, list[str], str | None]:
            attempt, released = liveness.start_attempt(conn, session_id, body.requirement_id, now)
            devices.record(conn, session_id, devices.RESOURCE_CREATED, device, now, attempt.id)
            out = AttemptOut(
                id=attempt.id,
                attempt=attempt.attempt,
                max_attempts=attempt.max_attempts,
                liveness_type=attempt.liveness_type,
                challenge=Challenge(
                    nonce=attempt.challenge["nonce"],
                    turn=attempt.challenge.get("turn"),
                    moves=attempt.challenge.get("moves"),
                )
                if attempt.challenge
                else None,
            )
            return out, released, resource_update(conn, session_id, attempt.id, now)

        result, released, delivery = await run_unit(request, session_id, unit)
        for check_id in released:
            services_of(request).jobs.enqueue("judge_attempt", check_id)
        send(request, delivery)
        return json_response(result, 201)

    @router.post("/sessions/{session_id}/liveness-attempts/{resource_id}/evaluate")
    async def evaluate_liveness_attempt(
        request: Request, session_id: SessionId, resource_id: ResourceId
    ) -> Response:
        def unit(conn: Connection, now: dt.datetime) -> str | None:
            return liveness.evaluate(conn, session_id, resource_id, now)

        check_id = await run_unit(request, session_id, unit)
        if check_id is not None:
            services_of(request).jobs.enqueue("judge_attempt", check_id)
        return Response(status_code=202)

    @router.post("/sessions/{session_id}/liveness-attempts/{resource_id}/camera", status_code=204)
    async def report_liveness_camera(
        request: Request, session_id: SessionId, resource_id: ResourceId
    ) -> Response:
        body = await read_body(request, CameraFacts)

        def unit(conn: Connection, now: dt.datetime) -> None:
            liveness.record_camera(conn, session_id, resource_id, body.model_dump(), now)

        await run_unit(request, session_id, unit)
        return Response(status_code=204)

    @router.get("/sessions/{session_id}/liveness-attempts/{resource_id}")
    async def liveness_attempt_status(
        request: Request, session_id: SessionId, resource_id: ResourceId
    ) -> Response:
        def unit(conn: Connection, now: dt.datetime) -> AttemptStatusOut:
            status = liveness.status(conn, session_id, resource_id, now)
            return AttemptStatusOut(**dataclasses.asdict(status))

        result = await run_unit(request, session_id, unit)
        return json_response(result)

    @router.get("/sessions/{session_id}/progress")
    async def progress(request: Request, session_id: SessionId) -> Response:
        def unit(conn: Connection, now: dt.datetime) -> Progress:
            session = conn.execute(
                select(sessions_t.c.submitted_at).where(sessions_t.c.id == session_id)
            ).one()
            kinds = conn.execute(
                select(resources_t.c.type).where(resources_t.c.session_id == session_id)
            ).scalars()
            counted = collections.Counter(kinds)
            return Progress(
                submitted=session.submitted_at is not None,
                resources=sum(n for kind, n in counted.items() if kind != "LIVENESS"),
                liveness_attempts=counted["LIVENESS"],
            )

        result = await run_unit(request, session_id, unit, after_submit=True)
        return json_response(result, headers={"Cache-Control": "no-store"})

    @router.get("/sessions/{session_id}/handoff")
    async def handoff(request: Request, session_id: SessionId) -> Response:
        """The continue-on-a-phone link as a QR code: the same session and token, so it is as
        secret as the page's own URL (sent with no-store; the token still expires as set)."""
        token = request.headers.get(TOKEN_HEADER) or ""

        def unit(conn: Connection, now: dt.datetime) -> None:
            evidence.open_session(conn, session_id, now)

        await run_unit(request, session_id, unit)
        # The page lives beside this API under the same base URL (live or sandbox).
        base = str(request.url.replace(query="")).rsplit("/client/sessions/", 1)[0]
        link = handoff_link(f"{base}/web/index.html", session_id, token)
        svg = io.BytesIO()
        # A standalone SVG (xmlns, the standard 4-module quiet zone) that any <img> can show.
        segno.make(link, error="m").save(
            svg, kind="svg", xmldecl=False, border=4, scale=6, title="QR code"
        )
        return Response(
            svg.getvalue(),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-store", "X-Handoff-Link": link},
        )

    @router.post("/sessions/{session_id}/consent", status_code=202)
    async def consent(request: Request, session_id: SessionId) -> Response:
        def unit(conn: Connection, now: dt.datetime) -> None:
            evidence.record_consent(conn, session_id, now)

        await run_unit(request, session_id, unit)
        return Response(status_code=202)

    @router.post("/sessions/{session_id}/sandbox-complete", status_code=202)
    async def sandbox_complete(request: Request, session_id: SessionId) -> Response:
        """Sandbox sessions only: placeholder evidence for every requirement, then submit."""
        sessions = services_of(request).sessions
        return await _finish_journey(
            request, session_id, lambda conn, now: complete_journey(conn, sessions, session_id, now)
        )

    @router.post("/sessions/{session_id}/submit", status_code=202)
    async def submit(request: Request, session_id: SessionId) -> Response:
        return await _finish_journey(
            request, session_id, lambda conn, now: evidence.submit(conn, session_id, now)
        )

    return router
