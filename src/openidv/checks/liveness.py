"""LIVENESS: ZOOM (active: far -> near -> the server's random moves) and STATIC (a selfie and
the short burst around it).

ZOOM (``openidv.vision.liveness.zoom``): APPROVE when every deciding signal passes (continuity,
identity, approach, screen moire, injected still, frame timing against the challenge's issue,
3-D move, the moves drawn) and
the camera facts show no injection (``vision.liveness.injection``: virtual-camera names, frames
of another shape than the camera's); REJECT when one fails (Yoti gives no reason on REJECT);
NOT_AVAILABLE with a ``recovery_suggestion`` (FACE_NOT_FOUND, MULTIPLE_FACES, MOVE_CLOSER,
HOLD_STILL, BETTER_LIGHT, TOO_FEW_FRAMES, TURN_FURTHER) when the attempt cannot be measured,
undecided, so FALLBACK sends it to a reviewer (manual review of LIVENESS needs
``OPENIDV_LIVENESS_MANUAL_REVIEW``). A ZOOM attempt without a server-issued challenge is
NOT_AVAILABLE. Attempts issued before move sequences (one ``turn``) are judged on that move.

STATIC: the page sends a short burst around the selfie (no request to move); the burst is
judged by the ZOOM machinery without a challenge: any attack signal REJECTs; a burst the engine
finds live (natural motion no plane makes, ``zoom.BURST_PROOF``, only while
``zoom.BURST_APPROVAL`` is on; it is off, see there) is APPROVEd unless an operator model
disagrees; passing the attack signals without that proves no person (NOT_PROVEN). The selfie
(the burst's middle frame) gets the one-frame measures (``openidv.vision.liveness.static``):
strong evidence of a screen or print REJECTs; an operator-supplied passive model
(``passive_model_path``) decides APPROVE / REJECT at ``passive_threshold`` (not calibrated
here); without one the result is NOT_AVAILABLE and a reviewer decides (FALLBACK / ALWAYS). A
single frame (older pages, SDK uploads) is judged as before on the one-frame measures.

Every measured value and its threshold is in the breakdown details (strings). Models are loaded
once per process on first use (workers fork).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openidv.checks.engines import Evidence, EvidenceResource, MachineResult
from openidv.checks.readers import face_engine
from openidv.vision.faces import FaceEngine, ImageDecodeError
from openidv.vision.liveness.injection import camera_signals
from openidv.vision.liveness.moves import MOVES
from openidv.vision.liveness.static import PassiveModel, StaticMeasurement, analyse_static
from openidv.vision.liveness.zoom import LivenessReason, Signal, ZoomAnalyser, ZoomMeasurement

SUB_CHECK = "liveness_auth"
PASSIVE_THRESHOLD = 0.5


def _detail(name: str, value: object) -> dict[str, str]:
    return {"name": name, "value": str(value)}


def _fmt(value: float | None) -> str:
    return "NONE" if value is None else f"{value:.4f}"


def _result(
    value: str, details: list[dict[str, str]], *, recovery: str | None = None
) -> MachineResult:
    recommendation: dict[str, Any] = {"value": value}
    if value == "NOT_AVAILABLE" and recovery is not None:
        recommendation["recovery_suggestion"] = recovery
    return MachineResult(
        decided=value != "NOT_AVAILABLE",
        report={
            "recommendation": recommendation,
            "breakdown": [
                {
                    "sub_check": SUB_CHECK,
                    "result": "PASS" if value == "APPROVE" else "FAIL",
                    "details": details,
                    "process": "AUTOMATED",
                }
            ],
        },
    )


def _signal_details(signals: Sequence[Signal]) -> list[dict[str, str]]:
    details = []
    for signal in signals:
        outcome = "NOT_USED" if signal.passed is None else ("PASS" if signal.passed else "FAIL")
        details += [
            _detail(signal.name, _fmt(signal.value)),
            _detail(f"{signal.name}_threshold", f"{signal.comparison} {signal.threshold:g}"),
            _detail(f"{signal.name}_result", outcome),
            _detail(f"{signal.name}_used_in_decision", "YES" if signal.decisive else "NO"),
        ]
    return details


def zoom_details(measured: ZoomMeasurement, kind: str = "ZOOM") -> list[dict[str, str]]:
    details = [
        _detail("liveness_type", kind),
        _detail("challenge_moves", measured.turn),
        _detail("moves_shown", ",".join(measured.moves_shown) or "NONE"),
        _detail("frame_count", measured.frame_count),
        _detail("frames_used", measured.frames_used),
        _detail("faces_found", measured.faces_found),
        _detail("face_count_first_frame", measured.face_count_first),
        _detail("redetections", measured.redetections),
    ]
    details += _signal_details(measured.signals)
    details.append(_detail("analysis_ms", f"{measured.timings.total_ms:.0f}"))
    return details


def static_details(measured: StaticMeasurement, threshold: float) -> list[dict[str, str]]:
    from openidv.vision.liveness import static  # noqa: PLC0415 - thresholds for the report

    details = [
        _detail("liveness_type", "STATIC"),
        _detail("face_count", measured.face_count),
        _detail("spectral_peak_ratio", _fmt(measured.spectral_peak_ratio)),
        _detail("spectral_peak_ratio_threshold", f">= {static.SPECTRAL_PEAK_STRONG:g}"),
        _detail("straight_edge_lines", measured.straight_edge_lines),
        _detail("straight_edge_lines_threshold", f">= {static.BEZEL_MIN_LINES}"),
        _detail("strong_medium_evidence", measured.strong_medium_evidence),
        _detail("high_frequency_energy", _fmt(measured.high_frequency_energy)),
        _detail("specular_fraction", _fmt(measured.specular_fraction)),
        _detail("colour_saturation_p95", _fmt(measured.colour_saturation_p95)),
        _detail("passive_model", measured.passive_model or "NONE"),
        _detail("passive_score", _fmt(measured.passive_score)),
        _detail("passive_score_threshold", f">= {threshold:g}"),
        _detail("analysis_ms", f"{measured.timings_ms:.0f}"),
    ]
    return details


def _timing(
    capture: Mapping[str, Any], challenge: Mapping[str, Any] | None
) -> tuple[list[float] | None, float | None]:
    """The frames' arrival times and the challenge's issue time (ISO strings, as the server
    recorded them) in seconds from the first arrival; the issue time is None when unknown."""
    raw = capture.get("arrivals")
    if not isinstance(raw, list) or len(raw) < 2:
        return None, None
    try:
        times = [dt.datetime.fromisoformat(str(value)) for value in raw]
        issued_at = (challenge or {}).get("issued_at")
        issued = dt.datetime.fromisoformat(str(issued_at)) if issued_at else None
    except ValueError:
        return None, None
    offsets = [(t - times[0]).total_seconds() for t in times]
    return offsets, (issued - times[0]).total_seconds() if issued else None


def _injected(signals: Sequence[Signal]) -> bool:
    return any(s.passed is False and s.decisive for s in signals)


def _camera_details(
    facts: Mapping[str, Any] | None, signals: Sequence[Signal]
) -> list[dict[str, str]]:
    """The camera facts as the page reported them (bounded by the client API), then signals."""
    details = [_detail("camera_facts", "REPORTED" if facts else "NONE")]
    if facts:
        details += [
            _detail("camera_label", str(facts.get("label") or "")[:128] or "NONE"),
            _detail("camera_settings", f"{facts.get('width')}x{facts.get('height')}"
                    f"@{facts.get('frame_rate')}"),
            _detail("camera_video_size", f"{facts.get('video_width')}x{facts.get('video_height')}"),
        ]  # fmt: skip
    return details + _signal_details(signals)


def _challenge_moves(challenge: Mapping[str, Any] | None) -> list[str]:
    """The challenged moves; attempts issued before move sequences carry one ``turn``."""
    if not challenge:
        return []
    raw = challenge.get("moves") or ([challenge["turn"]] if challenge.get("turn") else [])
    moves = [str(m).upper() for m in raw]
    return moves if moves and all(m in MOVES for m in moves) else []


class LivenessEngine:
    """Loads the models once per process, on first use (workers are forked)."""

    def __init__(
        self,
        passive_model_path: str | Path | None = None,
        *,
        passive_threshold: float = PASSIVE_THRESHOLD,
    ) -> None:
        self.passive_model_path = Path(passive_model_path) if passive_model_path else None
        self.passive_threshold = passive_threshold
        self._zoom: ZoomAnalyser | None = None
        self._passive: PassiveModel | None = None
        self._lock = threading.Lock()

    def _analyser(self) -> ZoomAnalyser:
        with self._lock:
            if self._zoom is None:
                self._zoom = ZoomAnalyser(faces=face_engine())
            return self._zoom

    def _faces(self) -> FaceEngine:
        return self._analyser().faces

    def _model(self) -> PassiveModel | None:
        if self.passive_model_path is None:
            return None
        with self._lock:
            if self._passive is None:
                self._passive = PassiveModel(self.passive_model_path)
            return self._passive

    def run(self, evidence: Evidence) -> MachineResult:
        resources = [r for r in evidence.resources if r.type == "LIVENESS"]
        if not resources or not resources[0].frames:
            return _result("NOT_AVAILABLE", [], recovery="TOO_FEW_FRAMES")
        resource = resources[0]
        kind = (resource.liveness_type or "ZOOM").upper()
        try:
            if kind == "STATIC":
                return self._static(resource)
            return self._zoom_check(resource)
        except ImageDecodeError:
            return _result("NOT_AVAILABLE", [_detail("error", "UNABLE_TO_LOAD")])

    def _zoom_check(self, resource: EvidenceResource) -> MachineResult:
        challenge: Mapping[str, Any] | None = getattr(resource, "challenge", None)
        moves = _challenge_moves(challenge)
        if not moves:
            details = [_detail("liveness_type", "ZOOM"), _detail("challenge", "MISSING")]
            return _result("NOT_AVAILABLE", details)
        frames = [frame.load() for frame in resource.frames]
        capture = resource.capture or {}
        arrivals, issued = _timing(capture, challenge)
        measured = self._analyser().analyse(frames, moves, arrivals=arrivals, issued=issued)
        injection = camera_signals(capture.get("camera"), measured.frame_size)
        details = zoom_details(measured) + _camera_details(capture.get("camera"), injection)
        if _injected(injection):
            return _result("REJECT", details)
        if measured.live is None:
            recovery = measured.reason.value if measured.reason else None
            return _result("NOT_AVAILABLE", details, recovery=recovery)
        return _result("APPROVE" if measured.live else "REJECT", details)

    def _static(self, resource: EvidenceResource) -> MachineResult:
        frames = [frame.load() for frame in resource.frames]
        burst: ZoomMeasurement | None = None
        burst_details: list[dict[str, str]] = []
        if len(frames) > 1:
            # The burst around the selfie, judged by the same machinery as ZOOM without a
            # request to move: an attack signal rejects; passing them all proves nothing alone.
            capture = resource.capture or {}
            arrivals, issued = _timing(capture, getattr(resource, "challenge", None))
            burst = self._analyser().analyse(frames, None, arrivals=arrivals, issued=issued)
            injection = camera_signals(capture.get("camera"), burst.frame_size)
            burst_details = zoom_details(burst, "STATIC_BURST") + _camera_details(
                capture.get("camera"), injection
            )
            if burst.live is False or _injected(injection):
                return _result("REJECT", burst_details)
        # The selfie: the middle frame of the burst (the page puts it there).
        selfie = frames[len(frames) // 2]
        measured = analyse_static(selfie, self._faces(), self._model())
        details = static_details(measured, self.passive_threshold) + burst_details
        if not measured.measurable:
            return _result("NOT_AVAILABLE", details, recovery="FACE_NOT_FOUND")
        if measured.face_count > 1:
            return _result("NOT_AVAILABLE", details, recovery="MULTIPLE_FACES")
        if measured.strong_medium_evidence:
            return _result("REJECT", details)
        if burst is not None and burst.reason not in (None, LivenessReason.NOT_PROVEN):
            return _result("NOT_AVAILABLE", details, recovery=burst.reason.value)
        if measured.passive_score is None:
            if burst is not None and burst.live is True:
                # The burst showed natural 3-D motion uncovering real detail, and no attack.
                return _result("APPROVE", details)
            return _result("NOT_AVAILABLE", details)  # cannot decide: a human looks
        live = measured.passive_score >= self.passive_threshold
        return _result("APPROVE" if live else "REJECT", details)
