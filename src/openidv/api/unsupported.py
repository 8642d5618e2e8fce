"""Yoti endpoints this server does not implement, each refused naming its feature.

An SDK call to one of them gets a 4xx in Yoti's error shape that says what is missing, rather
than a 404 that reads like a wrong base URL. The answer is the same for every caller and says
nothing about any session, so these routes need no signature. Any other unknown path under the
API base gets the routing 404 (api/errors.py), which names the endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from starlette.responses import Response

from openidv.api.errors import ApiError

UNSUPPORTED = "UNSUPPORTED_FEATURE"
IN_BRANCH = "in-branch verification (instructions, UK Post Office branches)"

# (methods, path, feature): the calls of the Java, PHP, Node and Go SDKs that have no server
# side here.
ENDPOINTS: list[tuple[list[str], str, str]] = [
    (["GET", "PUT"], "/sessions/{session_id}/instructions", IN_BRANCH),
    (["GET"], "/sessions/{session_id}/instructions/pdf", IN_BRANCH),
    (["GET"], "/sessions/{session_id}/instructions/contact-profile", IN_BRANCH),
    (["POST"], "/sessions/{session_id}/instructions/email", IN_BRANCH),
    (
        ["PUT"],
        "/sessions/{session_id}/resources/face-capture/{resource_id}/applicant",
        "face-capture applicants",
    ),
]


def refusal(feature: str) -> ApiError:
    return ApiError(400, UNSUPPORTED, f"{feature} is not supported by this server")


def _refuser(feature: str) -> Callable[[], Awaitable[Response]]:
    async def refuse() -> Response:
        raise refusal(feature)

    return refuse


def add_unsupported_routes(router: APIRouter) -> None:
    for methods, path, feature in ENDPOINTS:
        router.add_api_route(path, _refuser(feature), methods=methods, include_in_schema=False)
