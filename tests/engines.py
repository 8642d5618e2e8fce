"""Engines for processing tests: trivial and predictable, so the tests are about the machinery
(leases, retries, routing, notifications), not about vision.

Selected with OPENIDV_ENGINES="TYPE=tests.engines:Approve,...". Every run is appended to the
file named by OPENIDV_TEST_ENGINE_LOG (when set), so a test can count executions.
"""

from __future__ import annotations

import json
import os
import time

from openidv.checks.engines import Evidence, GeneratedMedia, MachineResult


def _log(evidence: Evidence, event: str) -> None:
    path = os.environ.get("OPENIDV_TEST_ENGINE_LOG")
    if path:
        with open(path, "a") as fh:
            fh.write(f"{event} {evidence.item_type} {evidence.session_id} {os.getpid()}\n")
            fh.flush()


class Approve:
    def run(self, evidence: Evidence) -> MachineResult:
        _log(evidence, "start")
        pages = sum(len(r.pages) + len(r.frames) for r in evidence.resources)
        assert pages > 0, "the engine must see the evidence"
        for resource in evidence.resources:  # and be able to decrypt it
            for item in resource.pages + resource.frames:
                assert item.load()
        if evidence.item_type.endswith("TEXT_DATA_EXTRACTION"):
            fields = {"full_name": "ANNA MARIA ERIKSSON", "document_number": "L898902C3"}
            result = MachineResult(
                decided=True,
                recommendation={"value": "PROGRESS"},
                media=[
                    GeneratedMedia(
                        media_type="JSON",
                        content_type="application/json",
                        content=json.dumps(fields).encode(),
                        role="document_fields",
                    )
                ],
            )
        else:
            result = MachineResult(
                decided=True,
                report={
                    "recommendation": {"value": "APPROVE"},
                    "breakdown": [
                        {
                            "sub_check": "test_engine",
                            "result": "PASS",
                            "details": [{"name": "pages", "value": str(pages)}],
                        }
                    ],
                },
            )
        _log(evidence, "end")
        return result


class Slow(Approve):
    """Approves after OPENIDV_TEST_ENGINE_SLEEP seconds: long enough to kill its worker."""

    def run(self, evidence: Evidence) -> MachineResult:
        _log(evidence, "slow")
        time.sleep(float(os.environ.get("OPENIDV_TEST_ENGINE_SLEEP", "3")))
        return super().run(evidence)


class Broken:
    def run(self, evidence: Evidence) -> MachineResult:
        _log(evidence, "broken")
        raise RuntimeError("the engine always fails")


class Undecided:
    def run(self, evidence: Evidence) -> MachineResult:
        _log(evidence, "undecided")
        return MachineResult(
            decided=False,
            report={
                "recommendation": {"value": "NOT_AVAILABLE", "reason": "PHOTO_TOO_BLURRY"},
                "breakdown": [],
            },
        )
