"""/demo, as a newcomer uses it after the README's first command: start, capture, result."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

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
        result = browser.get(result_url)
        assert result.status_code == 200
        assert "ID_DOCUMENT_FACE_MATCH" in result.text and session_id in result.text
        images = re.findall(r'<img alt="evidence" src="([^"]+)"', result.text)
        assert len(images) == 4  # one page, three liveness frames
        image = browser.get(images[0])
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"


def test_demo_can_be_turned_off(tmp_path: Path) -> None:
    # (Checked by a request: FastAPI's route list does not show an included router's paths.)
    app = create_app(Settings(data_dir=tmp_path, demo=False), listen_host="127.0.0.1")
    assert run_async(demo_status(app)) == 404
