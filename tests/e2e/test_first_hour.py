"""The first hour in a real browser: what ``openidv run`` prints, ``/`` and its links, the
API docs served without any third-party request, the demo's result at phone and desktop
sizes, and the demo's switch that leaves a case in the review console (liveness included,
where the server allows its review) for the decisions that complete the session.

The capture itself goes through the client API here (the capture page's own journey is
tests/e2e/test_capture_journeys.py's): these tests are about what comes before and after it.
Set OPENIDV_WRITE_SCREENSHOTS=1 to refresh docs/demo-result-*.png.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import cv2
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from openidv.vision.synth import generate_document
from openidv.vision.synth.generator import SyntheticDocument
from tests.e2e.conftest import start
from tests.e2e.console_helpers import console_server
from tests.jobs.conftest import ENGINES
from tests.jobs.conftest import Deployment as Server

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
REVIEWER = "first@example.com"
SCREENSHOTS = os.environ.get("OPENIDV_WRITE_SCREENSHOTS") == "1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``openidv run`` on the embedded defaults (trivial engines), with a reviewer, allowing
    liveness review: the demo's review switch then leaves the liveness check to a person too
    (how the benchmarks' synthetic capture, which the built-in engine refuses as a render,
    reaches a decision)."""
    root = tmp_path_factory.mktemp("first-hour")
    with console_server(
        root, ENGINES, "first", (REVIEWER,), PASSWORD, OPENIDV_LIVENESS_MANUAL_REVIEW="true"
    ) as server:
        yield server


def _origin(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


def _page(browser: Browser, width: int, height: int = 800) -> tuple[Page, list[str]]:
    """A tab of that size, recording every URL it requests."""
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    return page, requests


def _foreign(requests: list[str], origin: str) -> list[str]:
    return [url for url in requests if not url.startswith((origin + "/", "data:", "blob:"))]


def _fits(page: Page) -> None:
    """No horizontal scrolling: the page is no wider than the window."""
    width = page.evaluate("document.documentElement.scrollWidth")
    window = page.evaluate("window.innerWidth")
    assert width <= window, f"page is {width} px wide in a {window} px window"


def test_start_up_output_names_the_pages_the_browser_finds(server: Server) -> None:
    log = (server.root / "run-0.log").read_text()
    origin = _origin(server)
    for line in (
        f"Demo            {origin}/demo",
        f"Review console  {origin}/console",
        f"API docs        {origin}/docs",
        f"API base URL    {origin}/idverify/v1",
        'openidv apps create "My app" --key-out my-app.pem',
        "openidv reviewer add you@example.com --role admin",
    ):
        assert line in log, log


def test_home_page_links_to_every_part(server: Server, browser: Browser) -> None:
    page, requests = _page(browser, 360)
    origin = _origin(server)
    page.goto(f"{origin}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("openidv is running")
    _fits(page)
    for name, title in (
        ("/demo", "openidv demo"),
        ("/console", None),
        ("/docs", "openidv API"),
    ):
        page.goto(f"{origin}/")
        page.get_by_role("link", name=name, exact=True).click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path.startswith(name)
        if title:
            expect(page).to_have_title(title)
    # The API base URLs, opened in a browser, say what they are rather than NOT_FOUND.
    for base in ("/idverify/v1", "/sandbox/idverify/v1"):
        page.goto(f"{origin}/")
        page.get_by_role("link", name=base, exact=True).click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == base
        text = page.locator("body").inner_text()
        assert "NOT_FOUND" not in text, text
        assert '"service":"openidv"' in text.replace(" ", "") and "/docs" in text, text
    assert _foreign(requests, origin) == []
    page.context.close()


def test_api_docs_render_from_the_package_alone(server: Server, browser: Browser) -> None:
    page, requests = _page(browser, 1280)
    origin = _origin(server)
    page.goto(f"{origin}/docs")
    # Swagger UI rendered the OpenAPI document: the session endpoints are listed.
    expect(
        page.locator(".opblock-summary-path", has_text="/idverify/v1/sessions").first
    ).to_be_visible()
    assert _foreign(requests, origin) == [], _foreign(requests, origin)
    page.context.close()


def _start_demo(page: Page, origin: str, review: bool) -> tuple[str, str, str]:
    """Through the demo's own start page; returns session id, client token, result URL."""
    page.goto(f"{origin}/demo")
    if review:
        page.get_by_label(re.compile("Send the checks to a reviewer")).check()
    page.get_by_role("button", name="Verify me").click()
    frame = page.locator("iframe[data-result]")
    expect(frame).to_be_attached()
    src = html.unescape(frame.get_attribute("src") or "")
    params = parse_qs(urlsplit(src).query)
    result = frame.get_attribute("data-result") or ""
    expect(page.get_by_role("link", name="Start again")).to_be_visible()
    return params["sessionID"][0], params["sessionToken"][0], f"{origin}{result}"


def _passport(face_images_dir: Path) -> SyntheticDocument:
    """A passport page printing what the trivial engines report (tests/engines.py: ANNA
    MARIA ERIKSSON, L898902C3), its portrait another photo of the selfie's person: the
    result's screenshots then show one face on both sides and the page's own data."""
    return generate_document(
        21,
        fmt="TD3",
        portrait=(face_images_dir / "obama2.jpg").read_bytes(),
        holder={"surname": "ERIKSSON", "given_names": "ANNA MARIA", "document_number": "L898902C3"},
    )


def _capture(
    server: Server, session_id: str, token: str, frames: list[bytes], passport: SyntheticDocument
) -> list[str]:
    """What the capture page sends: a passport page, one liveness attempt, submit. Returns
    the frames' media ids, in order."""
    base = f"{server.api}/client/sessions/{session_id}"
    ids: list[str] = []
    with httpx.Client(headers={"X-Yoti-Auth-Token": token}, timeout=30) as http:
        required = http.get(f"{base}/configuration").json()["capture"]["required_resources"]
        for requirement in required:
            if requirement["type"] == "ID_DOCUMENT":
                body = {
                    "requirement_id": requirement["id"],
                    "document_type": "PASSPORT",
                    "issuing_country": passport.identity.code,
                }
                resource = http.post(f"{base}/resources", json=body).json()
                upload = http.put(
                    f"{base}/resources/{resource['id']}/media",
                    content=passport.image,
                    headers={"Content-Type": passport.mime_type},
                )
                assert upload.status_code == 201, upload.text
            elif requirement["type"] == "LIVENESS":
                attempt = http.post(
                    f"{base}/liveness-attempts", json={"requirement_id": requirement["id"]}
                ).json()
                for frame in frames:
                    kind = "image/png" if frame.startswith(b"\x89PNG") else "image/jpeg"
                    upload = http.put(
                        f"{base}/resources/{attempt['id']}/media",
                        content=frame,
                        headers={
                            "Content-Type": kind,
                            "X-Liveness-Nonce": attempt["challenge"]["nonce"],
                        },
                    )
                    assert upload.status_code == 201, upload.text
                    ids.append(upload.json()["id"])
        assert http.post(f"{base}/submit").status_code == 202
    return ids


def _frames(face_images_dir: Path) -> list[bytes]:
    """Five frames as a ZOOM burst goes: far and small first, the face close in the middle."""
    photo = cv2.imread(str(face_images_dir / "obama.jpg"))
    assert photo is not None
    small = cv2.resize(photo, (photo.shape[1] // 6, photo.shape[0] // 6))
    far, near = (cv2.imencode(".jpg", image)[1].tobytes() for image in (small, photo))
    return [far, far, near, near, near]


@pytest.mark.parametrize("width", [360, 1280])
def test_demo_result_reads_well_on_a_phone_and_a_desktop(
    server: Server, browser: Browser, face_images_dir: Path, width: int
) -> None:
    page, requests = _page(browser, width)
    origin = _origin(server)
    session_id, token, result = _start_demo(page, origin, review=False)
    frame_ids = _capture(
        server, session_id, token, _frames(face_images_dir), _passport(face_images_dir)
    )
    page.goto(result)
    outcome = page.locator(".outcome")
    expect(outcome).to_have_text("Verified: every check passed.", timeout=30_000)
    checks = page.locator("table").first
    for question in (
        "Is the document genuine?",
        "Was a live person in front of the camera?",
        "Is it the face on the document?",
        "Reading the document's data",
    ):
        expect(checks.locator("tr", has_text=question)).to_contain_text(re.compile("Yes|Read"))
    expect(page.locator("body")).not_to_contain_text('{"value"')  # words, not JSON
    fields = page.locator("h2:has-text('Read from the document') + table")
    expect(fields.locator("tr", has_text="Full name")).to_contain_text("ANNA MARIA ERIKSSON")
    expect(fields.locator("tr", has_text="Document number")).to_contain_text("L898902C3")

    portrait = page.get_by_role("img", name="portrait on the document")
    selfie = page.get_by_role("img", name="the selfie frame compared")
    document = page.get_by_role("img", name="document page 1")
    page.wait_for_load_state("load")
    page.wait_for_function(
        "[...document.images].every(img => img.complete && img.naturalWidth > 0)"
    )  # the portrait's first crop loads the face detector
    for image in (portrait, selfie, document):
        expect(image).to_be_visible()
    # The portrait is cut from the page, and the selfie is the middle frame, not the far one.
    assert portrait.evaluate("img => img.naturalWidth") < document.evaluate(
        "img => img.naturalWidth"
    )
    assert (selfie.get_attribute("src") or "").endswith(frame_ids[2])
    boxes = [image.bounding_box() for image in (portrait, selfie)]
    assert boxes[0] and boxes[1]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2  # side by side, at both sizes
    _fits(page)
    assert _foreign(requests, origin) == []
    if SCREENSHOTS:
        page.screenshot(path=str(ROOT / "docs" / f"demo-result-{width}.png"), full_page=True)

    page.get_by_role("link", name="Start again").click()
    expect(page.get_by_role("button", name="Verify me")).to_be_visible()
    page.context.close()


def test_demo_cancelled_with_the_camera_refused_says_what_to_do(
    server: Server, denying_browser: Browser
) -> None:
    """Cancel on the capture page's "Allow the camera" step (the page posts ERROR 4000): the
    demo's result says in words what happened and what to do, the code in small print."""
    page, requests = _page(denying_browser, 360)
    origin = _origin(server)
    _start_demo(page, origin, review=False)
    ui = page.frame_locator("iframe[data-result]")
    start(ui)
    ui.locator('input[name="doctype"]').first.check()
    ui.locator("#choose-next").click()
    expect(ui.locator("#camera-denied h1")).to_have_text("Allow the camera")
    ui.locator("#denied-cancel").click()
    page.wait_for_url(re.compile(r"/demo/sessions/[^?]+\?yotiErrorCode=4000$"))
    expect(page.locator(".outcome")).to_have_text(
        "You cancelled, or the camera was not allowed: allow the camera in the browser's site "
        "settings and start again."
    )
    stopped = page.locator(".stopped")
    expect(stopped.get_by_role("link", name="Start again")).to_be_visible()
    expect(stopped.locator("small")).to_have_text("capture page error code 4000")
    expect(page.locator("body")).not_to_contain_text("stopped with error code")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # nothing will change
    _fits(page)
    assert _foreign(requests, origin) == []
    stopped.get_by_role("link", name="Start again").click()
    expect(page.get_by_role("button", name="Verify me")).to_be_visible()
    page.context.close()


def test_demo_review_switch_leaves_a_case_in_the_console(
    server: Server, browser: Browser, face_images_dir: Path
) -> None:
    page, _ = _page(browser, 360)
    origin = _origin(server)
    session_id, token, result = _start_demo(page, origin, review=True)
    _capture(server, session_id, token, _frames(face_images_dir), _passport(face_images_dir))
    page.goto(result)
    expect(page.locator(".outcome")).to_contain_text("Waiting for a reviewer", timeout=30_000)
    for question in ("Is it the face on the document?", "Was a live person in front of the"):
        expect(page.locator("tr", has_text=question)).to_contain_text("waiting for a reviewer")
    _fits(page)

    page.get_by_role("link", name="Open the review console").click()
    page.goto(f"{origin}/console/login")
    page.get_by_label("E-mail").fill(REVIEWER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{origin}/console/")
    # The session's items wait in the queue, one row for the session.
    row = page.locator(f'tr.session[data-session="{session_id}"]')
    expect(row).to_have_count(1)

    # The decisions, as the README's first screen leads a newcomer to them: open the row's
    # first item, approve (A, then Enter), and the session's next one opens, until none is left.
    row.locator("li.item").first.get_by_role("button", name="Open").click()
    decided = 0
    while page.locator("#record").count() and page.locator("h1 code").inner_text() == session_id:
        assert decided < 6, "the session's items never ran out"
        page.keyboard.press("a")
        expect(page.locator("#record")).to_be_focused()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        decided += 1
    assert decided == 4  # authenticity, liveness, face match, data entry
    page.goto(f"{origin}/console/")
    expect(row).to_have_count(0)
    # The demo's result page follows: the reviewer's approvals made the session verified.
    page.goto(result)
    expect(page.locator(".outcome")).to_contain_text("Verified", timeout=30_000)
    page.context.close()
