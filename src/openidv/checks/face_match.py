"""ID_DOCUMENT_FACE_MATCH: the document's portrait against the user's face (the liveness
frames, else the face the relying business uploaded); FACE_COMPARISON: that uploaded face
against the liveness frames.

Decision bands on the median SFace cosine similarity (``openidv.vision.faces``):

* ``>= APPROVE_AT`` (0.50): APPROVE, decided.
* ``< REJECT_BELOW`` (0.363, OpenCV's published SFace threshold): REJECT, DIFFERENT_PERSON,
  decided.
* between the two: the grey zone. Reported as REJECT (a false accept costs more than a false
  reject) but *undecided*, so FALLBACK sends it to a reviewer.
* not measurable (no face, face too small, several faces): NOT_AVAILABLE with Yoti's reason,
  undecided.

The thresholds come from a sanity check on 3 identities (benchmarks/faces.py), not from a
calibration: the breakdown carries the score and both thresholds so every decision can be
re-judged later. Each liveness frame set disagreeing with itself (selfie_consistency below the
reject threshold) is treated as a possible frame swap and also left undecided.
"""

from __future__ import annotations

from typing import Any, TypeVar

from openidv.checks.engines import Evidence, MachineResult
from openidv.checks.readers import face_engine
from openidv.vision.faces import (
    SFACE_COSINE_THRESHOLD,
    STRICT_COSINE_THRESHOLD,
    FaceEngine,
    ImageDecodeError,
    NotMeasurableReason,
)

T = TypeVar("T")
APPROVE_AT = STRICT_COSINE_THRESHOLD
REJECT_BELOW = SFACE_COSINE_THRESHOLD

_REASONS = {
    NotMeasurableReason.DOCUMENT_FACE_NOT_FOUND: "FACE_NOT_FOUND",
    NotMeasurableReason.DOCUMENT_FACE_TOO_SMALL: "FACE_PHOTO_LOW_RESOLUTION",
    NotMeasurableReason.SELFIE_FACE_NOT_FOUND: "FACE_NOT_FOUND",
    NotMeasurableReason.SELFIE_FACE_TOO_SMALL: "FACE_PHOTO_LOW_RESOLUTION",
    NotMeasurableReason.SELFIE_MULTIPLE_FACES: "MISUSE",
}


def _detail(name: str, value: object) -> dict[str, str]:
    return {"name": name, "value": str(value)}


# A ZOOM burst goes far -> near -> head turn (the capture page's guided phases, by time):
# the frames around the middle are close and frontal, the best for a comparison, and three
# of them keep the check's time bounded whatever the burst's length.
_FRONTAL_AT = (0.4, 0.5, 0.6)


def _frontal(frames: list[T]) -> list[T]:
    if len(frames) <= len(_FRONTAL_AT):
        return frames
    picked = sorted({int(f * (len(frames) - 1) + 0.5) for f in _FRONTAL_AT})
    return [frames[i] for i in picked]


def _user_faces(evidence: Evidence) -> list[bytes]:
    """The session's face of the user: the liveness attempt's frames (the frontal ones), else
    the face the relying business uploaded (FACE_CAPTURE)."""
    for kind in ("LIVENESS", "FACE_CAPTURE"):
        for resource in evidence.resources:
            media = resource.frames if kind == "LIVENESS" else resource.pages
            if resource.type == kind and media:
                return [item.load() for item in _frontal(media)]
    return []


def _not_available(reason: str, details: list[dict[str, str]]) -> MachineResult:
    return MachineResult(
        decided=False,
        report={
            "recommendation": {"value": "NOT_AVAILABLE", "reason": reason},
            "breakdown": [{"sub_check": "ai_face_match", "result": "FAIL", "details": details}],
        },
    )


class FaceMatchEngine:
    """The process's face models (`readers.face_engine`), loaded on first use."""

    def _engine(self) -> FaceEngine:
        return face_engine()

    def run(self, evidence: Evidence) -> MachineResult:
        documents = [r for r in evidence.resources if r.type == "ID_DOCUMENT" and r.pages]
        if not documents:
            return _not_available("DOCUMENT_NOT_FOUND", [])
        faces = _user_faces(evidence)
        if not faces:
            return _not_available("FACE_NOT_FOUND", [])
        # The portrait is on the first page captured (the data page / card front).
        return self._compare(documents[0].pages[0].load(), faces)

    def _compare(self, page: bytes, faces: list[bytes]) -> MachineResult:
        frames = faces
        try:
            measured = self._engine().match_document_to_selfie(page, frames)
        except ImageDecodeError:
            return _not_available("UNABLE_TO_LOAD", [])

        details = [
            _detail("model", measured.model_id),
            _detail("frames_used", measured.frames_used),
            _detail("approve_threshold", f"{APPROVE_AT:.3f}"),
            _detail("reject_threshold", f"{REJECT_BELOW:.3f}"),
        ]
        if not measured.measurable or measured.similarity is None:
            reasons = [r.value for r in measured.reasons]
            details.append(_detail("not_measurable", ",".join(reasons)))
            return _not_available(_REASONS.get(measured.reasons[0], "INVALID"), details)

        score = measured.similarity
        details.insert(0, _detail("confidence_score", f"{score:.2f}"))
        consistent = (
            measured.selfie_consistency is None or measured.selfie_consistency >= REJECT_BELOW
        )
        if consistent and score >= APPROVE_AT:
            recommendation: dict[str, Any] = {"value": "APPROVE"}
            decided, passed = True, True
        else:
            recommendation = {"value": "REJECT", "reason": "DIFFERENT_PERSON"}
            decided, passed = consistent and score < REJECT_BELOW, False
        if measured.selfie_consistency is not None:
            details.append(_detail("selfie_consistency", f"{measured.selfie_consistency:.2f}"))
        return MachineResult(
            decided=decided,
            report={
                "recommendation": recommendation,
                "breakdown": [
                    {
                        "sub_check": "ai_face_match",
                        "result": "PASS" if passed else "FAIL",
                        "details": details,
                        "process": "AUTOMATED",
                    }
                ],
            },
        )


class FaceComparisonEngine(FaceMatchEngine):
    """FACE_COMPARISON: the face the relying business uploaded against the liveness capture,
    on the same models and decision bands as the document face match."""

    def run(self, evidence: Evidence) -> MachineResult:
        uploaded = [r for r in evidence.resources if r.type == "FACE_CAPTURE" and r.pages]
        liveness = [r for r in evidence.resources if r.type == "LIVENESS" and r.frames]
        if not uploaded:
            return _not_available("DOCUMENT_NOT_FOUND", [])
        if not liveness:
            return _not_available("FACE_NOT_FOUND", [])
        frames = [frame.load() for frame in _frontal(liveness[0].frames)]
        return self._compare(uploaded[0].pages[0].load(), frames)
