"""The review console in a real browser against a real ``openidv run``: two reviewers, four
eyes on rejections, the case view's image tools and live MRZ check digits, and the integrator's
view of the outcome through the official SDK.

Set OPENIDV_WRITE_SCREENSHOTS=1 to refresh docs/console-queue.png and docs/console-case.png.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, expect

from openidv.review.pages import TEMPLATES as CONSOLE_TEMPLATES
from openidv.vision.mrz import compute_check_digit
from tests.e2e.console_helpers import CONSOLE_CSP, console_server, selfie_frame, specimen_document
from tests.jobs.conftest import Deployment, capture_journey, wait_state

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
ALICE, BOB = "alice@example.com", "bob@example.com"
SCREENSHOTS = os.environ.get("OPENIDV_WRITE_SCREENSHOTS") == "1"
ENGINES = ",".join(
    [
        "ID_DOCUMENT_AUTHENTICITY=tests.engines:Approve",
        "LIVENESS=tests.engines:Approve",
        "ID_DOCUMENT_FACE_MATCH=tests.engines:Undecided",
        "ID_DOCUMENT_TEXT_DATA_EXTRACTION=tests.engines:Undecided",
    ]
)
FIELDS = {
    "full_name": "ANNA MARIA ERIKSSON",
    "given_names": "ANNA MARIA",
    "family_name": "ERIKSSON",
    "date_of_birth": "1974-08-12",
    "nationality": "UTO",
    "document_number": "L898902C3",
    "expiration_date": "2012-04-15",
}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """``openidv run`` on the embedded defaults, with face match and text extraction left to
    people, four eyes on rejections, and two reviewers."""
    root = tmp_path_factory.mktemp("console")
    settings = {"OPENIDV_REVIEW_FOUR_EYES": "reject"}
    with console_server(root, ENGINES, "console", (ALICE, BOB), PASSWORD, **settings) as deployment:
        yield deployment


def _url(deployment: Deployment, path: str = "/") -> str:
    return f"http://127.0.0.1:{deployment.port}/console{path}"


def _watch(page: Page) -> list[str]:
    """Collects the page's uncaught errors, console errors (a CSP violation is one) and failed
    requests, except the browser's own request for a favicon."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def on_response(response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {urlsplit(response.url).path}")

    page.on("console", on_console)
    page.on("response", on_response)
    return problems


def _log_in(page: Page, deployment: Deployment, email: str, password: str = PASSWORD) -> None:
    page.goto(_url(deployment, "/login"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _row(page: Page, item_type: str) -> Any:
    """An item in the queue (its session's row lists each of them)."""
    return page.locator("table.queue tbody li.item", has_text=item_type)


def _shoot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(ROOT / "docs" / name), full_page=True)


def _box_width(page: Page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None
    return float(box["width"])


def test_two_reviewers_in_the_browser(console: Deployment, browser: Browser) -> None:
    client, _ = console.client()
    created = client.create_session(
        {
            "client_session_token_ttl": 900,
            "user_tracking_id": "console-e2e",
            "requested_checks": [
                {"type": "ID_DOCUMENT_AUTHENTICITY", "config": {"manual_check": "FALLBACK"}},
                {"type": "LIVENESS", "config": {"liveness_type": "ZOOM", "max_retries": 3}},
                {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": "FALLBACK"}},
            ],
            "requested_tasks": [
                {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": "FALLBACK"}}
            ],
        }
    )
    capture_journey(
        console, created.session_id, created.client_session_token,
        document=specimen_document(), frames=[selfie_frame(n) for n in range(3)],
    )  # fmt: skip

    alice_context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    bob_context: BrowserContext | None = None
    try:
        alice_context.set_default_timeout(15_000)
        page = alice_context.new_page()
        problems = _watch(page)

        # The login page refuses a wrong password, and says so without saying which part.
        _log_in(page, console, ALICE, "not the password at all")
        expect(page.get_by_role("alert")).to_contain_text("Those credentials did not work")
        expect(page).to_have_url(_url(console, "/login"))
        _log_in(page, console, ALICE)
        expect(page).to_have_url(_url(console, "/"))

        # Both items reach the queue once processing has sent them to review.
        deadline = time.monotonic() + 30
        while page.locator("table.queue tbody tr form").count() < 2:
            assert time.monotonic() < deadline, page.content()
            time.sleep(0.3)
            page.reload()
        expect(_row(page, "ID_DOCUMENT_FACE_MATCH")).to_contain_text("open")
        expect(_row(page, "ID_DOCUMENT_TEXT_DATA_EXTRACTION")).to_contain_text("open")
        _shoot(page, "console-queue.png")

        # A form posted with a token other than the session's is refused.
        claim = _row(page, "ID_DOCUMENT_FACE_MATCH").locator("form")
        claim_url = str(claim.get_attribute("action"))
        claim.locator("input[name=csrf]").evaluate("(input) => { input.value = 'forged'; }")
        with page.expect_response(re.compile(r"/claim$")) as refused:
            claim.get_by_role("button", name="Open").click()
        assert refused.value.status == 409
        expect(page.get_by_role("alert")).to_contain_text("the form expired")
        page.goto(_url(console, "/"))

        # The face match: the machine's result, readable; the image tools; a rejection.
        _row(page, "ID_DOCUMENT_FACE_MATCH").get_by_role("button", name="Open").click()
        expect(page.locator("h1")).to_contain_text("ID_DOCUMENT_FACE_MATCH")
        response = page.request.get(page.url)
        assert response.headers["content-security-policy"] == CONSOLE_CSP
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text())  # no inline script
        machine = page.locator("#machine-readable")
        expect(machine.locator(".recommendation")).to_have_text("NOT_AVAILABLE")
        expect(machine.locator(".reason")).to_have_text("PHOTO_TOO_BLURRY")
        expect(machine.locator(".decided")).to_contain_text("no")
        expect(page.locator("#machine-raw")).not_to_have_attribute("open", "")
        expect(page.locator("figure.viewer")).to_have_count(4)  # the page and three frames
        viewer = page.locator("figure.viewer").first
        expect(viewer).to_have_class(re.compile(r"\binteractive\b"))
        expect(viewer.locator("img")).to_have_js_property("complete", True)
        expect(viewer).to_have_attribute("data-zoom", "1")
        fitted = _box_width(page, "figure.viewer >> nth=0 >> img")
        viewer.get_by_role("button", name="Zoom in").click()
        viewer.get_by_role("button", name="Zoom in").click()
        expect(viewer.locator(".zoom-level")).to_have_text("200%")
        assert _box_width(page, "figure.viewer >> nth=0 >> img") > 1.9 * fitted
        viewer.get_by_role("button", name="Rotate right").click()
        expect(viewer).to_have_attribute("data-rotation", "90")
        box = viewer.locator("img").bounding_box()  # the landscape page, now standing up
        assert box is not None and box["height"] > 1.3 * box["width"], box
        viewer.get_by_role("button", name="Rotate left").click()
        viewer.get_by_role("button", name="Fit").click()
        expect(viewer).to_have_attribute("data-rotation", "0")
        expect(viewer.locator(".zoom-level")).to_have_text("100%")

        page.get_by_label("Recommendation").select_option("REJECT")
        page.get_by_label("Reason").select_option("DIFFERENT_PERSON")
        page.get_by_role("button", name="Record decision").click()
        # The session's next item opens, claimed; the rejection waits for a second reviewer.
        expect(page.locator("h1")).to_contain_text("ID_DOCUMENT_TEXT_DATA_EXTRACTION")
        page.goto(_url(console, "/"))
        expect(_row(page, "ID_DOCUMENT_FACE_MATCH")).to_contain_text("awaiting second reviewer")
        expect(_row(page, "ID_DOCUMENT_TEXT_DATA_EXTRACTION")).to_contain_text("claimed by you")

        # The text extraction: fields typed in, with the MRZ check digits recomputed live.
        _row(page, "ID_DOCUMENT_TEXT_DATA_EXTRACTION").get_by_role("button", name="Open").click()
        expect(page.locator("h1")).to_contain_text("ID_DOCUMENT_TEXT_DATA_EXTRACTION")
        expect(page.locator("#fields-editor")).to_be_visible()
        number = page.locator("#field-document_number")
        number.fill("L898902C")
        partial = str(compute_check_digit("L898902C<"))  # a digit still missing: padded
        expect(page.locator("#check-document_number")).to_have_attribute("data-digit", partial)
        number.fill("L898902C3")
        expect(page.locator("#check-document_number")).to_have_attribute("data-digit", "6")
        expect(page.locator("#check-document_number .mrz")).to_have_text("L898902C3")
        page.locator("#field-date_of_birth").fill("1974-08-31x")
        expect(page.locator("#check-date_of_birth")).to_have_class(re.compile(r"\bbad\b"))
        for key, value in FIELDS.items():
            page.locator(f"#field-{key}").fill(value)
        expect(page.locator("#check-date_of_birth")).to_have_attribute("data-digit", "2")
        expect(page.locator("#check-date_of_birth .mrz")).to_have_text("740812")
        expect(page.locator("#check-expiration_date")).to_have_attribute("data-digit", "9")
        assert json.loads(page.locator("#fields-json").input_value()) == FIELDS
        # The module's digits are Python's (openidv.vision.mrz) on awkward input too.
        samples = ["<<<<<<<<<", "D23145890", "AB2134<<<", "ZE184226B", "Z9Z9Z9Z9Z9Z9", "HM"]
        digits = page.evaluate(
            "async (samples) => { const m = await import('/console/static/case.js');"
            " return samples.map((s) => m.checkDigit(s)); }",
            samples,
        )
        assert digits == [compute_check_digit(s) for s in samples]
        page.locator("figure.viewer").first.get_by_role("button", name="Zoom in").click()
        _shoot(page, "console-case.png")
        page.get_by_label("Recommendation").select_option("PROGRESS")
        page.get_by_role("button", name="Record decision").click()
        expect(page).to_have_url(_url(console, "/"))
        expect(_row(page, "ID_DOCUMENT_TEXT_DATA_EXTRACTION")).to_have_count(0)

        # Alice cannot confirm her own rejection.
        _row(page, "ID_DOCUMENT_FACE_MATCH").get_by_role("button", name="Open").click()
        expect(page.locator(".decision")).to_contain_text("Waiting for a second reviewer")
        expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
        # Nothing went wrong in the page but the two refusals above.
        assert problems == ["401 /console/login", f"409 {urlsplit(claim_url).path}"], problems

        # Bob, in his own browser session, confirms it.
        bob_context = browser.new_context(locale="en-GB")
        bob_context.set_default_timeout(15_000)
        bob = bob_context.new_page()
        bob_problems = _watch(bob)
        _log_in(bob, console, BOB)
        expect(_row(bob, "ID_DOCUMENT_FACE_MATCH")).to_contain_text("awaiting second reviewer")
        _row(bob, "ID_DOCUMENT_FACE_MATCH").get_by_role("button", name="Open").click()
        expect(bob.locator(".decision h2")).to_have_text(
            "Proposed by another reviewer: REJECT (DIFFERENT_PERSON)"
        )
        bob.get_by_role("button", name="Confirm").click()
        expect(bob).to_have_url(_url(console, "/"))
        expect(bob.locator("table.queue")).to_contain_text("Nothing to review.")
        assert bob_problems == []
    finally:
        alice_context.close()
        if bob_context is not None:
            bob_context.close()

    # What the integrator sees.
    session = wait_state(client, created.session_id, "COMPLETED", timeout=20)
    face_match = next(c for c in session.checks if c.type == "ID_DOCUMENT_FACE_MATCH")
    assert face_match.report.recommendation.value == "REJECT"
    assert face_match.report.recommendation.reason == "DIFFERENT_PERSON"
    assert face_match.report.breakdown[-1].sub_check == "manual_face_match"
    assert face_match.report.breakdown[-1].result == "FAIL"
    text_check = next(c for c in session.checks if c.type == "ID_DOCUMENT_TEXT_DATA_CHECK")
    assert text_check.report.recommendation.value == "APPROVE"
    document = session.resources.id_documents[0]
    stored = client.get_media_content(created.session_id, document.document_fields.media.id)
    assert json.loads(stored.content) == FIELDS

    # The console's static module is served as JavaScript, to anyone (it holds no data).
    script = httpx.get(_url(console, "/static/case.js"))
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")


def _render_case(**context: Any) -> str:
    base = {
        "prefix": "/console",
        "who": {"id": "r1", "email": "alice@example.com", "role": "reviewer"},
        "csrf": "token",
        "images": [],
        "proposal": None,
        "values": ["PROGRESS"],
        "reasons": [],
        "fields": "{}",
        "item": {"kind": "check", "id": "c1", "type": "ID_DOCUMENT_FACE_MATCH", "session_id": "s"},
    }
    return CONSOLE_TEMPLATES.get_template("case.html").render(**{**base, **context})


def test_case_view_renders_a_machine_result_dict_on_the_server() -> None:
    """When routes.py passes ``machine_result`` (a dict), the page needs no script for it."""
    result = {
        "decided": False,
        "report": {
            "recommendation": {"value": "REJECT", "reason": "DIFFERENT_PERSON"},
            "breakdown": [
                {
                    "sub_check": "ai_face_match",
                    "result": "FAIL",
                    "process": "AUTOMATED",
                    "details": [
                        {"name": "confidence_score", "value": "0.21<script>"},
                        {"name": "compared_fields", "value": "surname,<b>date_of_birth"},
                    ],
                }
            ],
        },
        "recommendation": None,
        "generated_media": [],
    }
    html = _render_case(machine_result=result, machine=json.dumps(result))
    assert 'data-render="server"' in html
    assert re.search(r'class="badge recommendation" data-value="REJECT">REJECT<', html)
    assert '<dd class="reason">DIFFERENT_PERSON</dd>' in html
    assert "<code>ai_<wbr>face_<wbr>match</code>" in html
    assert "<dt>confidence_<wbr>score</dt>" in html
    assert "0.21&lt;script&gt;" in html and "0.21<script>" not in html
    # A field list wraps between its names (1280 px: tests/e2e/test_console_review.py).
    assert "<dd>surname,<wbr>&lt;b&gt;date_<wbr>of_<wbr>birth</dd>" in html

    task = {"decided": False, "report": None, "generated_media": [{"id": "m", "type": "JSON"}],
            "recommendation": {"value": "MUST_TRY_AGAIN",
                               "reason": {"value": "QUALITY", "detail": "too dark"}}}  # fmt: skip
    html = _render_case(
        machine_result=task, item={"kind": "task", "id": "t", "type": "X", "session_id": "s"}
    )
    assert '<dd class="reason">QUALITY <span class="detail">(too dark)</span></dd>' in html
    assert 'name="fields"' in html and "Generated media: <code>JSON</code>" in html

    # Today's context (only the JSON string): the module renders it in the browser, and the
    # raw JSON is open for a browser that runs no script.
    client = _render_case(machine=json.dumps(result))
    assert 'data-render="client"' in client and 'id="machine-raw" open>' in client
    assert 'id="machine-raw">' in html
