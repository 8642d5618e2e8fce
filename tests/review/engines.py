"""Engines for the console's tests: results shaped as the real engines write them, so that the
case page is shown what a reviewer meets (a face match in the grey zone with its score and
thresholds; a data entry the machine read every field of)."""

from __future__ import annotations

import json

from openidv.checks.engines import Evidence, GeneratedMedia, MachineResult

# The ICAO 9303 specimen's fields, as checks/text_extraction.py writes them.
READ = {
    "full_name": "ANNA MARIA ERIKSSON",
    "given_names": "ANNA MARIA",
    "family_name": "ERIKSSON",
    "date_of_birth": "1974-08-12",
    "gender": "FEMALE",
    "nationality": "UTO",
    "issuing_country": "UTO",
    "document_number": "L898902C3",
    "expiration_date": "2012-04-15",
    "document_type": "PASSPORT",
}
SOURCES: dict[str, dict[str, object]] = {key: {"source": "MRZ"} for key in READ}
SOURCES["family_name"] = {"source": "MRZ", "printed_confidence": 0.97}


class GreyZone:
    """ID_DOCUMENT_FACE_MATCH between its two thresholds: REJECT, undecided (as
    checks/face_match.py reports a score of 0.42)."""

    def run(self, evidence: Evidence) -> MachineResult:
        details = [
            {"name": "confidence_score", "value": "0.42"},
            {"name": "model", "value": "opencv-face-recognition-sface-2021dec-int8-and-a-long-id"},
            {"name": "frames_used", "value": "3"},
            {"name": "approve_threshold", "value": "0.500"},
            {"name": "reject_threshold", "value": "0.363"},
            # The specimen page's portrait (tests/e2e/console_helpers.py draws it there).
            {"name": "document_face_box", "value": "105,140,110,180"},
        ]
        return MachineResult(
            decided=False,
            report={
                "recommendation": {"value": "REJECT", "reason": "DIFFERENT_PERSON"},
                "breakdown": [
                    {"sub_check": "ai_face_match", "result": "FAIL", "details": details,
                     "process": "AUTOMATED"}
                ],
            },
        )  # fmt: skip


class ReadAll:
    """ID_DOCUMENT_TEXT_DATA_EXTRACTION that read every field (decided; ALWAYS sends it on)."""

    def run(self, evidence: Evidence) -> MachineResult:
        fields = {**READ, "field_sources": SOURCES}
        return MachineResult(
            decided=True,
            recommendation={"value": "PROGRESS"},
            media=[
                GeneratedMedia("JSON", "application/json", json.dumps(fields).encode(),
                               "document_fields")
            ],
        )  # fmt: skip
