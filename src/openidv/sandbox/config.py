"""The sandbox ResponseConfig (``PUT …/response-config``), validated strictly.

The official sandbox packages send ``null`` for unset scalars and ``[]`` for unset lists; both
are accepted. Unknown properties and enum values are refused with their JSON path.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openidv.sessions.catalogue import COUNTRY_CODES
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


class CheckResult(_Model):
    report: Report
    document_fields: dict[str, Any] | None = None


class CheckEntry(_Model):
    result: CheckResult
    document_filter: DocumentFilter | None = None
    secondary_document_filter: DocumentFilter | None = None
    liveness_type: Literal["ZOOM", "STATIC"] | None = None


class TaskReason(_Model):
    value: Literal["QUALITY", "USER_ERROR"]
    detail: str | None = None


class TaskRecommendation(_Model):
    value: Literal["PROGRESS", "SHOULD_TRY_AGAIN", "MUST_TRY_AGAIN"]
    reason: TaskReason | None = None


class ContentFile(_Model):
    content_type: str
    data: str  # base64


class TaskResult(_Model):
    document_fields: dict[str, Any] | None = None
    document_id_photo: ContentFile | None = None
    detected_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    recommendation: TaskRecommendation | None = None


class TaskEntry(_Model):
    result: TaskResult
    document_filter: DocumentFilter | None = None


class CheckReports(_Model):
    ID_DOCUMENT_AUTHENTICITY: list[CheckEntry] | None = None
    ID_DOCUMENT_TEXT_DATA_CHECK: list[CheckEntry] | None = None
    ID_DOCUMENT_FACE_MATCH: list[CheckEntry] | None = None
    LIVENESS: list[CheckEntry] | None = None
    ID_DOCUMENT_COMPARISON: list[CheckEntry] | None = None
    SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK: list[CheckEntry] | None = None
    async_report_delay: int | None = Field(default=None, ge=0, le=60)


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
