"""ID_DOCUMENT_FACE_MATCH: the document's portrait against the user's face (the liveness frames,
else the face the relying business uploaded); FACE_COMPARISON: that uploaded face against the
liveness frames.

Measured by :class:`openidv.vision.faces.FaceMatcher` (YuNet + SFace; dlib's ResNet can be
fused in where SFace alone is unsure, but its cross-validated weight is 0, so it is not loaded)
and decided by :func:`openidv.vision.faces.decide`, the same rules the real-face benchmark
counts (benchmarks/faces.py --real): APPROVE at or above the approve threshold; NOT_AVAILABLE
(a reviewer) when no single subject or no usable face is measured, or when a poor image (low
resolution, greyscale, halftone, blur, pose) could not support a rejection; REJECT below the
reject threshold; the band between is REJECT but undecided, so FALLBACK sends it to a reviewer.

The breakdown carries what a reviewer needs to re-judge the decision (the console shows the
portrait and the chosen selfie frame side by side): the score and both thresholds, each model's
own score, the quality measurements and issues of each side, the index of the selfie frame the
score comes from (in the resource's frames) and both face boxes.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from openidv.checks.engines import Evidence, MachineResult
from openidv.checks.readers import face_engine
from openidv.vision.faces import (
    APPROVE_AT,
    REJECT_BELOW,
    DlibResnet,
    Face,
    FaceMatcher,
    FaceMatchMeasurement,
    ImageDecodeError,
    decide,
)
from openidv.vision.faces.second import FUSION_WEIGHT

T = TypeVar("T")
_second_lock = threading.Lock()
_second: DlibResnet | None = None


def second_model() -> DlibResnet:
    """dlib's ResNet, loaded once per process on first use (about 0.5 s)."""
    global _second  # noqa: PLW0603 (one per process, by design)
    with _second_lock:
        if _second is None:
            _second = DlibResnet()
        return _second


def _detail(name: str, value: object) -> dict[str, str]:
    return {"name": name, "value": str(value)}


# A ZOOM burst goes far -> near -> head turn (the capture page's guided phases, by time):
# the frames around the middle are close and frontal, the best for a comparison, and three
# of them keep the check's time bounded whatever the burst's length.
_FRONTAL_AT = (0.4, 0.5, 0.6)


def _frontal_indices(count: int) -> list[int]:
    if count <= len(_FRONTAL_AT):
        return list(range(count))
    return sorted({int(f * (count - 1) + 0.5) for f in _FRONTAL_AT})


def _frontal(frames: list[T]) -> list[T]:
    return [frames[i] for i in _frontal_indices(len(frames))]


def _user_faces(evidence: Evidence) -> tuple[list[bytes], list[int]]:
    """The session's face of the user: the liveness attempt's frames (the frontal ones), else
    the face the relying business uploaded (FACE_CAPTURE); with each one's index among the
    resource's frames or pages."""
    for kind in ("LIVENESS", "FACE_CAPTURE"):
        for resource in evidence.resources:
            media = resource.frames if kind == "LIVENESS" else resource.pages
            if resource.type == kind and media:
                indices = _frontal_indices(len(media))
                return [media[i].load() for i in indices], indices
    return [], []


def _not_available(reason: str, details: list[dict[str, str]]) -> MachineResult:
    return MachineResult(
        decided=False,
        report={
            "recommendation": {"value": "NOT_AVAILABLE", "reason": reason},
            "breakdown": [{"sub_check": "ai_face_match", "result": "FAIL", "details": details}],
        },
    )


def _box(face: Face | None) -> str:
    return "" if face is None else " ".join(f"{v:.0f}" for v in face.box)


def _details(measured: FaceMatchMeasurement, indices: list[int]) -> list[dict[str, str]]:
    details = [
        _detail("model", measured.model_id),
        _detail("frames_used", measured.frames_used),
        _detail("approve_threshold", f"{APPROVE_AT:.3f}"),
        _detail("reject_threshold", f"{REJECT_BELOW:.3f}"),
    ]
    if measured.similarity is not None:
        details.insert(0, _detail("confidence_score", f"{measured.similarity:.2f}"))
    if measured.reasons:
        details.append(_detail("not_measurable", ",".join(r.value for r in measured.reasons)))
    details.append(_detail("document_face_box", _box(measured.document_face)))
    if measured.document_quality is not None:
        for name, value in measured.document_quality.as_details().items():
            details.append(_detail(f"document_{name}", value))
    frame = next(
        (f for f in measured.selfie_frames if f.index == measured.representative_frame), None
    )
    if frame is not None:
        position = indices[frame.index] if frame.index < len(indices) else frame.index
        details.append(_detail("selfie_frame", position))
        details.append(_detail("selfie_face_box", _box(frame.face)))
        if frame.sface_similarity is not None:
            details.append(_detail("sface_score", f"{frame.sface_similarity:.3f}"))
        if frame.dlib_distance is not None:
            details.append(_detail("dlib_distance", f"{frame.dlib_distance:.3f}"))
    if measured.quality_issues:
        details.append(_detail("quality_issues", ",".join(measured.quality_issues)))
    if measured.selfie_consistency is not None:
        details.append(_detail("selfie_consistency", f"{measured.selfie_consistency:.2f}"))
    return details


class FaceMatchEngine:
    """The process's face models (`readers.face_engine` + `second_model`), loaded on first
    use."""

    def _matcher(self) -> FaceMatcher:
        # The second model only costs time while its calibrated weight is 0 (second.py).
        return FaceMatcher(face_engine(), second_model() if FUSION_WEIGHT > 0 else None)

    def run(self, evidence: Evidence) -> MachineResult:
        documents = [r for r in evidence.resources if r.type == "ID_DOCUMENT" and r.pages]
        if not documents:
            return _not_available("DOCUMENT_NOT_FOUND", [])
        faces, indices = _user_faces(evidence)
        if not faces:
            return _not_available("FACE_NOT_FOUND", [])
        # The portrait is on the first page captured (the data page / card front).
        return self._compare(documents[0].pages[0].load(), faces, indices)

    def _compare(self, page: bytes, faces: list[bytes], indices: list[int]) -> MachineResult:
        try:
            measured = self._matcher().match_document_to_selfie(page, faces)
        except ImageDecodeError:
            return _not_available("UNABLE_TO_LOAD", [])
        details = _details(measured, indices)
        decision = decide(measured)
        if decision.value == "NOT_AVAILABLE":
            return _not_available(decision.reason or "INVALID", details)
        recommendation: dict[str, Any] = {"value": decision.value}
        if decision.reason is not None:
            recommendation["reason"] = decision.reason
        return MachineResult(
            decided=decision.decided,
            report={
                "recommendation": recommendation,
                "breakdown": [
                    {
                        "sub_check": "ai_face_match",
                        "result": "PASS" if decision.passed else "FAIL",
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
        indices = _frontal_indices(len(liveness[0].frames))
        frames = [liveness[0].frames[i].load() for i in indices]
        return self._compare(uploaded[0].pages[0].load(), frames, indices)
