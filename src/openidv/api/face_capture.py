"""The relying business's face for FACE_COMPARISON (and any ID_DOCUMENT_FACE_MATCH):

    POST /sessions/{id}/resources/face-capture                {"requirement_id"} -> {"id", "frames"}
    PUT  /sessions/{id}/resources/face-capture/{rid}/image    multipart, part "binary-content"

Signed like every integrator call; the digest covers the whole multipart body as received.
The bytes decide what the image is (Node labels its part ``image/jpg``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import Response

from openidv.api.errors import ApiError, malformed, payload_validation_error
from openidv.capture.images import ImageRefused, sniff
from openidv.sessions import evidence, face_capture, service
from openidv.sessions.results import Out
from openidv.store.db import utcnow

if TYPE_CHECKING:
    from openidv.api.gateway import Gateway, Work

Id = Annotated[str, Path(max_length=64)]
MAX_IMAGE_BYTES = 15 * 1024 * 1024
PART = "binary-content"


class NewFaceCapture(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    requirement_id: str = Field(max_length=64)


class FaceCaptureCreated(Out):
    id: str
    frames: int = 1  # one image per face capture


def _refused(exc: evidence.EvidenceRefused) -> ApiError:
    status = {"UNKNOWN_REQUIREMENT": 404, "UNKNOWN_RESOURCE": 404, "SESSION_NOT_FOUND": 404}
    return ApiError(status.get(exc.code, 400 if exc.code == "NOT_FACE_CAPTURE" else 409),
                    exc.code, str(exc))  # fmt: skip


def add_face_capture_routes(router: APIRouter, gateway: Callable[[Any], Gateway]) -> None:
    @router.post("/sessions/{session_id}/resources/face-capture", status_code=201)
    async def create_face_capture(request: Request, session_id: Id) -> Response:
        try:
            body = NewFaceCapture.model_validate_json(await request.body())
        except ValidationError as exc:
            raise payload_validation_error(exc) from exc

        def handler(work: Work) -> FaceCaptureCreated:
            service.load_session(work.conn, work.sdk_id, session_id)
            try:
                resource_id = face_capture.add_face_capture(
                    work.conn, session_id, body.requirement_id, utcnow()
                )
            except evidence.EvidenceRefused as exc:
                raise _refused(exc) from exc
            return FaceCaptureCreated(id=resource_id)

        created = await gateway(request.app.state.api).call(request, handler)
        return Response(created.model_dump_json(), 201, media_type="application/json")

    @router.put("/sessions/{session_id}/resources/face-capture/{resource_id}/image")
    async def upload_face_capture_image(
        request: Request, session_id: Id, resource_id: Id
    ) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_IMAGE_BYTES + 4096:
            raise ApiError(413, "MEDIA_TOO_LARGE", f"Images are at most {MAX_IMAGE_BYTES} bytes")
        await request.body()  # kept for the signature; form() reads the same bytes
        form = await request.form(max_files=1, max_fields=1)
        part = form.get(PART)
        if not isinstance(part, UploadFile):
            raise malformed(f"body.{PART}", "must be the image, as a multipart file part")
        content = await part.read()
        try:
            image = sniff(content)
        except ImageRefused as exc:
            raise malformed(f"body.{PART}", str(exc)) from exc
        api = request.app.state.api

        def handler(work: Work) -> None:
            service.load_session(work.conn, work.sdk_id, session_id)
            try:
                face_capture.set_face_capture_image(
                    work.conn, api.sessions, session_id, resource_id, utcnow(),
                    content=image.content, content_type=image.content_type,
                )  # fmt: skip
            except evidence.EvidenceRefused as exc:
                raise _refused(exc) from exc

        await gateway(api).call(request, handler)
        return Response(status_code=200)
