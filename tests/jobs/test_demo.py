"""/demo, as a newcomer uses it after the README's first command: start, capture, result."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from openidv.app import create_app
from openidv.settings import Settings
from tests.asyncutil import run_async
from tests.jobs.conftest import Deployment, capture_journey
from tests.security.test_demo import demo_status


@pytest.mark.parametrize("deployment", ["embedded"], indirect=True)
def test_demo_verifies_a_newcomer(deployment: Deployment) -> None:
    deployment.start("run")
    origin = f"http://127.0.0.1:{deployment.port}"
    with httpx.Client(base_url=origin, timeout=30) as browser:
        assert "Verify me" in browser.get("/demo").text
        started = browser.post("/demo/start")
        assert started.status_code == 200
        frame = re.search(
            r'<iframe src="([^"]+)" allow="camera" data-result="([^"]+)"', started.text
        )
        assert frame, started.text
        page_url, result_url = html.unescape(frame.group(1)), frame.group(2)
        params = parse_qs(urlsplit(page_url).query)
        session_id, token = params["sessionID"][0], params["sessionToken"][0]
        assert browser.get(page_url).status_code == 200  # the capture page it embeds

        capture_journey(deployment, session_id, token)
        result = _settled(browser, result_url)
        assert 'class="outcome good"' in result and "Verified: every check passed." in result
        assert "Is the document genuine?" in result and "Is it the face on the document?" in result
        assert '{"value": "APPROVE"}' not in result  # words, not the report's JSON
        assert '<a href="/demo">Start again</a>' in result and session_id in result
        portrait = re.search(r'alt="portrait on the document" src="([^"]+)"', result)
        selfie = re.search(r'alt="the selfie frame compared" src="([^"]+)"', result)
        assert portrait and selfie, result
        for url in (portrait.group(1), selfie.group(1)):
            image = browser.get(url)
            assert image.status_code == 200 and image.headers["content-type"] == "image/png"


@pytest.mark.parametrize("deployment", ["embedded"], indirect=True)
@pytest.mark.parametrize("liveness_review", [False, True], ids=["engine-liveness", "reviewed"])
def test_demo_review_switch_queues_every_check_that_allows_it(
    deployment: Deployment, liveness_review: bool
) -> None:
    """With OPENIDV_LIVENESS_MANUAL_REVIEW the switch sends the liveness check to the reviewer
    too (how a synthetic capture, which the engine refuses as an attack, reaches a decision);
    without it the engine alone judges liveness."""
    allowed = "true" if liveness_review else "false"
    deployment.start("run", extra_env={"OPENIDV_LIVENESS_MANUAL_REVIEW": allowed})
    origin = f"http://127.0.0.1:{deployment.port}"
    with httpx.Client(base_url=origin, timeout=30) as browser:
        started = browser.post("/demo/start", data={"review": "1"})
        frame = re.search(
            r'<iframe src="([^"]+)" allow="camera" data-result="([^"]+)"', started.text
        )
        assert frame, started.text
        params = parse_qs(urlsplit(html.unescape(frame.group(1))).query)
        session_id, token = params["sessionID"][0], params["sessionToken"][0]
        assert html.unescape(frame.group(2)).endswith("?review=1")
        capture_journey(deployment, session_id, token)
        deadline = time.monotonic() + 30
        while True:
            with deployment.db().connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT type, manual_check, review_state FROM checks WHERE session_id = :s "
                        "UNION ALL SELECT type, manual_check, review_state FROM tasks "
                        "WHERE session_id = :s"
                    ),
                    {"s": session_id},
                ).all()
            if all(
                r.review_state == "QUEUED" or (r.type == "LIVENESS" and not liveness_review)
                for r in rows
            ):
                break
            assert time.monotonic() < deadline, rows
            time.sleep(0.2)
        queued = {r.type for r in rows if r.review_state == "QUEUED"}
        assert queued == {
            "ID_DOCUMENT_AUTHENTICITY", "ID_DOCUMENT_FACE_MATCH", "ID_DOCUMENT_TEXT_DATA_EXTRACTION"
        } | ({"LIVENESS"} if liveness_review else set())  # fmt: skip
        liveness = {r.manual_check for r in rows if r.type == "LIVENESS"}
        assert liveness == {"ALWAYS" if liveness_review else "NEVER"}
        result = browser.get(html.unescape(frame.group(2))).text
        assert "Waiting for a reviewer" in result and 'href="/console"' in result


def _settled(browser: httpx.Client, url: str) -> str:
    """The result page once it stops refreshing itself (every item final)."""
    deadline = time.monotonic() + 30
    while True:
        page = browser.get(url)
        assert page.status_code == 200
        if 'http-equiv="refresh"' not in page.text:
            return page.text
        assert time.monotonic() < deadline, page.text
        time.sleep(0.3)


def test_demo_can_be_turned_off(tmp_path: Path) -> None:
    # (Checked by a request: FastAPI's route list does not show an included router's paths.)
    app = create_app(Settings(data_dir=tmp_path, demo=False), listen_host="127.0.0.1")
    assert run_async(demo_status(app)) == 404
