"""Frame timing: were the frames sent while they were captured, after the challenge was issued?

Pure computation on the server's clock: when the challenge was issued and when each frame
arrived (seconds, one origin). The capture page (``capture/static/liveness.js``) opens the
attempt when the user presses Start, learns the challenge in that response, and grabs frame k
no earlier than k x 200 ms after it; each frame is uploaded as soon as it is grabbed, in order.
So, whatever the network does:

* **causality** (``arrival_early``): frame k cannot arrive before ``issued + k / MAX_PAGE_FPS``
  (6 frames a second leaves the page's 5 room). A burst that arrives faster than real time was
  not captured after the challenge: it was recorded or rendered before, or is pushed by a tool.
  The value is the largest lead of any frame over that bound, in seconds; a lead above the
  clocks' slack (several web processes may record issue and arrivals) REJECTs.
* **lag** (``arrival_lag``): the most any frame trails the earliest moment the page could have
  grabbed it (``issued + k x 200 ms``). A render or an edit made after the challenge was read
  must be finished before its frames are due; before this bound the capture window (two
  minutes, ``sessions.evidence``) was the attacker's budget. A slow uplink also lags (the page
  queues frames it cannot send yet), so a lag over the bound is a retry (NOT_PROVEN), not a
  REJECT: at about 70 KB a frame, an uplink below about 1.3 Mbit/s lags past it.
* **span** (``arrival_span``, as before): the arrivals' span over what the frames' count needs
  at ``MAX_PAGE_FPS``: a burst pushed at once after a delay arrives in a blink.

HONEST STATUS: these bound *when* frames come, not *what* made them. A renderer that produces
frames as fast as the page grabs them (ours renders a whole attempt in about a second,
benchmarks/liveness.py) and a recording streamed at the page's pace satisfy all three.
"""

from __future__ import annotations

from collections.abc import Sequence

from openidv.vision.liveness.signals import Signal, make_signal

__all__ = [
    "MAX_ARRIVAL_LAG",
    "MAX_EARLY_SLACK",
    "MAX_PAGE_FPS",
    "MIN_ARRIVAL_SPAN",
    "PAGE_INTERVAL",
    "arrival_early",
    "arrival_lag",
    "arrival_span",
    "timing_signals",
]

PAGE_INTERVAL = 0.2  # liveness.js FRAME_INTERVAL: the page grabs at most 5 frames a second
# The causality bound's rate: above the page's, so a browser's timer never trips it.
MAX_PAGE_FPS = 6.0
# Issue and arrivals may be stamped by different web processes: their clocks' disagreement.
MAX_EARLY_SLACK = 0.25
# Seconds a frame may trail its earliest capture: the page's camera report and first upload
# (two round trips), TLS set-up and a slow uplink's queue (about 1.3 Mbit/s at 70 KB a frame
# keeps a 24-frame attempt under it), not a render or an edit made after the challenge.
MAX_ARRIVAL_LAG = 8.0
# A span of arrivals at least half what the frames' count needs at MAX_PAGE_FPS.
MIN_ARRIVAL_SPAN = 0.5


def arrival_span(arrivals: Sequence[float] | None, fps: float = MAX_PAGE_FPS) -> float | None:
    """Span of the frames' arrival times (seconds) over the span their count needs at ``fps``."""
    if not arrivals or len(arrivals) < 2:
        return None
    needed = (len(arrivals) - 1) / fps
    return float(max(arrivals) - min(arrivals)) / needed if needed > 0 else None


def arrival_early(arrivals: Sequence[float], issued: float) -> float | None:
    """The largest lead (s) of frame k's arrival over ``issued + k / MAX_PAGE_FPS``."""
    if not arrivals:
        return None
    return max(k / MAX_PAGE_FPS - (t - issued) for k, t in enumerate(arrivals))


def arrival_lag(arrivals: Sequence[float], issued: float) -> float | None:
    """The most (s) any frame k arrives after ``issued + k x PAGE_INTERVAL``."""
    if not arrivals:
        return None
    return max((t - issued) - k * PAGE_INTERVAL for k, t in enumerate(arrivals))


def timing_signals(arrivals: Sequence[float] | None, issued: float | None) -> list[Signal]:
    """``arrival_span`` always (None when the arrivals are unknown); ``arrival_early`` and
    ``arrival_lag`` when the challenge's issue time is known on the arrivals' clock."""
    signals = [make_signal("arrival_span", arrival_span(arrivals), MIN_ARRIVAL_SPAN, ">=")]
    if arrivals and issued is not None:
        signals += [
            make_signal("arrival_early", arrival_early(arrivals, issued), MAX_EARLY_SLACK, "<="),
            make_signal("arrival_lag", arrival_lag(arrivals, issued), MAX_ARRIVAL_LAG, "<="),
        ]
    return signals
