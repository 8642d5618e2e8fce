"""The console's LIVENESS review section: the frames and every signal the engine measured."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from openidv.checks.liveness import _result, zoom_details
from openidv.review.reasons import CHECK_DECISIONS, allowed
from openidv.vision.liveness.zoom import Signal, ZoomMeasurement, ZoomTimings

TEMPLATES = Path(__file__).resolve().parents[2] / "src/openidv/review/templates"


def _measurement() -> ZoomMeasurement:
    signals = (
        Signal("frame_change", 0.31, 0.1, ">=", True),
        Signal("texture_response", 0.05, 0.08, ">=", False, decisive=False),
    )
    return ZoomMeasurement(
        turn="LEFT,UP", frame_count=20, frames_used=16, faces_found=16, face_count_first=1,
        redetections=0, yaw=(), moves_shown=("LEFT",), frame_size=(480, 640), scale=(),
        signals=signals, live=None, reason=None, failed=(), timings=ZoomTimings(),
    )  # fmt: skip


def test_the_section_lists_frames_and_signals_with_thresholds() -> None:
    report = _result("NOT_AVAILABLE", zoom_details(_measurement())).report
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )
    html = environment.get_template("_liveness_review.html").render(
        machine_result={"report": report},
        images=[
            {"id": "f1", "label": "liveness frame 1"},
            {"id": "p1", "label": "passport page 1"},
        ],
        prefix="/console",
        item={"session_id": "s1"},
    )
    assert "<code>LEFT,UP</code>" in html and "<code>LEFT</code>" in html
    assert 'src="/console/media/s1/f1"' in html
    assert "/media/s1/p1" not in html  # the document is shown elsewhere on the page
    assert '<th scope="row">frame_change</th><td>0.3100</td><td>&gt;= 0.1</td>' in html
    assert '<th scope="row">texture_response</th>' in html and "<td>NO</td>" in html
    case = (TEMPLATES / "case.html").read_text()
    assert '{% include "_liveness_review.html" %}' in case


def test_reviewers_decide_liveness_in_yotis_vocabulary() -> None:
    assert set(CHECK_DECISIONS["LIVENESS"]) == {"APPROVE", "REJECT", "NOT_AVAILABLE"}
    assert allowed("check", "LIVENESS", "REJECT", None)
    assert not allowed("check", "LIVENESS", "REJECT", "DOCUMENT_COPY")
