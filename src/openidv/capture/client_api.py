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
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import io
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

import segno
from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, select
from starlette.responses import Response

from openidv.api.errors import ApiError, PropertyError, malformed, payload_validation_error
from openidv.api.limits import MAX_MEDIA_BYTES
from openidv.api.models import App
from openidv.api.ratelimit import Limiter, make_limiter
from openidv.capture.decode_pool import DecodePool, DecoderCrashed
from openidv.capture.images import ImageRefused, sniff
from openidv.capture.pdf import STATEMENT_PAGES
from openidv.capture.quality import QualityChecker
from openidv.jobs.queue import Jobs
from openidv.notifications.service import notify
from openidv.runtime import hand_over
from openidv.sandbox.journey import complete_journey
from openidv.sessions import devices, evidence, liveness, service
from openidv.sessions.models import Resource, Session
from openidv.sessions.results import Out
from openidv.store.db import table_of, utcnow
from openidv.store.units import Units

T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)
sessions_t = table_of(Session)
apps_t = table_of(App)
resources_t = table_of(Resource)
TOKEN_HEADER = "x-yoti-auth-token"  # noqa: S105 (a header name, not a secret)
IMAGE_TYPES = {"image/jpeg", "image/jpg", "image/png", "image/webp", "image/heic", "image/heif"}
PDF_TYPE = "application/pdf"
FRAME_TYPES = {"image/jpeg", "image/png"}  # what a canvas encodes
DOCUMENT_TYPES = ("ID_DOCUMENT", "SUPPLEMENTARY_DOCUMENT")
NONCE_HEADER = "x-liveness-nonce"

SessionId = Annotated[str, Path(max_length=64)]
ResourceId = Annotated[str, Path(max_length=64)]


def handoff_link(page_url: str, session_id: str, token: str) -> str:
    query = urllib.parse.urlencode({"sessionID": session_id, "sessionToken": token, "handoff": 1})
    return f"{page_url}?{query}"


@dataclass
class CaptureServices:
    units: Units
    sessions: service.SessionContext
    jobs: Jobs
    # Images decoded at once (a 50 MP HEIC needs ~600 MB while it decodes).
    max_decoding: int = 2
    _limiter: CapacityLimiter | None = None
    failures: Limiter = dataclasses.field(default_factory=lambda: make_limiter(None))
    # The photo check at upload (None: off, every page is taken as it comes).
    quality: QualityChecker | None = dataclasses.field(default_factory=QualityChecker)
    privacy_policy_url: str | None = None

    _pool: DecodePool | None = None

    def decoding(self) -> CapacityLimiter:
        # Made on first use: an anyio limiter belongs to the running event loop.
        if self._limiter is None:
            self._limiter = CapacityLimiter(self.max_decoding)
        return self._limiter

    def decoder(self) -> DecodePool:
        if self._pool is None:
            self._pool = DecodePool(self.max_decoding)
        return self._pool


class NewResource(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    requirement_id: str = Field(max_length=64)
    document_type: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]{1,63}$")
    issuing_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class Created(Out):
    id: str


class NewAttempt(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    requirement_id: str = Field(max_length=64)


class Challenge(Out):
    nonce: str
    turn: str | None = None  # ZOOM: the first move (pages that know only one turn)
    moves: list[str] | None = None  # ZOOM: the moves to make, in order


class CameraFacts(BaseModel):
    """What the browser says about the camera (MediaStreamTrack label and settings); claims of
    the client, bounded, judged by the engine (checks.liveness)."""

    model_config = ConfigDict(extra="forbid")
    label: str = Field(default="", max_length=128)
    width: float | None = Field(default=None, ge=0, le=20000)
    height: float | None = Field(default=None, ge=0, le=20000)
    frame_rate: float | None = Field(default=None, ge=0, le=1000)
    facing_mode: str = Field(default="", max_length=16)
    resize_mode: str = Field(default="", max_length=16)
    video_width: float | None = Field(default=None, ge=0, le=20000)
    video_height: float | None = Field(default=None, ge=0, le=20000)
    muted: bool = False


class AttemptOut(Out):
    id: str
    attempt: int
    max_attempts: int
    liveness_type: str
    challenge: Challenge | None


class AttemptStatusOut(Out):
    id: str
    attempt: int
    state: str
    passed: bool | None
    hint: str | None
    attempts_left: int


class JourneyResource(Out):
    id: str
    requirement_id: str
    type: str
    document_type: str | None
    issuing_country: str | None
    pages: int


class JourneyLiveness(Out):
    """A liveness requirement: how many attempts it allows and how the latest one stands
    (None: none started), so the page resumes without opening an attempt to find out."""

    requirement_id: str
    max_attempts: int
    last: AttemptStatusOut | None


class Journey(Out):
    """Where the user is: the resources started and their pages, the liveness attempts, and
    whether they agreed to the biometric processing. A reload, Back or another tab resumes
    from here."""

    resources: list[JourneyResource]
    liveness: list[JourneyLiveness] = []
    consented: bool
    requester: str  # the integrator's app name: who asks for the verification
    # The deployment's policy, for sessions whose sdk_config names none.
    privacy_policy_url: str | None = None


@dataclass(frozen=True)
class UploadTarget:
    kind: str
    document_type: str | None
    pages: int
    uploads_allowed: bool


class Progress(Out):
    submitted: bool
    resources: int
    liveness_attempts: int


_REFUSALS = {
    "SESSION_NOT_FOUND": 404,
    "SESSION_SUBMITTED": 409,
    "SESSION_EXPIRED": 401,
    "UNKNOWN_REQUIREMENT": 404,
    "UNKNOWN_RESOURCE": 404,
    "UNKNOWN_PAGE": 404,
    "NOT_A_CAMERA_PAGE": 409,
    "DOCUMENT_UNSPECIFIED": 400,
    "DOCUMENT_NOT_ALLOWED": 400,
    "EVIDENCE_MISSING": 409,
    "NOT_SANDBOX": 403,
    "NOT_LIVENESS": 400,
    "LIVENESS_ATTEMPT_NEEDED": 400,
    "LIVENESS_PASSED": 409,
    "LIVENESS_ATTEMPT_PENDING": 409,
    "LIVENESS_ATTEMPTS_EXHAUSTED": 409,
    "LIVENESS_ATTEMPT_CLOSED": 409,
    "LIVENESS_NONCE": 400,
    "TOO_MANY_FRAMES": 409,
}


def _bad_token() -> ApiError:
    return ApiError(
        401, "BAD_TOKEN", "Cannot authorize your request for the session with the given token"
    )


def _authorise(
    conn: Connection,
    session_id: str,
    token: str | None,
    now: dt.datetime,
    *,
    after_submit: bool = False,
) -> None:
    if not token:
        raise malformed("header.X-Yoti-Auth-Token", "must not be null or empty")
    row = conn.execute(
        select(
            sessions_t.c.id, sessions_t.c.client_token_expires_at, sessions_t.c.submitted_at
        ).where(sessions_t.c.client_token_hash == service.hash_token(token))
    ).first()
    # Same answer whether the token is unknown, expired, or for another session.
    if row is None or row.id != session_id or row.client_token_expires_at <= now:
        raise _bad_token()
    if row.submitted_at is not None and not after_submit:
        raise ApiError(409, "SESSION_SUBMITTED", "The session's evidence was already submitted")


def _services(request: Request) -> CaptureServices:
    services: CaptureServices = request.app.state.capture
    return services


async def _run(
    request: Request,
    session_id: str,
    unit: Callable[[Connection, dt.datetime], T],
    *,
    after_submit: bool = False,
) -> T:
    token = request.headers.get(TOKEN_HEADER)
    services = _services(request)
    address = [
        (services.failures.rules.token_per_address, request.client.host if request.client else "-")
    ]
    await services.failures.refuse_if_over(*address)  # before any token lookup

    def authorised(conn: Connection) -> T:
        now = utcnow()
        _authorise(conn, session_id, token, now, after_submit=after_submit)
        try:
            return unit(conn, now)
        except evidence.EvidenceRefused as exc:
            raise ApiError(_REFUSALS.get(exc.code, 400), exc.code, str(exc)) from exc

    try:
        return await services.units.run(authorised)
    except ApiError as exc:
        if exc.body.code == "BAD_TOKEN":
            await services.failures.failed(*address)
        raise


async def _body(request: Request, model: type[B]) -> B:
    """The request body as ``model``, or the Yoti validation error naming each property."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise payload_validation_error(exc) from exc


def _json(
    model: BaseModel,
    status: int = 200,
    *,
    exclude_none: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        model.model_dump_json(exclude_none=exclude_none),
        status,
        media_type="application/json",
        headers=headers,
    )


def _spec(conn: Connection, session_id: str) -> dict[str, Any]:
    spec: dict[str, Any] = conn.execute(
        select(sessions_t.c.spec).where(sessions_t.c.id == session_id)
    ).scalar_one()
    return spec


def _resource_update(
    conn: Connection, session_id: str, resource_id: str, now: dt.datetime, event: str = "created"
) -> str | None:
    return notify(
        conn,
        session_id,
        _spec(conn, session_id),
        "resource_update",
        now,
        subject_id=resource_id,
        event_key=f"{session_id}:resource_update:{resource_id}:{event}",
    )


def _device(request: Request) -> dict[str, str]:
    """The device a request comes from, for the session's tracked devices."""
    return devices.describe(request.headers, request.client.host if request.client else None)


def _send(request: Request, delivery: str | None) -> None:
    if delivery is not None:
        _services(request).jobs.enqueue("deliver", delivery)


async def _finish_journey(
    request: Request,
    session_id: str,
    submit: Callable[[Connection, dt.datetime], evidence.Submitted],
) -> Response:
    """Submit, tell the integrator the client token is gone, and queue the processing."""
    device = _device(request)

    def unit(conn: Connection, now: dt.datetime) -> tuple[evidence.Submitted, list[str]]:
        submitted = submit(conn, now)
        devices.record(conn, session_id, devices.CLIENT_SESSION_TOKEN_DELETED, device, now)
        spec = _spec(conn, session_id)
        notice = notify(conn, session_id, spec, "client_session_token_deleted", now)
        return submitted, [notice] if notice else []

    submitted, deliveries = await _run(request, session_id, unit)
    hand_over(_services(request).jobs, submitted, deliveries)
    return Response(status_code=202)


def _upload_target(
    conn: Connection, session_id: str, resource_id: str, now: dt.datetime
) -> UploadTarget:
    """What the upload is for (before its body is read): the resource's kind, its document,
    the pages it has, and whether its requirement takes uploads."""
    session = evidence.open_session(conn, session_id, now)
    row = conn.execute(
        select(
            resources_t.c.type,
            resources_t.c.document_type,
            resources_t.c.requirement_id,
            resources_t.c.content,
        ).where(resources_t.c.id == resource_id, resources_t.c.session_id == session_id)
    ).first()
    if row is None:
        raise evidence.EvidenceRefused("UNKNOWN_RESOURCE", "The session has no such resource")
    requirement: dict[str, Any] = next(
        (r for r in session["requirements"] if r["id"] == row.requirement_id), {}
    )
    methods = requirement.get("allowed_capture_methods") or "CAMERA_AND_UPLOAD"
    return UploadTarget(
        kind=row.type,
        document_type=row.document_type,
        pages=len((row.content or {}).get("pages", [])),
        uploads_allowed=methods == "CAMERA_AND_UPLOAD",
    )


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

    @router.get("/sessions/{session_id}/configuration")
    async def configuration(request: Request, session_id: SessionId) -> Response:
        device = _device(request)

        def unit(conn: Connection, now: dt.datetime) -> Out:
            app_id = conn.execute(
                select(sessions_t.c.app_id).where(sessions_t.c.id == session_id)
            ).scalar_one()
            devices.record(conn, session_id, devices.CONFIG_FIRST_LOADED, device, now)
            return service.session_configuration(conn, app_id, session_id, now)

        result = await _run(request, session_id, unit)
        return _json(result, exclude_none=True)

    @router.get("/sessions/{session_id}/journey")
    async def journey(request: Request, session_id: SessionId) -> Response:
        policy = _services(request).privacy_policy_url
        result = await _run(
            request, session_id, lambda conn, now: _journey(conn, session_id, now, policy)
        )
        return _json(result, headers={"Cache-Control": "no-store"})

    @router.post("/sessions/{session_id}/resources", status_code=201)
    async def create_resource(request: Request, session_id: SessionId) -> Response:
        body = await _body(request, NewResource)
        device = _device(request)

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
            return Created(id=resource_id), _resource_update(conn, session_id, resource_id, now)

        result, delivery = await _run(request, session_id, unit)
        _send(request, delivery)
        return _json(result, 201)

    @router.put("/sessions/{session_id}/resources/{resource_id}/media", status_code=201)
    async def upload_media(
        request: Request,
        session_id: SessionId,
        resource_id: ResourceId,
        capture_method: Annotated[Literal["CAMERA", "UPLOAD"], Query()] = "CAMERA",
        # The hosted page asks for the check; "accept" (or no parameter: other clients, which
        # have no user to ask for a retake) stores the page as sent.
        quality: Annotated[Literal["check", "accept"], Query()] = "accept",
    ) -> Response:
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type not in IMAGE_TYPES and content_type != PDF_TYPE:
            raise malformed(
                "header.Content-Type", f"must be one of {sorted(IMAGE_TYPES | {PDF_TYPE})}"
            )
        services = _services(request)
        # The token first: nobody without one makes the server read, let alone decode, an
        # image (the size limit itself is api.limits.BodyLimit's, before any of this).
        target = await _run(
            request,
            session_id,
            lambda conn, now: _upload_target(conn, session_id, resource_id, now),
        )
        content = await request.body()
        if not content or len(content) > MAX_MEDIA_BYTES:
            raise malformed("body", f"must be an image of 1 to {MAX_MEDIA_BYTES} bytes")
        # A PDF is a scan someone uploads: a document's page, where the session allows uploads.
        allow_pdf = (
            target.kind in DOCUMENT_TYPES and target.uploads_allowed and capture_method == "UPLOAD"
        )
        try:
            # Decoding (HEIC to JPEG, PDF to JPEG) takes seconds of CPU: in a worker process
            # (a thread is not enough: Pillow's encoder holds the GIL; capture/decode_pool.py),
            # a few at a time, so the event loop keeps answering and memory stays bounded.
            # A statement's PDF keeps its first pages (its date may be on the second).
            pdf_pages = STATEMENT_PAGES if target.kind == "SUPPLEMENTARY_DOCUMENT" else 1
            image = await to_thread.run_sync(
                services.decoder().run,
                sniff,
                content,
                allow_pdf,
                pdf_pages,
                limiter=services.decoding(),
            )
        except ImageRefused as exc:
            raise malformed("body", str(exc)) from exc
        except DecoderCrashed as exc:
            raise malformed("body", "the image could not be decoded") from exc
        if services.quality is not None and target.kind in DOCUMENT_TYPES and quality == "check":
            checked = await to_thread.run_sync(
                functools.partial(
                    services.quality.check,
                    image.content,
                    document_type=target.document_type if target.kind == "ID_DOCUMENT" else None,
                    # An ID document's first page is the side with the portrait.
                    portrait_side=target.kind == "ID_DOCUMENT" and target.pages == 0,
                ),
                limiter=services.decoding(),
            )
            if not checked.ok:
                raise ApiError(
                    422,
                    "PHOTO_QUALITY",
                    "The photo should be taken again",
                    [PropertyError(property="body", message=code) for code in checked.problems],
                )

        def unit(conn: Connection, now: dt.datetime) -> tuple[Created, str | None]:
            media_id = evidence.add_media(
                conn,
                services.sessions,
                session_id,
                resource_id,
                now,
                content=image.content,  # HEIC arrives converted to JPEG
                content_type=image.content_type,
                capture_method=capture_method,
                liveness_nonce=request.headers.get(NONCE_HEADER),
            )
            for page in image.more_pages:  # a PDF statement's next pages, in order
                evidence.add_media(conn, services.sessions, session_id, resource_id, now,
                                   content=page, content_type="image/jpeg",
                                   capture_method=capture_method)  # fmt: skip
            delivery = _resource_update(conn, session_id, resource_id, now, event=media_id)
            return Created(id=media_id), delivery

        result, delivery = await _run(request, session_id, unit)
        _send(request, delivery)
        return _json(result, 201)

    @router.put(
        "/sessions/{session_id}/resources/{resource_id}/pages/{page_id}/frames", status_code=201
    )
    async def upload_page_frame(
        request: Request, session_id: SessionId, resource_id: ResourceId, page_id: ResourceId
    ) -> Response:
        """One camera frame the page took while the user aimed at the document (the results
        list it among the page's ``frames``). A JPEG or PNG the browser drew from its video:
        no HEIC, no PDF, no quality check (the page itself was checked)."""
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type not in FRAME_TYPES:
            raise malformed("header.Content-Type", f"must be one of {sorted(FRAME_TYPES)}")
        services = _services(request)
        await _run(
            request,
            session_id,
            lambda conn, now: _upload_target(conn, session_id, resource_id, now),
        )
        content = await request.body()
        if not content or len(content) > MAX_MEDIA_BYTES:
            raise malformed("body", f"must be an image of 1 to {MAX_MEDIA_BYTES} bytes")
        try:
            image = await to_thread.run_sync(
                services.decoder().run, sniff, content, False, limiter=services.decoding()
            )
        except ImageRefused as exc:
            raise malformed("body", str(exc)) from exc
        except DecoderCrashed as exc:
            raise malformed("body", "the image could not be decoded") from exc

        def unit(conn: Connection, now: dt.datetime) -> Created:
            media_id = evidence.add_frame(
                conn,
                services.sessions,
                session_id,
                resource_id,
                page_id,
                now,
                content=image.content,
                content_type=image.content_type,
            )
            return Created(id=media_id)

        return _json(await _run(request, session_id, unit), 201)

    @router.post("/sessions/{session_id}/liveness-attempts", status_code=201)
    async def start_liveness_attempt(request: Request, session_id: SessionId) -> Response:
        body = await _body(request, NewAttempt)
        device = _device(request)

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
            return out, released, _resource_update(conn, session_id, attempt.id, now)

        result, released, delivery = await _run(request, session_id, unit)
        for check_id in released:
            _services(request).jobs.enqueue("judge_attempt", check_id)
        _send(request, delivery)
        return _json(result, 201)

    @router.post("/sessions/{session_id}/liveness-attempts/{resource_id}/evaluate")
    async def evaluate_liveness_attempt(
        request: Request, session_id: SessionId, resource_id: ResourceId
    ) -> Response:
        def unit(conn: Connection, now: dt.datetime) -> str | None:
            return liveness.evaluate(conn, session_id, resource_id, now)

        check_id = await _run(request, session_id, unit)
        if check_id is not None:
            _services(request).jobs.enqueue("judge_attempt", check_id)
        return Response(status_code=202)

    @router.post("/sessions/{session_id}/liveness-attempts/{resource_id}/camera", status_code=204)
    async def report_liveness_camera(
        request: Request, session_id: SessionId, resource_id: ResourceId
    ) -> Response:
        body = await _body(request, CameraFacts)

        def unit(conn: Connection, now: dt.datetime) -> None:
            liveness.record_camera(conn, session_id, resource_id, body.model_dump(), now)

        await _run(request, session_id, unit)
        return Response(status_code=204)

    @router.get("/sessions/{session_id}/liveness-attempts/{resource_id}")
    async def liveness_attempt_status(
        request: Request, session_id: SessionId, resource_id: ResourceId
    ) -> Response:
        def unit(conn: Connection, now: dt.datetime) -> AttemptStatusOut:
            status = liveness.status(conn, session_id, resource_id, now)
            return AttemptStatusOut(**dataclasses.asdict(status))

        result = await _run(request, session_id, unit)
        return _json(result)

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

        result = await _run(request, session_id, unit, after_submit=True)
        return _json(result, headers={"Cache-Control": "no-store"})

    @router.get("/sessions/{session_id}/handoff")
    async def handoff(request: Request, session_id: SessionId) -> Response:
        """The continue-on-a-phone link as a QR code: the same session and token, so it is as
        secret as the page's own URL (sent with no-store; the token still expires as set)."""
        token = request.headers.get(TOKEN_HEADER) or ""

        def unit(conn: Connection, now: dt.datetime) -> None:
            evidence.open_session(conn, session_id, now)

        await _run(request, session_id, unit)
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

        await _run(request, session_id, unit)
        return Response(status_code=202)

    @router.post("/sessions/{session_id}/sandbox-complete", status_code=202)
    async def sandbox_complete(request: Request, session_id: SessionId) -> Response:
        """Sandbox sessions only: placeholder evidence for every requirement, then submit."""
        sessions = _services(request).sessions
        return await _finish_journey(
            request, session_id, lambda conn, now: complete_journey(conn, sessions, session_id, now)
        )

    @router.post("/sessions/{session_id}/submit", status_code=202)
    async def submit(request: Request, session_id: SessionId) -> Response:
        return await _finish_journey(
            request, session_id, lambda conn, now: evidence.submit(conn, session_id, now)
        )

    return router
