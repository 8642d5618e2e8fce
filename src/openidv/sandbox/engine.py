"""Results from the sandbox ResponseConfig, through the same processing path as live ones.

Entries are matched to the session's resources by ``document_filter``; successive LIVENESS
entries answer successive liveness attempts (the n-th LIVENESS check of the session takes the
n-th entry, the last entry answering any further ones). A type with no entry approves, as
Yoti's sandbox does without a config. An entry's ``response_delay``, else
``async_report_delay``, delays its result by that many seconds (at most 60). Entries give a
``report`` / ``result`` or name a template (sandbox/templates.py).

Configured results are final, as Yoti's sandbox fabricates them (reference §7: it "skips real
processing"): processing records them DONE whatever the check's ``manual_check`` (ALWAYS, or
FALLBACK with a NOT_AVAILABLE), so a CI run never waits for a reviewer. ``decided`` still
says whether the machine could decide, for the metrics.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from openidv.checks.engines import Evidence, GeneratedMedia, MachineResult
from openidv.sandbox.config import CheckEntry, ResponseConfig, TaskEntry
from openidv.sandbox.templates import entry_report, task_fields, task_recommendation


def _pick(entries: list[Any], evidence: Evidence, attempt: int) -> Any:
    documents = [r for r in evidence.resources if r.type != "LIVENESS"]
    matching = [
        e
        for e in entries
        if e.document_filter is None
        or any(e.document_filter.matches(d.document_type, d.issuing_country) for d in documents)
    ]
    if not matching:
        return None
    return matching[min(attempt, len(matching) - 1)]


def _wait(entry: CheckEntry | TaskEntry | None, config: ResponseConfig) -> None:
    delay = entry.response_delay if entry is not None else None
    if delay is None and config.check_reports is not None:
        delay = config.check_reports.async_report_delay
    if delay:
        time.sleep(delay)


class SandboxEngine:
    def run(self, evidence: Evidence) -> MachineResult:
        config = ResponseConfig.model_validate(evidence.sandbox_config or {})
        if evidence.item_type.endswith("TEXT_DATA_EXTRACTION"):
            return self._task(config, evidence)
        entries = getattr(config.check_reports, evidence.item_type, None) or []
        entry: CheckEntry | None = _pick(entries, evidence, evidence.attempt)
        _wait(entry, config)
        if entry is None:
            report: dict[str, Any] = {"recommendation": {"value": "APPROVE"}, "breakdown": []}
        else:
            report = entry_report(evidence.item_type, entry)
        return MachineResult(
            decided=report["recommendation"]["value"] != "NOT_AVAILABLE", report=report
        )

    def _task(self, config: ResponseConfig, evidence: Evidence) -> MachineResult:
        entries = getattr(config.task_results, evidence.item_type, None) or []
        entry: TaskEntry | None = _pick(entries, evidence, 0)
        _wait(entry, config)
        media: list[GeneratedMedia] = []
        recommendation: dict[str, Any] = {"value": "PROGRESS"}
        if entry is not None:
            recommendation = task_recommendation(entry)
            fields = task_fields(entry)
            if fields is not None:
                media.append(
                    GeneratedMedia("JSON", "application/json", json.dumps(fields).encode(),
                                   "document_fields")
                )  # fmt: skip
            photo = entry.result.document_id_photo if entry.result is not None else None
            if photo is not None:
                media.append(
                    GeneratedMedia("IMAGE", photo.content_type, base64.b64decode(photo.data),
                                   "document_id_photo")
                )  # fmt: skip
        return MachineResult(
            decided=recommendation["value"] == "PROGRESS",
            recommendation=recommendation,
            media=media,
        )
