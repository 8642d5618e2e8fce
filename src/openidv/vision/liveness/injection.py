"""Injection signals (CEN/TS 18099, biometric data injection attack detection): what the
browser said about the camera, against the frames that arrived.

Pure computation on the page's camera facts (``MediaStreamTrack`` label and settings, the
video element's size; see capture/static/liveness.js) and the frames' own size. These are the
client's claims: an attacker who controls the browser can claim anything, so they stop the
common tools used as they come (a virtual camera that names itself, frames made elsewhere at
another shape), not a determined injector. Every value goes into the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from openidv.vision.liveness.signals import Signal

__all__ = ["VIRTUAL_CAMERA", "camera_signals"]

# Names virtual-camera software gives its device (OBS, ManyCam, Snap Camera, XSplit, DroidCam,
# EpocCam, CamTwist, e2eSoft VCam, v4l2loopback's default, SplitCam, YouCam, NVIDIA Broadcast,
# Iriun, Camo, mmhmm, NDI, Chromium's own fake device).
VIRTUAL_CAMERA = re.compile(
    r"virtual|\bobs\b|manycam|snap camera|xsplit|droidcam|epoccam|camtwist|e2esoft|vcam|"
    r"v4l2loopback|dummy|splitcam|youcam|nvidia broadcast|iriun|\bcamo\b|mmhmm|\bndi\b|"
    r"fake",
    re.IGNORECASE,
)
MAX_ASPECT_MISMATCH = 0.03  # frames are the video scaled down, so the shape is the same
MIN_FRAME_RATE = 10.0  # reported only: a phone front camera gives 24-30 fps


def _aspect(width: float | None, height: float | None) -> float | None:
    if not width or not height:
        return None
    return max(width, height) / min(width, height)


def camera_signals(
    facts: Mapping[str, Any] | None, frame_size: tuple[int, int] | None
) -> list[Signal]:
    """Signals from the camera facts; ``frame_size`` (width, height) of the frames received.
    Without facts (an older page, an SDK's own capture) nothing is measured."""
    if not facts:
        return [
            Signal("camera_virtual_name", None, 0.0, "<=", None),
            Signal("camera_aspect_mismatch", None, MAX_ASPECT_MISMATCH, "<=", None),
        ]
    label = str(facts.get("label") or "")
    virtual = 1.0 if VIRTUAL_CAMERA.search(label) else 0.0
    signals = [Signal("camera_virtual_name", virtual, 0.0, "<=", virtual <= 0.0)]
    claimed = _aspect(facts.get("video_width"), facts.get("video_height")) or _aspect(
        facts.get("width"), facts.get("height")
    )
    received = _aspect(*frame_size) if frame_size else None
    if claimed is None or received is None:
        signals.append(Signal("camera_aspect_mismatch", None, MAX_ASPECT_MISMATCH, "<=", None))
    else:
        mismatch = abs(received - claimed) / claimed
        signals.append(Signal("camera_aspect_mismatch", mismatch, MAX_ASPECT_MISMATCH, "<=",
                              mismatch <= MAX_ASPECT_MISMATCH))  # fmt: skip
    rate = facts.get("frame_rate")
    rate_value = float(rate) if isinstance(rate, int | float) else None
    signals.append(Signal("camera_frame_rate", rate_value, MIN_FRAME_RATE, ">=",
                          None if rate_value is None else rate_value >= MIN_FRAME_RATE,
                          decisive=False))  # fmt: skip
    muted = 1.0 if facts.get("muted") else 0.0
    signals.append(Signal("camera_muted", muted, 0.0, "<=", muted <= 0.0, decisive=False))
    return signals
