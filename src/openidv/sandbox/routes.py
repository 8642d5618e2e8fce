"""The sandbox's own integrator calls: ``PUT /sessions/{id}/response-config`` and
``PUT /apps/{sdkId}/response-config`` (the official ``yoti-sandbox`` package's two calls)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from sqlalchemy import update
from starlette.responses import Response

from openidv.api.errors import ApiError, PropertyError, payload_validation_error
from openidv.api.models import App
from openidv.sandbox.config import ResponseConfig
from openidv.sandbox.templates import template_errors
from openidv.sessions.models import Session
from openidv.sessions.service import SessionNotFound
from openidv.store.db import table_of, utcnow

if TYPE_CHECKING:
    from openidv.api.gateway import Gateway, Work

sessions_t = table_of(Session)
apps_t = table_of(App)
Id = Annotated[str, Path(max_length=64)]


def _config(body: bytes) -> dict[str, Any]:
    try:
        config = ResponseConfig.model_validate_json(body)
    except ValidationError as exc:
        raise payload_validation_error(exc) from exc
    if errors := template_errors(config):
        raise ApiError(
            400,
            "PAYLOAD_VALIDATION",
            "There were errors validating the payload",
            [PropertyError(property=p, message=m) for p, m in errors],
        )
    return config.model_dump(mode="json", exclude_none=True)


def add_response_config_routes(router: APIRouter, gateway: Callable[[Any], Gateway]) -> None:
    @router.put("/sessions/{session_id}/response-config", status_code=204)
    async def configure_session(request: Request, session_id: Id) -> Response:
        def handler(work: Work) -> None:
            config = _config(work.body)  # parsed only once the signature verified
            updated = work.conn.execute(
                update(sessions_t)
                .where(
                    sessions_t.c.id == session_id,
                    sessions_t.c.app_id == work.sdk_id,
                    sessions_t.c.deleted_at.is_(None),
                )
                .values(sandbox_config=config, last_updated=utcnow())
            ).rowcount
            if not updated:
                raise SessionNotFound(session_id)

        await gateway(request.app.state.api).call(request, handler)
        return Response(status_code=204)

    @router.put("/apps/{sdk_id}/response-config", status_code=204)
    async def configure_application(request: Request, sdk_id: Id) -> Response:
        def handler(work: Work) -> None:
            config = _config(work.body)
            work.conn.execute(
                update(apps_t).where(apps_t.c.id == work.sdk_id).values(sandbox_config=config)
            )

        # The sdkId comes from the path (the official client sends none in the query).
        await gateway(request.app.state.api).call(request, handler, sdk_id=sdk_id)
        return Response(status_code=204)
