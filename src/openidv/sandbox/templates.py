"""Yoti's documented sandbox templates: a named outcome instead of a spelled-out report.

``{"result": {"report_template": "SUCCESS"}}`` for a check and ``{"result_template": "SUCCESS"}``
for a task stand for a whole report. The names Yoti documents are served as documented
(SUCCESS approves; face match AUTO_FAIL / MANUAL_FAIL / FAIL reject with the automated, the
manual or both sub-checks failing; a task's UNSUPPORTED_DOCUMENT, DOCUMENT_IS_EXPIRED and
UNABLE_TO_OCR ask the user to try again). Beyond those, any of Yoti's recommendation reasons for
the check is a template for that recommendation with that reason (TAMPERED, PHOTO_TOO_BLURRY,
...), and FAIL rejects any check. An explicit ``report`` or ``result`` wins over its template.
"""

from __future__ import annotations

from typing import Any

from openidv.review.reasons import CHECK_DECISIONS, FACE_NOT_AVAILABLE, NOT_AVAILABLE
from openidv.sandbox.config import CheckEntry, ResponseConfig, TaskEntry

SUCCESS = "SUCCESS"
# The sub-checks each check's SUCCESS report shows, all passing (reference §4.4).
_SUB_CHECKS = {
    "ID_DOCUMENT_AUTHENTICITY": (
        "document_in_date", "mrz_validation", "no_sign_of_tampering", "other_security_features",
        "physical_document_captured",
    ),
    "ID_DOCUMENT_FACE_MATCH": ("ai_face_match",),
    "FACE_COMPARISON": ("ai_face_match",),
    "LIVENESS": ("liveness_auth",),
    "ID_DOCUMENT_TEXT_DATA_CHECK": ("text_data_readable",),
    "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK": ("text_data_readable",),
    "ID_DOCUMENT_COMPARISON": ("ai_face_match", "document_data_match"),
}  # fmt: skip
# Face match: which sub-checks fail under each documented failure template.
_FACE_FAILURES = {
    "AUTO_FAIL": ("ai_face_match",),
    "MANUAL_FAIL": ("manual_face_match",),
    "FAIL": ("ai_face_match", "manual_face_match"),
}
_TEXT_DATA_REASONS: dict[str, tuple[str, ...]] = {"NOT_AVAILABLE": NOT_AVAILABLE}
_REASONS: dict[str, dict[str, tuple[str, ...]]] = {
    **CHECK_DECISIONS,
    "FACE_COMPARISON": {"NOT_AVAILABLE": FACE_NOT_AVAILABLE},
    "ID_DOCUMENT_TEXT_DATA_CHECK": _TEXT_DATA_REASONS,
    "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK": _TEXT_DATA_REASONS,
}

# Task templates -> the task's recommendation.
_TASK_TEMPLATES: dict[str, dict[str, Any]] = {
    SUCCESS: {"value": "PROGRESS"},
    "UNSUPPORTED_DOCUMENT": {
        "value": "MUST_TRY_AGAIN",
        "reason": {"value": "USER_ERROR", "detail": "UNSUPPORTED_DOCUMENT"},
    },
    "DOCUMENT_IS_EXPIRED": {
        "value": "MUST_TRY_AGAIN",
        "reason": {"value": "USER_ERROR", "detail": "DOCUMENT_IS_EXPIRED"},
    },
    "UNABLE_TO_OCR": {
        "value": "SHOULD_TRY_AGAIN",
        "reason": {"value": "QUALITY", "detail": "UNABLE_TO_OCR"},
    },
}
# What a SUCCESS extraction reads: an obviously fictitious specimen.
SPECIMEN_FIELDS: dict[str, Any] = {
    "full_name": "SANDBOX SPECIMEN",
    "given_names": "SANDBOX",
    "family_name": "SPECIMEN",
    "date_of_birth": "1990-01-01",
    "nationality": "GBR",
    "document_number": "000000000",
    "expiration_date": "2099-12-31",
}


def check_templates(check_type: str) -> list[str]:
    """Every template name a check type accepts."""
    names = [SUCCESS, "FAIL"]
    if check_type in ("ID_DOCUMENT_FACE_MATCH", "FACE_COMPARISON"):
        names += ["AUTO_FAIL", "MANUAL_FAIL"]
    for value, reasons in _REASONS.get(check_type, {}).items():
        if value != "APPROVE":
            names += [r for r in reasons if r not in names]
    return names


def task_templates() -> list[str]:
    return list(_TASK_TEMPLATES)


def _sub(name: str, passed: bool) -> dict[str, Any]:
    return {"sub_check": name, "result": "PASS" if passed else "FAIL", "details": []}


def report_from_template(check_type: str, template: str) -> dict[str, Any]:
    sub_checks = _SUB_CHECKS.get(check_type, ())
    if template == SUCCESS:
        return {
            "recommendation": {"value": "APPROVE"},
            "breakdown": [_sub(s, True) for s in sub_checks],
        }
    failing = _FACE_FAILURES.get(template) if "FACE" in check_type else None
    if failing is not None:
        names = [*dict.fromkeys([*sub_checks, *failing])]
        return {
            "recommendation": {"value": "REJECT", "reason": "DIFFERENT_PERSON"},
            "breakdown": [_sub(s, s not in failing) for s in names],
        }
    if template == "FAIL":
        return {
            "recommendation": {"value": "REJECT"},
            "breakdown": [_sub(s, False) for s in sub_checks],
        }
    for value, reasons in _REASONS.get(check_type, {}).items():
        if template in reasons:
            return {
                "recommendation": {"value": value, "reason": template},
                "breakdown": [_sub(s, value != "REJECT") for s in sub_checks[:1]],
            }
    raise ValueError(f"{template} is not a template of {check_type}")


def entry_report(check_type: str, entry: CheckEntry) -> dict[str, Any]:
    """The report a configured check entry stands for."""
    if entry.result.report is not None:
        report = entry.result.report.model_dump(mode="json", exclude_none=True)
        report.setdefault("breakdown", [])
        return report
    assert entry.result.report_template is not None  # the model requires one of the two
    return report_from_template(check_type, entry.result.report_template)


def task_recommendation(entry: TaskEntry) -> dict[str, Any]:
    if entry.result is not None and entry.result.recommendation is not None:
        return entry.result.recommendation.model_dump(mode="json", exclude_none=True)
    return dict(_TASK_TEMPLATES[entry.result_template or SUCCESS])


def task_fields(entry: TaskEntry) -> dict[str, Any] | None:
    """The document fields a task entry yields: as configured, else the specimen's on a
    SUCCESS template; the detected document type and country are part of them, as Yoti's
    document_fields carry them."""
    result = entry.result
    fields = dict(result.document_fields) if result and result.document_fields is not None else None
    if fields is None and entry.result_template == SUCCESS:
        fields = dict(SPECIMEN_FIELDS)
    if fields is not None and result is not None:
        if result.detected_document_type is not None:
            fields.setdefault("document_type", result.detected_document_type)
        if result.detected_country is not None:
            fields.setdefault("issuing_country", result.detected_country)
    return fields


def template_errors(config: ResponseConfig) -> list[tuple[str, str]]:
    """Templates the config names that its check or task type does not have."""
    errors = []
    for group, entries_by_type in (
        ("check_reports", config.check_reports),
        ("task_results", config.task_results),
    ):
        if entries_by_type is None:
            continue
        for item_type, entries in entries_by_type.__dict__.items():
            if not isinstance(entries, list):
                continue
            for index, entry in enumerate(entries):
                path = f"{group}.{item_type}[{index}]"
                if isinstance(entry, CheckEntry):
                    name, allowed = entry.result.report_template, check_templates(item_type)
                    path += ".result.report_template"
                else:
                    name, allowed = entry.result_template, task_templates()
                    path += ".result_template"
                if name is not None and name not in allowed:
                    errors.append((path, f"must be one of {', '.join(allowed)}"))
    return errors
