"""The capture client API's uploads: a document's page (or a liveness frame) as a raw image
body, and the camera frames the page took while the user aimed at the document.

Both take the same first steps (``_received``): the content type, then the token and the
resource before a byte of the body is read (nobody without a token makes the server read, let
alone decode, an image), then the body's size. Decoding runs in a worker process
(capture/decode_pool.py) a few at a time.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, select
from starlette.responses import Response

from openidv.api.errors import ApiError, PropertyError, malformed
from openidv.api.limits import MAX_MEDIA_BYTES
from openidv.capture.client_access import (
    DOCUMENT_TYPES,
    CaptureServices,
    ResourceId,
    SessionId,
    json_response,
    resource_update,
    resources_t,
    run_unit,
    send,
    services_of,
)
from openidv.capture.client_models import Created
from openidv.capture.decode_pool import DecoderCrashed
from openidv.capture.images import ImageRefused, SniffedImage, sniff
from openidv.capture.pdf import STATEMENT_PAGES
from openidv.sessions import evidence

IMAGE_TYPES = {"image/jpeg", "image/jpg", "image/png", "image/webp", "image/heic", "image/heif"}
PDF_TYPE = "application/pdf"
FRAME_TYPES = {"image/jpeg", "image/png"}  # what a canvas encodes
NONCE_HEADER = "x-liveness-nonce"


@dataclass(frozen=True)
class UploadTarget:
    kind: str
    document_type: str | None
    pages: int
    uploads_allowed: bool


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


async def _received(
    request: Request, session_id: str, resource_id: str, allowed: set[str]
) -> tuple[UploadTarget, bytes]:
    """An upload's first steps: its type one of ``allowed``; the token (and the resource)
    checked before the body is read; the body 1 to MAX_MEDIA_BYTES bytes (the server's own
    limit, api.limits.BodyLimit, already cut it off past that while it arrived)."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type not in allowed:
        raise malformed("header.Content-Type", f"must be one of {sorted(allowed)}")
    target = await run_unit(
        request, session_id, lambda conn, now: _upload_target(conn, session_id, resource_id, now)
    )
    content = await request.body()
    if not content or len(content) > MAX_MEDIA_BYTES:
        raise malformed("body", f"must be an image of 1 to {MAX_MEDIA_BYTES} bytes")
    return target, content


async def _decoded(services: CaptureServices, content: bytes, *args: Any) -> SniffedImage:
    """``content`` as the image stored (HEIC and PDF to JPEG), decoded in a worker process
    (a thread is not enough: Pillow's encoder holds the GIL), a few at a time, so the event
    loop keeps answering and memory stays bounded; a refusal names the body."""
    try:
        return await to_thread.run_sync(
            services.decoder().run, sniff, content, *args, limiter=services.decoding()
        )
    except ImageRefused as exc:
        raise malformed("body", str(exc)) from exc
    except DecoderCrashed as exc:
        raise malformed("body", "the image could not be decoded") from exc


def build_upload_router() -> APIRouter:
    router = APIRouter(tags=["capture client"])

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
        services = services_of(request)
        target, content = await _received(
            request, session_id, resource_id, IMAGE_TYPES | {PDF_TYPE}
        )
        # A PDF is a scan someone uploads: a document's page, where the session allows uploads.
        allow_pdf = (
            target.kind in DOCUMENT_TYPES and target.uploads_allowed and capture_method == "UPLOAD"
        )
        # A statement's PDF keeps its first pages (its date may be on the second).
        pdf_pages = STATEMENT_PAGES if target.kind == "SUPPLEMENTARY_DOCUMENT" else 1
        image = await _decoded(services, content, allow_pdf, pdf_pages)
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
            delivery = resource_update(conn, session_id, resource_id, now, event=media_id)
            return Created(id=media_id), delivery

        result, delivery = await run_unit(request, session_id, unit)
        send(request, delivery)
        return json_response(result, 201)

    @router.put(
        "/sessions/{session_id}/resources/{resource_id}/pages/{page_id}/frames", status_code=201
    )
    async def upload_page_frame(
        request: Request, session_id: SessionId, resource_id: ResourceId, page_id: ResourceId
    ) -> Response:
        """One camera frame the page took while the user aimed at the document (the results
        list it among the page's ``frames``). A JPEG or PNG the browser drew from its video:
        no HEIC, no PDF, no quality check (the page itself was checked)."""
        services = services_of(request)
        _, content = await _received(request, session_id, resource_id, FRAME_TYPES)
        image = await _decoded(services, content, False)

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

        return json_response(await run_unit(request, session_id, unit), 201)

    return router
