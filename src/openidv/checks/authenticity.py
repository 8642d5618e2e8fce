"""ID_DOCUMENT_AUTHENTICITY from what the document reader can really evaluate.

Each sub-check carries its measured value and its threshold in ``details``. The decision:

* NOT_AVAILABLE (undecided) when the image cannot be judged: too blurred, glare, too dark,
  too small, or no readable MRZ (Yoti's NOT_AVAILABLE reasons; a retake can fix these).
* REJECT (decided) on evidence of forgery or misuse: a check digit that fails on an otherwise
  readable MRZ (TAMPERED), printed data that contradicts the MRZ (TAMPERED), an expired
  document (EXPIRED_DOCUMENT), a grey-scale copy (DOCUMENT_COPY).
* APPROVE otherwise. This engine does not yet detect screen recaptures, holograms or other
  security features: an APPROVE means "nothing we can measure is wrong", and the breakdown
  says exactly what was measured.
"""

from __future__ import annotations

from typing import Any

from openidv.checks.engines import Evidence, MachineResult
from openidv.checks.readers import document_reader
from openidv.vision.documents.reader import QualityThresholds
from openidv.vision.documents.result import DocumentReading, ReasonCode

_NOT_AVAILABLE = (  # checked in this order: the first one present is the reason given
    (ReasonCode.NOT_AN_IMAGE, "UNABLE_TO_LOAD"),
    (ReasonCode.IMAGE_TOO_SMALL, "IMAGE_RESOLUTION_TOO_LOW"),
    (ReasonCode.BLURRY, "PHOTO_TOO_BLURRY"),
    (ReasonCode.GLARE, "GLARE_OBSTRUCTION"),
    (ReasonCode.UNDEREXPOSED, "PHOTO_TOO_DARK"),
    (ReasonCode.LOW_RESOLUTION, "IMAGE_RESOLUTION_TOO_LOW"),
    (ReasonCode.NO_MRZ, "INCORRECT_MRZ"),
    (ReasonCode.MRZ_UNREADABLE, "INCORRECT_MRZ"),
)


def _sub(name: str, passed: bool, **details: object) -> dict[str, Any]:
    return {
        "sub_check": name,
        "result": "PASS" if passed else "FAIL",
        "details": [{"name": k, "value": str(v)} for k, v in details.items()],
        "process": "AUTOMATED",
    }


class AuthenticityEngine:
    def run(self, evidence: Evidence) -> MachineResult:
        pages = [page for r in evidence.resources if r.type == "ID_DOCUMENT" for page in r.pages]
        readings = [document_reader().read(page.load(), read_viz=True) for page in pages]
        # The page with an MRZ is the one the data checks are about (TD1: often the back).
        with_mrz = [r for r in readings if r.mrz is not None]
        reading = next((r for r in with_mrz if r.mrz and r.mrz.valid), None) or (
            with_mrz[0] if with_mrz else (readings[0] if readings else None)
        )
        if reading is None:
            return _result("NOT_AVAILABLE", "MISSING_DOCUMENT_SIDE", [], decided=False)
        breakdown = _breakdown(reading)
        for code, reason in _NOT_AVAILABLE:
            if reading.has(code):
                return _result("NOT_AVAILABLE", reason, breakdown, decided=False)
        if reading.has(ReasonCode.MRZ_INVALID) or reading.mismatches:
            return _result("REJECT", "TAMPERED", breakdown)
        if reading.expired:
            return _result("REJECT", "EXPIRED_DOCUMENT", breakdown)
        if reading.has(ReasonCode.NO_COLOUR):
            return _result("REJECT", "DOCUMENT_COPY", breakdown)
        return _result("APPROVE", None, breakdown)


def _breakdown(reading: DocumentReading) -> list[dict[str, Any]]:
    gate = QualityThresholds()
    quality = reading.quality
    mrz = reading.mrz
    subs = [
        _sub("mrz_validation", mrz is not None and mrz.valid,
             format=mrz.format.name if mrz and mrz.format else "none",
             problems=len(mrz.problems) if mrz else "no MRZ"),
        _sub("ocr_mrz_comparison", not reading.mismatches,
             mismatched_fields=",".join(reading.mismatches) or "none"),
        _sub("document_in_date", reading.expired is False,
             expired="unknown" if reading.expired is None else reading.expired),
    ]  # fmt: skip
    if quality is not None:
        subs += [
            _sub("physical_document_captured", quality.colourfulness >= gate.min_colourfulness,
                 colourfulness=f"{quality.colourfulness:.1f}",
                 threshold=gate.min_colourfulness, screen_recapture="not evaluated"),
            _sub("image_quality", not any(reading.has(code) for code, _ in _NOT_AVAILABLE[1:6]),
                 sharpness=f"{quality.sharpness:.0f}", sharpness_threshold=gate.min_sharpness,
                 glare=f"{quality.glare_blob:.3f}", glare_threshold=gate.max_glare_blob),
        ]  # fmt: skip
    return subs


def _result(
    value: str, reason: str | None, breakdown: list[dict[str, Any]], *, decided: bool = True
) -> MachineResult:
    recommendation: dict[str, Any] = {"value": value}
    if reason:
        recommendation["reason"] = reason
    return MachineResult(
        decided=decided, report={"recommendation": recommendation, "breakdown": breakdown}
    )
