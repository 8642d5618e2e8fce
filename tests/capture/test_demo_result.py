"""The demo's result page in words: a liveness check that refused the capture says what it
refuses (the engine gives no reason on REJECT), so a photo, a screen or a generated capture
reads as the attack it is, not as a fault of the demo."""

from __future__ import annotations

from typing import Any

from openidv.capture import demo_result


def _session(liveness: str, document: str = "APPROVE") -> dict[str, Any]:
    def check(kind: str, value: str) -> dict[str, Any]:
        return {"type": kind, "state": "DONE", "report": {"recommendation": {"value": value}}}

    return {
        "session_id": "s1",
        "state": "COMPLETED",
        "checks": [check("ID_DOCUMENT_AUTHENTICITY", document), check("LIVENESS", liveness)],
        "resources": {},
    }


def _render(session: dict[str, Any]) -> str:
    pictures = demo_result.Pictures(portrait=None, selfie=None, pages=[])
    return demo_result.render(
        session, review=False, fields=None, pictures=pictures, error=None, raw="{}"
    )


def test_a_refused_liveness_says_what_the_engine_refuses() -> None:
    page = _render(_session("REJECT"))
    assert "Not verified: the capture was not judged a live person" in page
    assert demo_result.LIVENESS_REFUSED in page
    assert demo_result.outcome(_session("REJECT"), False)[1] == "bad"


def test_a_document_refusal_is_named_first_and_a_pass_says_nothing_of_attacks() -> None:
    both = _session("REJECT", document="REJECT")
    assert demo_result.outcome(both, False)[0] == "Not verified: at least one check said no."
    passed = _render(_session("APPROVE"))
    assert "Verified: every check passed." in passed
    assert demo_result.LIVENESS_REFUSED not in passed
