"""What a liveness attempt measures: one signal against its threshold, the reasons an attempt
cannot be judged, and the measurement with its decision (types only, no computation)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LivenessReason", "Signal", "ZoomMeasurement", "ZoomTimings", "make_signal"]


class LivenessReason(StrEnum):
    """Why an attempt could not be measured (Yoti's recovery suggestions)."""

    TOO_FEW_FRAMES = "TOO_FEW_FRAMES"
    FACE_NOT_FOUND = "FACE_NOT_FOUND"
    MULTIPLE_FACES = "MULTIPLE_FACES"
    BETTER_LIGHT = "BETTER_LIGHT"
    HOLD_STILL = "HOLD_STILL"
    MOVE_CLOSER = "MOVE_CLOSER"
    TURN_FURTHER = "TURN_FURTHER"
    # A burst with no request to move (STATIC) that shows no sign of an attack, which does not
    # prove a live person either: undecided (the operator's model or a reviewer decides).
    NOT_PROVEN = "NOT_PROVEN"


@dataclass(frozen=True, slots=True)
class Signal:
    """One measured value against its threshold. ``passed`` is None when not measured."""

    name: str
    value: float | None
    threshold: float
    comparison: str  # ">=" or "<="
    passed: bool | None
    # False: measured and reported against its threshold, but the verdict does not use it
    # (not yet shown to separate real captures from attacks; see camera.py).
    decisive: bool = True


@dataclass(frozen=True, slots=True)
class ZoomTimings:
    decode_ms: float = 0.0
    detect_ms: float = 0.0
    landmarks_ms: float = 0.0
    embed_ms: float = 0.0
    total_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class ZoomMeasurement:
    """Everything measured on one ZOOM attempt, and the decision."""

    turn: str  # the challenged moves, comma-separated ("NONE" for a burst without challenge)
    frame_count: int
    frames_used: int
    faces_found: int  # frames in which the face was found
    face_count_first: int  # faces found on the first frame
    redetections: int  # times the tracker lost the face and YuNet found it again
    yaw: tuple[float | None, ...]  # per frame; positive = nose towards the image's right
    moves_shown: tuple[str, ...]  # the moves the frames show, in order
    frame_size: tuple[int, int] | None  # (width, height) of the frames, when all agree
    scale: tuple[float | None, ...]  # per frame: forehead-chin distance in pixels
    signals: tuple[Signal, ...]
    live: bool | None
    reason: LivenessReason | None
    failed: tuple[str, ...]  # names of failed signals
    timings: ZoomTimings

    def signal(self, name: str) -> Signal:
        for signal in self.signals:
            if signal.name == name:
                return signal
        raise KeyError(name)


def make_signal(
    name: str, value: float | None, threshold: float, comparison: str, *, decisive: bool = True
) -> Signal:
    if value is None or math.isnan(value):
        return Signal(name, None, threshold, comparison, None, decisive)
    passed = value >= threshold if comparison == ">=" else value <= threshold
    return Signal(name, value, threshold, comparison, passed, decisive)
