"""The demo's result page in words: a liveness check that refused the capture says what it
refuses (the engine gives no reason on REJECT), so a photo, a screen or a generated capture
reads as the attack it is, not as a fault of the demo."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
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


def _stopped_session() -> dict[str, Any]:
    """A session whose capture page was left before submitting: nothing checked yet."""
    return {
        "session_id": "s1",
        "state": "ONGOING",
        "checks": [{"type": "LIVENESS", "state": "CREATED"}],
        "resources": {},
    }


def _render_error(session: dict[str, Any], error: str) -> str:
    pictures = demo_result.Pictures(portrait=None, selfie=None, pages=[])
    return demo_result.render(
        session, review=False, fields=None, pictures=pictures, error=error, raw="{}"
    )


def test_a_cancelled_capture_says_why_in_words_beside_start_again() -> None:
    page = _render_error(_stopped_session(), "4000")
    outcome = re.search(r'<p class="outcome bad" role="status">([^<]*)</p>', page)
    assert outcome, page
    assert html.unescape(outcome[1]) == (
        "You cancelled, or the camera was not allowed: allow the camera in the browser's site "
        "settings and start again."
    )
    # The code stays, in small print, in the same line as the way out.
    assert re.search(
        r'<p class="stopped"><a href="/demo">Start again</a>'
        r"<small>capture page error code 4000</small></p>",
        page,
    )
    assert "stopped with error code" not in page and "Checking your evidence" not in page
    # Nothing will change: the page does not keep reloading itself.
    assert not demo_result.waiting(_stopped_session(), False, "4000")
    assert demo_result.waiting(_stopped_session(), False, None)


def test_every_code_the_capture_page_posts_has_its_own_sentence() -> None:
    """The codes our capture page explains to its user (its error.NNNN messages: message()
    in capture/static/app.js shows one for each code it stops with), plus 5006, which it posts
    when a liveness check is cancelled while waiting for a verdict."""
    messages = json.loads((Path(demo_result.__file__).parent / "i18n" / "en.json").read_text())
    posted = {int(key[6:]) for key in messages if re.fullmatch(r"error\.\d{4}", key)} | {5006}
    assert {2000, 2002, 3001, 4000, 5000, 5004, 5010} <= posted  # the file is what we think
    unknown = demo_result.stopped("99999")
    for code in sorted(posted):
        words = demo_result.stopped(str(code))
        assert words != unknown, code
        page = _render_error(_stopped_session(), str(code))
        assert html.escape(words) in page, code
        assert f"capture page error code {code}" in page


def test_an_unknown_or_hostile_code_reads_as_a_plain_stop() -> None:
    for code in ("9999", "²", "<script>", "1" * 50):
        page = _render_error(_stopped_session(), code)
        assert "The capture page stopped before the end: start again." in page
        assert "<script>" not in page.split("<details>")[0]


def test_a_completed_session_keeps_its_outcome_beside_the_code() -> None:
    session = _session("APPROVE")
    page = _render_error(session, "4000")
    assert "Verified: every check passed." in page
    assert "capture page error code 4000" in page
