"""``openidv run`` as a newcomer sees it: what it prints once it listens, what ``/`` answers,
and one log line per session event, carrying ids and never the person's data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from openidv.cli import _banner
from openidv.settings import Settings
from openidv.vision.synth import generate_document
from tests.jobs.conftest import (
    PNG,
    Deployment,
    Receiver,
    capture_journey,
    liveness_attempt,
    spec,
    wait_state,
)

# What a person at the terminal needs: the four URLs, then the next commands.
BANNER = re.compile(
    r"openidv \S+ is ready.*\n"
    r"  Demo +(?P<demo>\S+)\n"
    r"  Review console +(?P<console>\S+)\n"
    r"  API docs +(?P<docs>\S+)\n"
    r"  API base URL +(?P<api>\S+)\n"
    r"Next steps:\n"
    r".*\n    openidv apps create \"My app\" --key-out my-app.pem\n"
    r".*\n    openidv reviewer add you@example.com --role admin\n"
)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _log(deployment: Deployment) -> str:
    return (deployment.root / "run-0.log").read_text()


@pytest.mark.parametrize("deployment", ["embedded"], indirect=True)
def test_run_prints_where_everything_is_and_each_url_answers(deployment: Deployment) -> None:
    deployment.start("run")
    found = BANNER.search(_log(deployment))
    assert found, _log(deployment)
    origin = f"http://127.0.0.1:{deployment.port}"
    assert found["demo"] == f"{origin}/demo" and found["api"] == deployment.api
    with httpx.Client(timeout=30) as http:
        for name in ("demo", "console", "docs"):
            answer = http.get(found[name], follow_redirects=True)
            assert answer.status_code == 200, (name, answer.text[:300])
            assert answer.headers["content-type"].startswith("text/html")
        base = http.get(found["api"])  # what the banner links: a note, not NOT_FOUND
        assert base.status_code == 200 and base.json()["docs"] == "/docs", base.text
        home = http.get(f"{origin}/")
        assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
        for path in ("/demo", "/console", "/docs", "/idverify/v1"):
            assert f'href="{path}"' in home.text
        assert "openidv apps create" in home.text and "openidv reviewer add" in home.text


@pytest.mark.parametrize("deployment", ["embedded"], indirect=True)
def test_one_line_per_session_event_and_no_personal_data_in_the_log(
    deployment: Deployment, receiver: Receiver
) -> None:
    """A whole session with personal data in it (an e-mail as user_tracking_id, a passport
    whose MRZ the built-in text extraction reads): every event is logged with the session's
    id, and none of that data, nor the client token or the webhook's credentials, is."""
    engines = ",".join(
        entry
        for entry in deployment.env["OPENIDV_ENGINES"].split(",")
        if not entry.startswith("ID_DOCUMENT_TEXT_DATA_EXTRACTION=")
    )
    deployment.start("run", extra_env={"OPENIDV_ENGINES": engines})
    client, sdk_id = deployment.client()
    passport = generate_document(21, fmt="TD3", degradation="jpeg")
    identity = passport.identity
    payload = spec(receiver)
    payload["user_tracking_id"] = "jane.doe@example.com"
    created = client.create_session(payload)
    session_id, token = created.session_id, created.client_session_token
    url = f"{deployment.api}/client/sessions/{session_id}"
    with httpx.Client(headers={"X-Yoti-Auth-Token": token}, timeout=30) as http:
        required = http.get(f"{url}/configuration").json()["capture"]["required_resources"]
        requirement = next(r["id"] for r in required if r["type"] == "LIVENESS")
        liveness_attempt(http, url, requirement, lambda _turn: [PNG] * 3)
    capture_journey(deployment, session_id, token, document=passport.image, liveness=False)
    session = wait_state(client, session_id, "COMPLETED", timeout=90)
    receiver.wait_for(lambda got: "session_completion" in [r.json["topic"] for r in got])

    # The personal data really went through this session: the task read it.
    document = session.resources.id_documents[0]
    fields = json.loads(
        client.get_media_content(session_id, document.document_fields.media.id).content
    )
    assert fields["document_number"] == identity.document_number

    deadline = time.monotonic() + 15
    while "webhook delivered" not in _log(deployment) or "SESSION_COMPLETION" not in _log(
        deployment
    ):
        assert time.monotonic() < deadline, _log(deployment)
        time.sleep(0.1)
    log = _log(deployment)
    events = [line for line in log.splitlines() if f"session={session_id}" in line]
    said = " | ".join(events)
    of = f"session={session_id}"
    assert re.search(rf"session created {of} app={sdk_id} checks=3 ", said)
    assert re.search(rf"evidence added {of} type=ID_DOCUMENT resource={UUID} media={UUID}", said)
    assert re.search(rf"evidence added {of} type=LIVENESS resource={UUID} frames=3", said)
    assert re.search(rf"session submitted {of} checks=\d tasks=1", said)
    for kind in ("ID_DOCUMENT_AUTHENTICITY", "LIVENESS", "ID_DOCUMENT_FACE_MATCH"):
        assert re.search(rf"check done {of} type={kind} state=DONE check={UUID}", said)
    assert "type=ID_DOCUMENT_TEXT_DATA_EXTRACTION state=DONE task=" in said
    assert f"session completed session={session_id}" in said
    assert re.search(r"session webhook delivered .*topic=SESSION_COMPLETION status=204", said)
    for line in events:  # one line per event, each stamped
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z openidv session ", line), line

    secrets = [
        identity.surname,
        *[name for name in identity.given_names.split() if len(name) > 2],
        identity.document_number,
        identity.date_of_birth.isoformat(),
        identity.expiry_date.isoformat(),
        passport.mrz_lines[0][5:20],
        "jane.doe",
        token,
        "s3cret",
        receiver.url,
    ]
    leaked = [secret for secret in secrets if secret and secret in log]
    assert leaked == [], leaked


README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_opens_with_the_commands_then_the_quick_start() -> None:
    text = README.read_text()
    lines = text.splitlines()
    assert lines[0].startswith("    make run ") and lines[1].startswith("    make test ")
    assert lines.index("## Quick start") < 15
    assert "../" not in text  # a clone has nothing outside the repository

    # Every link goes to a file of the repository that exists, or to the local server.
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"<(https?://[^>\s]+)>", text)
    pictures = [target for target in targets if target.endswith(".png")]
    assert len(pictures) >= 20, pictures
    # GitHub's anchors: the heading lower-cased, punctuation dropped, spaces made hyphens,
    # "-1", "-2"... after a repeated one.
    anchors: set[str] = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        repeat = 0
        while (slug if not repeat else f"{slug}-{repeat}") in anchors:
            repeat += 1
        anchors.add(slug if not repeat else f"{slug}-{repeat}")
    for target in targets:
        if target.startswith("#"):
            assert target[1:] in anchors, target
        elif re.match(r"https?://", target):
            assert re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", target), target
        else:
            assert (README.parent / target.split("#")[0]).is_file(), target
    # Bare addresses too: a clone's reader should not be sent to anyone else's site.
    for address in re.findall(r"https?://[^\s)>`\"']+", text):
        assert re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", address), address


def test_readme_shows_the_banner_openidv_run_prints() -> None:
    """The quick start's sample is the real banner, as `make run` prints it (from .venv)."""
    banner = _banner(Settings(data_dir=Path("data")), "127.0.0.1", 8000, demo=True)
    banner = banner.replace("    openidv ", "    .venv/bin/openidv ")
    assert textwrap.indent(banner, "   ") in README.read_text()


@pytest.mark.parametrize("deployment", ["embedded"], indirect=True)
def test_readme_first_session_runs_as_written(deployment: Deployment) -> None:
    """The quick start's Python block, pasted with a real SDK ID, against ``openidv run``."""
    deployment.start("run")
    sdk_id, key = deployment.new_app()
    quick = README.read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", quick, re.S)
    assert block
    code = textwrap.dedent(block.group(1))
    assert 'SDK_ID = "…"' in code and '"shop.pem"' in code
    code = (
        code.replace('SDK_ID = "…"', f"SDK_ID = {sdk_id!r}")
        .replace('"shop.pem"', repr(str(key)))
        .replace("http://127.0.0.1:8000", f"http://127.0.0.1:{deployment.port}")
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.returncode == 0, ran.stderr
    page_url, state = ran.stdout.strip().splitlines()
    assert state.startswith("ONGOING [('ID_DOCUMENT_AUTHENTICITY', 'CREATED')")
    assert httpx.get(page_url).status_code == 200  # the capture page the user opens
