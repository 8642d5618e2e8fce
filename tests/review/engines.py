"""Engines for the console's tests: results shaped as the real engines write them, so that the
case page is shown what a reviewer meets (a face match in the grey zone with its score and
thresholds; a data entry the machine read every field of; an authenticity check with the
seven sub-checks and long measured values of a real two-sided card)."""

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


def _subs(*rows: tuple[str, bool, list[tuple[str, str]]]) -> list[dict[str, object]]:
    return [
        {
            "sub_check": name,
            "result": "PASS" if passed else "FAIL",
            "details": [{"name": k, "value": v} for k, v in details],
            "process": "AUTOMATED",
        }
        for name, passed, details in rows
    ]


# What checks/authenticity.py reported for a blurred synthetic TD1 card, front and back
# (generate_document(7, fmt="TD1", degradation="blur", two_sided=True)), verbatim: the
# widest breakdown a reviewer meets, with comma-joined field lists and no space to wrap at.
CARD_BREAKDOWN = _subs(
    ("mrz_validation", False, [("format", "TD1"), ("problems", "2")]),
    ("ocr_mrz_comparison", False, [
        ("mismatched_fields", "none"),
        ("compared_fields", "date_of_birth,document_number,expiry_date"),
        ("required_fields", "document_number,surname,date_of_birth"),
        ("mrz_names_legible", "False"),
    ]),
    ("document_in_date", True, [("expired", "False")]),
    ("front_back_consistency", False, [
        ("compared_fields", "date_of_birth,document_number,expiry_date"),
        ("mismatched_fields", "none"),
        ("required_fields", "document_number,surname,date_of_birth"),
    ]),
    ("physical_document_captured", True, [
        ("screen_recapture", "False"), ("moire", "10.0"), ("moire_threshold", "15.0"),
        ("moire_luma", "4.0"), ("moire_luma_threshold", "12.0"), ("screen_frame_sides", "0"),
        ("screen_frame_sides_threshold", "3 (or every visible side, when only 2)"),
        ("screen_frame_visible_sides", "0"), ("photocopy", "False"),
        ("chroma_spread", "5.76"), ("chroma_spread_threshold", "2.9"),
        ("saturation_p95", "22"), ("saturation_p95_threshold", "15.0"),
        ("white_share", "0.000"), ("white_share_threshold", "0.1"),
    ]),
    ("portrait_present", True, [("face_size_px", "93"), ("face_size_threshold", "60")]),
    ("image_quality", True, [
        ("sharpness", "105"), ("sharpness_threshold", "40.0"), ("glare", "0.000"),
        ("glare_threshold", "0.01"), ("glare_on_mrz", "0.000"), ("mrz_text_height_px", "27.4"),
        ("mrz_text_height_threshold", "12.0"), ("hides_checked_data", "True"),
    ]),
)  # fmt: skip


class UnreadableCard:
    """ID_DOCUMENT_AUTHENTICITY undecided on an MRZ it could not read (NOT_AVAILABLE,
    INCORRECT_MRZ), with the real engine's seven-row breakdown."""

    def run(self, evidence: Evidence) -> MachineResult:
        return MachineResult(
            decided=False,
            report={
                "recommendation": {"value": "NOT_AVAILABLE", "reason": "INCORRECT_MRZ"},
                "breakdown": CARD_BREAKDOWN,
            },
        )
