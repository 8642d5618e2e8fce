"""From a face-match measurement to a decision: APPROVE, REJECT, or a reviewer.

Pure: thresholds in, a :class:`FaceDecision` out, so the check and the benchmark decide the
same way. The order of the rules is the policy:

1. not measurable (no face, too small, two similar faces in the selfie): NOT_AVAILABLE;
2. selfie frames that disagree with each other (a swapped frame?): REJECT, undecided;
3. score >= ``APPROVE_AT``: APPROVE, whatever the image quality (a poor image lowers genuine
   scores; it does not raise impostor ones to a match: see the README's real-face figures);
4. a poor image on either side (``quality``: low resolution, a resolved dot screen, blur, a
   turned head; quality.POOR_ISSUES): NOT_AVAILABLE, undecided: the image cannot support a
   rejection, so a reviewer looks. A greyscale portrait is not poor (laser-engraved cards
   print them by design, and it is compared with the selfie in grey): it is decided;
5. score < ``REJECT_BELOW``: REJECT, DIFFERENT_PERSON, decided;
6. between the two: REJECT, undecided (FALLBACK sends it to a reviewer).
"""

from __future__ import annotations

from dataclasses import dataclass

from openidv.vision.faces.match import FaceMatchMeasurement, NotMeasurableReason

__all__ = ["APPROVE_AT", "REJECT_BELOW", "FaceDecision", "decide"]

# On the fused score (SFace's cosine scale; SFace alone while the fusion weight is 0). Checked,
# not fitted, on the real-face development set (benchmarks/faces.py --real, README "Real
# faces"): no impostor of 40,740 reaches 0.50 (the highest, 0.485, is a look-alike pair), while
# a threshold fitted by cross-validation without that family lets 1-4 of its 900 pairs through.
# 0.363 is OpenCV's published SFace threshold; about 1.4% of genuine pairs fall below it, most
# of them halftone portraits, which the quality rule sends to a reviewer instead (with the
# mirror-averaged vectors none of 1,120 is decided REJECT; before them one greyscale card was).
APPROVE_AT = 0.50
REJECT_BELOW = 0.363

_NOT_MEASURABLE = {
    NotMeasurableReason.DOCUMENT_FACE_NOT_FOUND: "FACE_NOT_FOUND",
    NotMeasurableReason.DOCUMENT_FACE_TOO_SMALL: "FACE_PHOTO_LOW_RESOLUTION",
    NotMeasurableReason.SELFIE_FACE_NOT_FOUND: "FACE_NOT_FOUND",
    NotMeasurableReason.SELFIE_FACE_TOO_SMALL: "FACE_PHOTO_LOW_RESOLUTION",
    NotMeasurableReason.SELFIE_MULTIPLE_FACES: "MISUSE",
}
# Yoti's NOT_AVAILABLE reasons for ID_DOCUMENT_FACE_MATCH, by the first quality issue.
_QUALITY = {
    "LOW_RESOLUTION": "FACE_PHOTO_LOW_RESOLUTION",
    "HALFTONE": "FACE_PHOTO_LOW_RESOLUTION",
    "BLURRY": "PHOTO_TOO_BLURRY",
    "POSE": "PARTIAL_PHOTO",
}


@dataclass(frozen=True, slots=True)
class FaceDecision:
    value: str  # APPROVE | REJECT | NOT_AVAILABLE
    reason: str | None  # Yoti's reason, None for APPROVE
    decided: bool  # False: a reviewer decides (FALLBACK) or it stays undecided
    why: str  # which rule: not_measurable | inconsistent | approve | quality | reject | grey

    @property
    def passed(self) -> bool:
        return self.value == "APPROVE"


def decide(
    measured: FaceMatchMeasurement,
    approve_at: float = APPROVE_AT,
    reject_below: float = REJECT_BELOW,
) -> FaceDecision:
    if not measured.measurable or measured.similarity is None:
        reason = (
            _NOT_MEASURABLE.get(measured.reasons[0], "INVALID") if measured.reasons else ("INVALID")
        )
        return FaceDecision("NOT_AVAILABLE", reason, False, "not_measurable")
    score = measured.similarity
    if measured.selfie_consistency is not None and measured.selfie_consistency < reject_below:
        return FaceDecision("REJECT", "DIFFERENT_PERSON", False, "inconsistent")
    if score >= approve_at:
        return FaceDecision("APPROVE", None, True, "approve")
    issues = measured.poor_quality_issues
    if issues:
        kind = issues[0].split("_", 1)[1]
        return FaceDecision("NOT_AVAILABLE", _QUALITY.get(kind, "INVALID"), False, "quality")
    if score < reject_below:
        return FaceDecision("REJECT", "DIFFERENT_PERSON", True, "reject")
    return FaceDecision("REJECT", "DIFFERENT_PERSON", False, "grey")
