"""The Yoti-compatible integrator endpoints (``shared/reference/yoti-idv-api.md`` §2).

Each route reads the raw request, lets the gateway authenticate it and run the handler in one
transaction, and answers with exactly the status the official SDKs expect (201 on create, 200
on get, 204 on delete).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from pydantic import ValidationError
from starlette.responses import Response

from openidv.api.errors import ErrorBody, payload_validation_error
from openidv.api.face_capture import add_face_capture_routes
from openidv.api.gateway import Gateway, Work
from openidv.api.home import add_api_base_routes
from openidv.api.unsupported import add_unsupported_routes
from openidv.retention.service import SESSION_DELETED, purge_session
from openidv.sandbox.routes import add_response_config_routes
from openidv.sessions import devices, service
from openidv.sessions import results as out
from openidv.sessions.catalogue import supported_documents
from openidv.sessions.media_types import SANDBOX_CSP
from openidv.sessions.spec import SessionSpec
from openidv.store.db import checkpoint_after_deletion, utcnow

SessionId = Annotated[str, PathParam(max_length=64)]
MediaId = Annotated[str, PathParam(max_length=64)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        400: "Malformed request or invalid payload",
        401: "Bad signature or replayed nonce",
        403: "Application disabled",
        404: "Unknown application, session or media",
    }.items()
}


@dataclass(frozen=True)
class ApiServices:
    gateway: Gateway
    sandbox_gateway: Gateway
    sessions: service.SessionContext
    supported_documents_file: Path | None


def _services(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.api
    return services


def _json(model: out.Out, status: int = 200) -> Response:
    return Response(model.model_dump_json(exclude_none=True), status, media_type="application/json")


def build_router(*, sandbox: bool = False) -> APIRouter:
    """The integrator API; built twice: live, and for the sandbox base URL (same endpoints,
    plus the two response-config calls, each answering only to its own kind of application)."""
    router = APIRouter(responses=_ERRORS)

    def gateway(api: ApiServices) -> Gateway:
        return api.sandbox_gateway if sandbox else api.gateway

    @router.post(
        "/sessions",
        status_code=201,
        response_model=out.CreateSessionResult,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/SessionSpec"}}
                },
            }
        },
    )
    async def create_session(request: Request) -> Response:
        api = _services(request)

        def handler(work: Work) -> out.CreateSessionResult:
            try:
                spec = SessionSpec.model_validate_json(work.body)
            except ValidationError as exc:
                raise payload_validation_error(exc) from exc
            return service.create_session(
                work.conn, api.sessions, work.sdk_id, spec, utcnow(), sandbox=work.sandbox
            )

        return _json(await gateway(api).call(request, handler), 201)

    @router.get("/sessions/{session_id}", response_model=out.GetSessionResult)
    async def get_session(request: Request, session_id: SessionId) -> Response:
        api = _services(request)

        def handler(work: Work) -> out.GetSessionResult:
            return service.get_session(work.conn, api.sessions, work.sdk_id, session_id, utcnow())

        return _json(await gateway(api).call(request, handler))

    @router.delete("/sessions/{session_id}", status_code=204)
    async def delete_session(request: Request, session_id: SessionId) -> Response:
        api = _services(request)

        def handler(work: Work) -> None:
            keys = service.prepare_deletion(work.conn, work.sdk_id, session_id)
            purge_session(work.conn, session_id, SESSION_DELETED, utcnow())
            # The key is gone at commit; removing the blobs then is prompt, not essential
            # (the retention job removes whatever this misses).
            work.after_commit.extend(_blob_deleter(api, key) for key in keys)

        await gateway(api).call(request, handler)
        # The key's old page versions must not outlive it in SQLite's WAL (off the loop: it
        # may wait a moment for readers).
        await to_thread.run_sync(checkpoint_after_deletion, request.app.state.engine)
        return Response(status_code=204)

    @router.get(
        "/sessions/{session_id}/media/{media_id}/content",
        responses={200: {"content": {"application/octet-stream": {}}}, 204: {}},
    )
    async def get_media_content(
        request: Request, session_id: SessionId, media_id: MediaId
    ) -> Response:
        api = _services(request)

        def handler(work: Work) -> service.MediaContent:
            return service.read_media(work.conn, api.sessions, work.sdk_id, session_id, media_id)

        media = await gateway(api).call(request, handler)
        # The SDKs read Content-Type verbatim, so the stored type stays; the sandboxing CSP
        # keeps a browser that is somehow shown this answer from running anything in it.
        headers = {"Cache-Control": "no-store", "Content-Security-Policy": SANDBOX_CSP}
        if media.content is None:
            return Response(status_code=204, headers=headers)
        return Response(media.content, 200, media_type=media.content_type, headers=headers)

    @router.delete("/sessions/{session_id}/media/{media_id}/content", status_code=204)
    async def delete_media_content(
        request: Request, session_id: SessionId, media_id: MediaId
    ) -> Response:
        api = _services(request)

        def handler(work: Work) -> None:
            key = service.delete_media_content(
                work.conn, work.sdk_id, session_id, media_id, utcnow()
            )
            if key is not None:
                work.after_commit.append(_blob_deleter(api, key))

        await gateway(api).call(request, handler)
        return Response(status_code=204)

    @router.get("/sessions/{session_id}/configuration", response_model=out.SessionConfiguration)
    async def get_session_configuration(request: Request, session_id: SessionId) -> Response:
        api = _services(request)

        def handler(work: Work) -> out.SessionConfiguration:
            return service.session_configuration(work.conn, work.sdk_id, session_id, utcnow())

        return _json(await gateway(api).call(request, handler))

    @router.get(
        "/sessions/{session_id}/tracked-devices", response_model=list[out.TrackedDeviceEvent]
    )
    async def get_tracked_devices(request: Request, session_id: SessionId) -> Response:
        def handler(work: Work) -> list[out.TrackedDeviceEvent]:
            service.load_session(work.conn, work.sdk_id, session_id)  # 404 unless the caller's
            return devices.events(work.conn, session_id)

        found = await gateway(_services(request)).call(request, handler)
        body = "[" + ",".join(e.model_dump_json(exclude_none=True) for e in found) + "]"
        return Response(body, 200, media_type="application/json")

    @router.delete("/sessions/{session_id}/tracked-devices", status_code=204)
    async def delete_tracked_devices(request: Request, session_id: SessionId) -> Response:
        def handler(work: Work) -> None:
            service.load_session(work.conn, work.sdk_id, session_id)
            devices.forget(work.conn, session_id)

        await gateway(_services(request)).call(request, handler)
        return Response(status_code=204)

    @router.get("/supported-documents", response_model=out.SupportedDocumentsResponse)
    async def get_supported_documents(
        request: Request,
        include_non_latin: Annotated[bool, Query(alias="includeNonLatin")] = False,
    ) -> Response:
        # Public, as at Yoti: the Java SDK calls it unsigned, Python and Node sign it without
        # an sdkId, so no key could be looked up anyway.
        data = supported_documents(_services(request).supported_documents_file)
        if not include_non_latin:
            data = {
                "supported_countries": [
                    {
                        **country,
                        "supported_documents": [
                            d
                            for d in country["supported_documents"]
                            if d.get("is_strictly_latin", True)
                        ],
                    }
                    for country in data["supported_countries"]
                ]
            }
        return _json(out.SupportedDocumentsResponse.model_validate(data))

    if sandbox:
        add_response_config_routes(router, gateway)
    add_face_capture_routes(router, gateway)
    add_unsupported_routes(router)
    add_api_base_routes(router, sandbox=sandbox)
    return router


def _blob_deleter(api: ApiServices, key: str) -> Any:
    """Removes the media's blob and its renditions (derived media go with their source)."""

    def delete() -> None:
        for each in service.blob_keys(key):
            api.sessions.blobs.delete(each)

    return delete
