"""Rules across fields of a session spec, and what a valid spec implies for the session.

Field-level validation (types, enums, formats) lives in the wire model; this module holds what
depends on several fields, on the clock or on the server's settings: token lifetime versus
deadline, retention versus token lifetime, which evidence the checks need.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any

from openidv.sessions import spec as wire
from openidv.sessions.filters import offered

DAY = 86400
MIN_TOKEN_TTL = 300
# Checks and tasks that read an ID document, and how many documents each needs.
_DOCUMENTS_NEEDED = {
    "ID_DOCUMENT_AUTHENTICITY": 1,
    "ID_DOCUMENT_FACE_MATCH": 1,
    "ID_DOCUMENT_TEXT_DATA_EXTRACTION": 1,
    "ID_DOCUMENT_COMPARISON": 2,
}
DEFAULT_ATTEMPTS = {"GENERIC": 2, "RECLASSIFICATION": 2}


class SpecRuleError(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))
        self.errors = errors


@dataclass(frozen=True)
class SessionPlan:
    """What a session will be, derived once from its spec at creation."""

    token_expires_at: dt.datetime
    resources_expire_at: dt.datetime
    requirements: list[dict[str, Any]]


@dataclass(frozen=True)
class SpecPolicy:
    default_token_ttl: int
    default_resources_ttl: int
    allow_http_notifications: bool
    # manual_check FALLBACK/ALWAYS on LIVENESS (OPENIDV_LIVENESS_MANUAL_REVIEW): a reviewer
    # looks at the frames; off by default (the operator must staff the queue).
    liveness_manual_review: bool = False


def plan_session(spec: wire.SessionSpec, policy: SpecPolicy, now: dt.datetime) -> SessionPlan:
    errors: list[tuple[str, str]] = []

    if spec.client_session_token_ttl is not None and spec.session_deadline is not None:
        errors.append(
            ("session_deadline", "must not be given together with client_session_token_ttl")
        )
    if spec.session_deadline is not None:
        token_expires_at = spec.session_deadline.astimezone(dt.UTC)
        if (token_expires_at - now).total_seconds() <= MIN_TOKEN_TTL:
            errors.append(("session_deadline", "must be more than 5 minutes in the future"))
    else:
        ttl = spec.client_session_token_ttl or policy.default_token_ttl
        token_expires_at = now + dt.timedelta(seconds=ttl)
    token_seconds = max(0, math.ceil((token_expires_at - now).total_seconds()))

    minimum_resources_ttl = token_seconds + DAY
    if spec.resources_ttl is None:
        resources_ttl = max(policy.default_resources_ttl, minimum_resources_ttl)
    else:
        resources_ttl = spec.resources_ttl
        if resources_ttl < minimum_resources_ttl:
            errors.append(
                (
                    "resources_ttl",
                    f"must be at least the client session token lifetime plus 24 hours "
                    f"({minimum_resources_ttl} seconds)",
                )
            )

    if spec.notifications is not None:
        errors += _notification_errors(spec.notifications, policy)
    errors += _evidence_errors(spec, policy)
    if errors:
        raise SpecRuleError(errors)

    return SessionPlan(
        token_expires_at=token_expires_at,
        resources_expire_at=now + dt.timedelta(seconds=resources_ttl),
        requirements=_requirements(spec),
    )


def _notification_errors(
    notifications: wire.Notifications, policy: SpecPolicy
) -> list[tuple[str, str]]:
    errors = []
    if not policy.allow_http_notifications and not notifications.endpoint.startswith("https://"):
        errors.append(("notifications.endpoint", "must be an https URL"))
    if notifications.auth_type is not None and not notifications.auth_token:
        errors.append(("notifications.auth_token", "must not be empty when auth_type is given"))
    return errors


def _evidence_errors(spec: wire.SessionSpec, policy: SpecPolicy) -> list[tuple[str, str]]:
    errors = []
    if not (spec.requested_checks or spec.requested_tasks or spec.required_documents):
        errors.append(("requested_checks", "must not be empty when nothing else is requested"))
    for index, check in enumerate(spec.requested_checks):
        if (
            isinstance(check, wire.LivenessCheck)
            and check.config.manual_check not in (None, "NEVER")
            and not policy.liveness_manual_review
        ):
            errors.append((
                f"requested_checks[{index}].config.manual_check",
                "liveness review is not enabled on this server (OPENIDV_LIVENESS_MANUAL_REVIEW); "
                "only NEVER",
            ))  # fmt: skip
    check_types = [check.type for check in spec.requested_checks]
    for index, kind in enumerate(check_types):
        if kind in check_types[:index]:
            errors.append((f"requested_checks[{index}].type", f"{kind} is requested twice"))
    task_types = [task.type for task in spec.requested_tasks]
    for index, kind in enumerate(task_types):
        if kind in task_types[:index]:
            errors.append((f"requested_tasks[{index}].type", f"{kind} is requested twice"))
    # A face to compare: the liveness capture, or the face the relying business uploads for
    # FACE_COMPARISON (which itself compares that face with the liveness capture).
    faces = {"LIVENESS", "FACE_COMPARISON"} & set(check_types)
    if "ID_DOCUMENT_FACE_MATCH" in check_types and not faces:
        index = check_types.index("ID_DOCUMENT_FACE_MATCH")
        errors.append(
            (
                f"requested_checks[{index}].type",
                "ID_DOCUMENT_FACE_MATCH needs a LIVENESS or FACE_COMPARISON check (a face)",
            )
        )
    if "FACE_COMPARISON" in check_types and "LIVENESS" not in check_types:
        index = check_types.index("FACE_COMPARISON")
        errors.append((f"requested_checks[{index}].type", "FACE_COMPARISON needs a LIVENESS check"))
    for index, document in enumerate(spec.required_documents):
        if isinstance(document, wire.RequiredIdDocument) and document.filter is not None:
            dumped = document.filter.model_dump(mode="json", exclude_none=True)
            if not offered(dumped):
                errors.append(
                    (f"required_documents[{index}].filter",
                     "leaves no document that can be presented: no supported country and "
                     "document type passes it")
                )  # fmt: skip
    wants_supplementary = "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION" in task_types
    has_supplementary = any(d.type == "SUPPLEMENTARY_DOCUMENT" for d in spec.required_documents)
    if wants_supplementary and not has_supplementary:
        index = task_types.index("SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION")
        errors.append(
            (
                f"requested_tasks[{index}].type",
                "needs a SUPPLEMENTARY_DOCUMENT in required_documents",
            )
        )
    return errors


def _requirements(spec: wire.SessionSpec) -> list[dict[str, Any]]:
    """The evidence the end user must provide, each with a stable id for the capture client."""
    sdk = spec.sdk_config or wire.SdkConfig()
    configured = (sdk.attempts_configuration or {}).get("ID_DOCUMENT_TEXT_DATA_EXTRACTION", {})
    attempts: dict[str, int] = {**DEFAULT_ATTEMPTS}
    attempts.update(configured.items())
    id_tasks = [
        t.type for t in spec.requested_tasks if t.type == "ID_DOCUMENT_TEXT_DATA_EXTRACTION"
    ]
    supplementary_tasks = [
        t.type for t in spec.requested_tasks if t.type != "ID_DOCUMENT_TEXT_DATA_EXTRACTION"
    ]

    requirements: list[dict[str, Any]] = []

    def id_document(filter_: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "type": "ID_DOCUMENT",
            "filter": filter_,
            "requested_tasks": id_tasks,
            "allowed_capture_methods": sdk.allowed_capture_methods or "CAMERA_AND_UPLOAD",
            "attempts": attempts,
        }

    for document in spec.required_documents:
        if isinstance(document, wire.RequiredIdDocument):
            filter_ = (
                document.filter.model_dump(mode="json", exclude_none=True)
                if document.filter
                else None
            )
            requirements.append(id_document(filter_))
        else:
            requirements.append(
                {
                    "id": str(uuid.uuid4()),
                    "type": "SUPPLEMENTARY_DOCUMENT",
                    "requested_tasks": supplementary_tasks,
                    "document_types": list(document.document_types or []),
                    "country_codes": list(document.country_codes or []),
                    "objective": (
                        document.objective.model_dump(mode="json") if document.objective else None
                    ),
                }
            )
    needed = max(
        [_DOCUMENTS_NEEDED.get(c.type, 0) for c in spec.requested_checks]
        + [_DOCUMENTS_NEEDED.get(t, 0) for t in id_tasks]
        + [0]
    )
    while sum(r["type"] == "ID_DOCUMENT" for r in requirements) < needed:
        requirements.append(id_document(None))
    for check in spec.requested_checks:
        if isinstance(check, wire.LivenessCheck):
            requirements.append(
                {
                    "id": str(uuid.uuid4()),
                    "type": "LIVENESS",
                    "liveness_type": check.config.liveness_type,
                    "max_retries": check.config.max_retries,
                }
            )
        elif isinstance(check, wire.FaceComparisonCheck):
            # Supplied by the relying business through the integrator API, not by the user.
            requirements.append({"id": str(uuid.uuid4()), "type": "FACE_CAPTURE"})
    return requirements
