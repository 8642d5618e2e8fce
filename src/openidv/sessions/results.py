"""Response bodies of the integrator API, in the shapes the official SDKs parse.

Rules the SDKs impose (``shared/reference/yoti-idv-api.md`` §4, §9): list fields are ``[]`` or
absent, never ``null`` (the Python SDK crashes on ``null`` lists); absent scalars are left out
rather than sent as ``null`` (the Node SDK throws on ``null`` ids); timestamps are RFC 3339 in
UTC with fractional seconds.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Timestamp = Annotated[dt.datetime, PlainSerializer(rfc3339, return_type=str)]


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class CreateSessionResult(Out):
    client_session_token_ttl: int
    client_session_token: str
    session_id: str
    session_deadline: Timestamp | None = None


class MediaRef(Out):
    id: str
    type: Literal["IMAGE", "JSON", "BINARY", "PDF"]
    created: Timestamp
    last_updated: Timestamp


class MediaHolder(Out):
    media: MediaRef


class GeneratedMedia(Out):
    id: str
    type: str


class GeneratedCheck(Out):
    id: str
    type: str


class TaskReason(Out):
    value: str
    detail: str | None = None


class TaskRecommendation(Out):
    value: Literal["PROGRESS", "SHOULD_TRY_AGAIN", "MUST_TRY_AGAIN"]
    reason: TaskReason | None = None


class Task(Out):
    type: str
    id: str
    state: str
    created: Timestamp
    last_updated: Timestamp
    generated_checks: list[GeneratedCheck] = []
    generated_media: list[GeneratedMedia] = []
    recommendation: TaskRecommendation | None = None


class Source(Out):
    type: Literal["END_USER", "RELYING_BUSINESS", "IBV"]


class Frame(Out):
    media: MediaRef | None = None


class Page(Out):
    capture_method: Literal["CAMERA", "UPLOAD"]
    media: MediaRef | None = None
    frames: list[Frame] = []
    extraction_image_ids: list[str] = []

    @classmethod
    def captured(
        cls,
        capture_method: Literal["CAMERA", "UPLOAD"],
        media: MediaRef | None,
        frames: list[MediaRef] | None = None,
    ) -> Page:
        """A page as captured. Yoti's ``frames`` are the camera frames a page was taken from
        (reference §4.2): a CAMERA page lists itself (one frame of the camera's video), then
        the frames the capture page took while the user aimed at the document
        (``frames``). An UPLOAD is a file, not a camera frame: it has none. (Not the page's
        retakes: a photo refused for its quality is never stored.)"""
        if capture_method != "CAMERA" or media is None:
            return cls(capture_method=capture_method, media=media, frames=[])
        taken = [Frame(media=media), *(Frame(media=frame) for frame in frames or [])]
        return cls(capture_method=capture_method, media=media, frames=taken)


class Resource(Out):
    id: str
    tasks: list[Task] = []
    source: Source = Source(type="END_USER")
    created_at: Timestamp
    last_updated: Timestamp


class IdDocument(Resource):
    document_type: str
    issuing_country: str
    pages: list[Page] = []
    document_fields: MediaHolder | None = None
    document_id_photo: MediaHolder | None = None
    expanded_document_fields: MediaHolder | None = None


class SupplementaryDocument(Resource):
    document_type: str
    issuing_country: str
    pages: list[Page] = []
    document_fields: MediaHolder | None = None
    file: MediaHolder | None = None


class LivenessCapture(Resource):
    liveness_type: Literal["ZOOM", "STATIC"]
    frames: list[Frame] = []
    facemap: MediaHolder | None = None
    image: MediaHolder | None = None
    capture_type: str | None = None


class FaceCapture(Resource):
    image: MediaHolder | None = None


class ResourceContainer(Out):
    id_documents: list[IdDocument] = []
    supplementary_documents: list[SupplementaryDocument] = []
    liveness_capture: list[LivenessCapture] = []
    face_capture: list[FaceCapture] = []
    applicant_profiles: list[dict[str, Any]] = []
    share_codes: list[dict[str, Any]] = []


class Detail(Out):
    name: str
    value: str


class BreakdownItem(Out):
    sub_check: str
    result: Literal["PASS", "FAIL"]
    details: list[Detail] = []
    process: Literal["AUTOMATED", "EXPERT_REVIEW"] | None = None


class Recommendation(Out):
    value: Literal["APPROVE", "REJECT", "NOT_AVAILABLE", "CONSIDER"]
    reason: str | None = None
    recovery_suggestion: str | None = None


class Report(Out):
    recommendation: Recommendation
    breakdown: list[BreakdownItem] = []


class CheckResult(Out):
    type: str
    id: str
    state: Literal["CREATED", "READY", "PENDING", "DONE", "INTERNAL_ERROR"]
    resources_used: list[str] = []
    generated_media: list[GeneratedMedia] = []
    report: Report | None = None
    created: Timestamp
    last_updated: Timestamp


class GetSessionResult(Out):
    session_id: str
    state: Literal["ONGOING", "COMPLETED", "EXPIRED"]
    client_session_token_ttl: int
    client_session_token: str | None = None
    user_tracking_id: str | None = None
    biometric_consent: Timestamp | None = None
    resources: ResourceContainer = ResourceContainer()
    checks: list[CheckResult] = []


class SupportedDocument(Out):
    type: str
    is_strictly_latin: bool = True
    requirements: dict[str, Any] | None = None


class SupportedCountry(Out):
    code: str
    supported_documents: list[SupportedDocument] = []


class SupportedDocumentsResponse(Out):
    supported_countries: list[SupportedCountry] = []


# ------------------------------------------------------------- GET /sessions/{id}/configuration


class AllowedSource(Out):
    type: Literal["END_USER", "RELYING_BUSINESS", "IBV"]


class RequiredTask(Out):
    type: str
    state: Literal["REQUIRED", "COMPLETE"]


class RequiredResource(Out):
    type: Literal["ID_DOCUMENT", "SUPPLEMENTARY_DOCUMENT", "LIVENESS", "FACE_CAPTURE"]
    id: str
    state: Literal["REQUIRED", "COMPLETE"]
    allowed_sources: list[AllowedSource] = [AllowedSource(type="END_USER")]
    requested_tasks: list[RequiredTask] | None = None
    supported_countries: list[SupportedCountry] | None = None
    allowed_capture_methods: str | None = None
    attempts_remaining: dict[str, int] | None = None
    document_types: list[str] | None = None
    country_codes: list[str] | None = None
    objective: dict[str, str] | None = None
    liveness_type: str | None = None


class Capture(Out):
    biometric_consent: Literal["REQUIRED", "NOT_REQUIRED", "CONSENTED"]
    required_resources: list[RequiredResource] = []


class SessionConfiguration(Out):
    session_id: str
    client_session_token_ttl: int
    requested_checks: list[str] = []
    capture: Capture
    sdk_config: dict[str, Any] = {}


# ------------------------------------------------------------- GET /sessions/{id}/tracked-devices


class DeviceDescription(Out):
    ip_address: str | None = None
    ip_iso_country_code: str | None = None
    manufacture_name: str | None = None
    model_name: str | None = None
    os_name: str | None = None
    os_version: str | None = None
    browser_name: str | None = None
    browser_version: str | None = None
    locale: str | None = None
    client_version: str | None = None


class TrackedDeviceEvent(Out):
    event: Literal["CONFIG_FIRST_LOADED", "RESOURCE_CREATED", "CLIENT_SESSION_TOKEN_DELETED"]
    resource_id: str | None = None  # RESOURCE_CREATED only
    created: Timestamp
    device: DeviceDescription
