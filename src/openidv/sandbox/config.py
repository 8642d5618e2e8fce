"""The sandbox ResponseConfig (``PUT …/response-config``), validated strictly.

Two formats, as the official packages send them: the builders' (a spelled-out ``report`` per
check, ``result`` per task) and the one Yoti's sandbox documentation shows (a named
``report_template`` / ``result_template``, see sandbox/templates.py), with ``response_delay``
per entry and ``detected_document_type`` on a task's result. The official packages send
``null`` for unset properties (Java for every one) and ``[]`` for unset lists; both are accepted.
Unknown properties and enum values are refused with their JSON path; check types this server
cannot run are refused by name.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from openidv.sessions.catalogue import COUNTRY_CODES
from openidv.sessions.media_types import image_type_of
from openidv.sessions.spec import drop_nulls


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, value: Any) -> Any:
        # Java's sandbox builders send null for every unset property (lists included).
        return drop_nulls(value)


class DocumentFilter(_Model):
    document_types: list[str] = Field(default_factory=list)
    country_codes: list[str] = Field(default_factory=list)

    def matches(self, document_type: str | None, country: str | None) -> bool:
        return (not self.document_types or document_type in self.document_types) and (
            not self.country_codes or country in self.country_codes
        )


class Detail(_Model):
    name: str
    value: str


class Breakdown(_Model):
    sub_check: str = Field(min_length=1, max_length=100)
    result: Literal["PASS", "FAIL"]
    details: list[Detail] | None = None
    process: Literal["AUTOMATED", "EXPERT_REVIEW"] | None = None


class Recommendation(_Model):
    value: Literal["APPROVE", "REJECT", "NOT_AVAILABLE", "CONSIDER"]
    reason: str | None = Field(default=None, max_length=100)
    recovery_suggestion: str | None = Field(default=None, max_length=500)


class Report(_Model):
    recommendation: Recommendation
    breakdown: list[Breakdown] | None = None


Template = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
Delay = Annotated[int, Field(ge=0, le=60)]  # seconds, as async_report_delay


class CheckResult(_Model):
    report: Report | None = None
    report_template: Template | None = None  # checked per check type (sandbox/templates.py)
    document_fields: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _report_or_template(self) -> CheckResult:
        if self.report is None and self.report_template is None:
            raise PydanticCustomError("report_required", "needs a report or a report_template")
        return self


class CheckEntry(_Model):
    result: CheckResult
    document_filter: DocumentFilter | None = None
    secondary_document_filter: DocumentFilter | None = None
    liveness_type: Literal["ZOOM", "STATIC"] | None = None
    response_delay: Delay | None = None


class TaskReason(_Model):
    value: Literal["QUALITY", "USER_ERROR"]
    detail: str | None = None


class TaskRecommendation(_Model):
    value: Literal["PROGRESS", "SHOULD_TRY_AGAIN", "MUST_TRY_AGAIN"]
    reason: TaskReason | None = None


class ContentFile(_Model):
    # Served to the SDK and shown in the console: only the image types capture stores, and
    # only bytes that are that image (an HTML "photo" would run on the console's origin).
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    data: str  # base64

    @model_validator(mode="after")
    def _is_that_image(self) -> ContentFile:
        try:
            content = base64.b64decode(self.data, validate=True)
        except binascii.Error as exc:
            raise ValueError("data must be standard base64") from exc
        if image_type_of(content) != self.content_type:
            raise ValueError(f"data is not a {self.content_type} image")
        return self


class TaskResult(_Model):
    document_fields: dict[str, Any] | None = None
    document_id_photo: ContentFile | None = None
    detected_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    detected_document_type: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]{1,63}$")
    recommendation: TaskRecommendation | None = None


class TaskEntry(_Model):
    result: TaskResult | None = None
    result_template: Template | None = None  # checked against the task templates
    document_filter: DocumentFilter | None = None
    response_delay: Delay | None = None

    @model_validator(mode="after")
    def _result_or_template(self) -> TaskEntry:
        if self.result is None and self.result_template is None:
            raise PydanticCustomError("result_required", "needs a result or a result_template")
        return self


def _one_or_many(value: Any) -> Any:
    # Java and Node send these as one object, not a list: one entry either way.
    return [value] if isinstance(value, dict) else value


def _refused(feature: str) -> Any:
    def refuse(value: Any) -> Any:
        raise PydanticCustomError(
            "unsupported", "{feature} is not supported by this server", {"feature": feature}
        )

    return BeforeValidator(refuse)


class CheckReports(_Model):
    ID_DOCUMENT_AUTHENTICITY: list[CheckEntry] | None = None
    ID_DOCUMENT_TEXT_DATA_CHECK: list[CheckEntry] | None = None
    ID_DOCUMENT_FACE_MATCH: list[CheckEntry] | None = None
    LIVENESS: list[CheckEntry] | None = None
    ID_DOCUMENT_COMPARISON: list[CheckEntry] | None = None
    SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK: list[CheckEntry] | None = None
    FACE_COMPARISON: Annotated[list[CheckEntry] | None, BeforeValidator(_one_or_many)] = None
    # Results of checks this server cannot run: a session here never requests them.
    THIRD_PARTY_IDENTITY: Annotated[Any, _refused("third-party identity")] = None
    THIRD_PARTY_IDENTITY_FRAUD_1: Annotated[Any, _refused("third-party identity fraud")] = None
    SYNECTICS_IDENTITY_FRAUD: Annotated[Any, _refused("Synectics identity fraud")] = None
    WATCHLIST_SCREENING: Annotated[Any, _refused("watchlist screening")] = None
    # Its entries carry the sources_filter.
    WATCHLIST_ADVANCED_CA: Annotated[Any, _refused("advanced watchlist screening")] = None
    async_report_delay: Delay | None = None


class TaskResults(_Model):
    ID_DOCUMENT_TEXT_DATA_EXTRACTION: list[TaskEntry] | None = None
    SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION: list[TaskEntry] | None = None


class ResponseConfig(_Model):
    task_results: TaskResults | None = None
    check_reports: CheckReports | None = None

    def known_countries(self) -> bool:
        filters = [
            entry.document_filter
            for group in (self.check_reports, self.task_results)
            if group is not None
            for entries in group.__dict__.values()
            if isinstance(entries, list)
            for entry in entries
            if entry.document_filter is not None
        ]
        return all(code in COUNTRY_CODES for f in filters if f for code in f.country_codes)
