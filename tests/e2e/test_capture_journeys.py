"""The capture page's longer journeys in a real browser: the seed's example payload through a
fake camera playing a generated video (document, then a face coming closer), liveness retries,
the cross-device hand-off, a keyboard-only journey, and an automated accessibility check
(axe-core) on every screen at phone size and in Arabic."""

from __future__ import annotations

import base64
import re
import secrets
import time
from pathlib import Path

import cv2
import numpy as np
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.conftest import (
    Deployment,
    Site,
    Tab,
    assert_accessible,
    phone_context,
    screenshot,
    start,
)
from tests.e2e.fake_camera import READ_MARKER, FakeVideo
from tests.e2e.test_capture_page import _large_photo

JPEG = b"\xff\xd8"
HEIC = Path(__file__).resolve().parents[1] / "capture" / "iphone-like.heic"


def _wait_for_camera(page: Page, wanted: str, timeout: float = 30.0) -> None:
    """Until the fake camera's loop shows ``wanted`` (document, face-start or face)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(READ_MARKER) == wanted:
            return
        page.wait_for_timeout(40)
    raise AssertionError(f"the fake camera never showed {wanted}")


def _liveness_until_done(page: Page, shots: dict[str, bool] | None = None) -> list[str]:
    """Run ZOOM attempts until the journey moves on; returns each attempt's outcome."""
    outcomes: list[str] = []
    for _ in range(5):
        expect(page.locator("#capture-title")).to_have_text("Check that it is really you")
        _wait_for_camera(page, "face-start")
        page.locator("#shoot").click()
        hint = page.locator("#capture-hint")
        expect(hint).to_have_text("Fit your face in the oval")
        if shots is not None and not shots.get("fit"):
            screenshot(page, "5-liveness-fit")
            shots["fit"] = True
        expect(hint).to_have_text("Move closer as the oval grows")
        if shots is not None and not shots.get("closer"):
            screenshot(page, "6-liveness-closer")
            shots["closer"] = True
        # The first of the moves the server drew, with the arrow on that side.
        moves = r"^(Turn your head to your (left|right)|Look (up|down), then back at the camera)$"
        expect(hint).to_have_text(re.compile(moves))
        text = hint.inner_text()
        move = next(m for m in ("left", "right", "up", "down") if m in text)
        expect(page.locator("#cue")).to_have_class(f"cue {move}")
        if shots is not None and not shots.get("turn"):
            screenshot(page, "7-liveness-turn")
            shots["turn"] = True
            expect(page.get_by_role("heading", name="Checking…")).to_be_visible()
            assert_accessible(page, "liveness checking")
            screenshot(page, "8-liveness-checking")
        # Judged: on to consent/submit, or a verdict screen (try again, or the last one).
        after = page.locator("#submit-send, #verdict-next")
        expect(after.first).to_be_visible(timeout=90_000)
        if page.locator("#submit-send").is_visible():
            outcomes.append("passed")
            return outcomes
        button = page.locator("#verdict-next")
        outcomes.append("retry" if button.inner_text() == "Try again" else "last")
        assert_accessible(page, "liveness verdict")
        button.click()
        if outcomes[-1] == "last":
            return outcomes
    raise AssertionError(f"liveness never ended: {outcomes}")


def test_demo_payload_through_the_fake_camera_then_the_sdk_sees_the_evidence(
    live_deployment: Deployment, camera_browser: Browser, fake_video: FakeVideo
) -> None:
    session = live_deployment.create_demo_session()
    context = phone_context(camera_browser)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live_deployment.page_url(session.session_id, session.client_session_token))
        start(page)
        expect(page.locator("#country")).to_have_value("USA")  # preset_issuing_country
        assert_accessible(page, "choose document")
        page.locator('input[name="doctype"][value="PASSPORT"]').check()
        page.locator("#choose-next").click()

        expect(page.locator("#capture-title")).to_have_text("Photograph the page with your photo")
        _wait_for_camera(page, "document")
        assert_accessible(page, "document camera")
        page.locator("#shoot").click()
        expect(page.locator("#accept")).to_be_visible()
        assert_accessible(page, "document review")
        page.locator("#accept").click()

        expect(page.get_by_role("heading", name="Your consent")).to_be_visible()
        assert_accessible(page, "consent")
        page.locator("#consent-agree").click()

        expect(page.locator("#capture-title")).to_have_text("Check that it is really you")
        assert_accessible(page, "liveness start")
        outcomes = _liveness_until_done(page, shots={})
        expect(page.get_by_role("heading", name="Ready to send")).to_be_visible()
        assert_accessible(page, "submit")
        page.locator("#submit-send").click()
        # No success_url: the page stays, and says thank you.
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        assert_accessible(page, "done")
        assert errors == []
    finally:
        context.close()

    # The integrator, through the official SDK: the document page and every attempt's frames.
    result = live_deployment.client.get_session(session.session_id)
    assert result.client_session_token is None
    [document] = result.resources.id_documents
    assert (document.document_type, document.issuing_country) == ("PASSPORT", "USA")
    [page_] = document.pages
    assert page_.capture_method == "CAMERA"
    photo = live_deployment.client.get_media_content(session.session_id, page_.media.id)
    assert photo.mime_type == "image/jpeg" and photo.content[:2] == JPEG
    zooms = result.resources.zoom_liveness_resources
    assert len(zooms) == len(outcomes) >= 1, outcomes
    for zoom in zooms:
        assert 8 <= len(zoom.frames) <= 24
        last = live_deployment.client.get_media_content(
            session.session_id, zoom.frames[-1].media.id
        )
        assert last.content[:2] == JPEG
        # Raw camera pixels, not the mirrored preview: the marker is still top-left.
        pixels = cv2.imdecode(np.frombuffer(last.content, np.uint8), cv2.IMREAD_COLOR)
        assert pixels is not None
        assert max(pixels.shape[:2]) <= 720
        assert pixels[6, 6].mean() > 200 and pixels[6, -7].mean() < 120


def _verdicts(page: Page, attempts_left: int) -> None:
    """The server's verdicts, as if every attempt failed with a hint (the engines approve)."""

    def fail(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        if body.get("state") == "DONE":
            body |= {"passed": False, "hint": "MOVE_CLOSER", "attempts_left": attempts_left}
        route.fulfill(response=response, json=body)

    page.route(re.compile(r".*/liveness-attempts/[^/]+$"), fail)


def _to_liveness(deployment: Deployment, page: Page, sdk_config: dict[str, str]) -> None:
    session = deployment.create_session({"preset_issuing_country": "GBR", **sdk_config})
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    start(page)
    page.locator('input[name="doctype"][value="PASSPORT"]').check()
    page.locator("#choose-next").click()
    page.locator("#shoot").click()
    page.locator("#accept").click()
    page.locator("#consent-agree").click()
    expect(page.locator("#attempt")).to_have_text("Attempt 1 of 3")


def test_failed_liveness_offers_a_retry_with_the_hint(deployment: Deployment, tab: Tab) -> None:
    page = tab.page
    _verdicts(page, attempts_left=2)
    _to_liveness(deployment, page, {})
    page.locator("#shoot").click()
    expect(page.locator("#verdict-title")).to_have_text("Let's try that again", timeout=30_000)
    # The tab is a narrow desktop browser (no phone user agent): the computer's wording.
    expect(page.locator("#verdict-text")).to_have_text(
        "Your face looked too small. Lean towards the webcam as the oval grows."
    )
    expect(page.locator("#verdict-left")).to_have_text("Attempts left: 2")
    expect(page.locator("#verdict-next")).to_have_text("Try again")
    assert_accessible(page, "liveness: try again")
    screenshot(page, "9-liveness-try-again")
    # Try again: the face screen, Back offered (nothing is opened until Start); Start asks the
    # server for a new attempt, and this one (its engine approves) answers LIVENESS_PASSED,
    # as it would after a reload: the journey goes on.
    page.locator("#verdict-next").click()
    expect(page.locator("#capture-title")).to_have_text("Check that it is really you")
    expect(page.locator("#back")).to_be_visible()
    page.locator("#shoot").click()
    expect(page.get_by_role("heading", name="Ready to send")).to_be_visible()
    assert tab.errors == []


def test_failed_last_liveness_attempt_moves_on_without_blame(
    deployment: Deployment, site: Site, tab: Tab
) -> None:
    page = tab.page
    _verdicts(page, attempts_left=0)
    _to_liveness(deployment, page, {"success_url": site.success_url})
    page.locator("#shoot").click()
    expect(page.locator("#verdict-title")).to_have_text("Thank you", timeout=30_000)
    expect(page.locator("#verdict-text")).to_contain_text("what you sent goes to the organisation")
    expect(page.locator("#verdict-left")).to_have_text("")
    expect(page.locator("#verdict-next")).to_have_text("Continue")
    assert_accessible(page, "liveness: the last attempt")
    screenshot(page, "10-liveness-last")
    page.locator("#verdict-next").click()
    page.locator("#submit-send").click()
    page.wait_for_url(site.success_url)
    assert tab.errors == []


def _tab_to(page: Page, selector: str, presses: int = 25) -> None:
    """Press Tab until ``selector`` has the focus: it is reachable, in order, by keyboard."""
    visited = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s)", selector):
            return
        visited.append(page.evaluate("document.activeElement?.outerHTML.slice(0, 80)"))
    raise AssertionError(f"{selector} never got the focus by Tab, only {visited}")


def test_keyboard_only_journey_through_the_upload_path(
    deployment: Deployment, site: Site, tab: Tab, tmp_path: Path
) -> None:
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA_AND_UPLOAD", "preset_issuing_country": "GBR",
         "success_url": site.success_url},
        liveness="STATIC",
    )  # fmt: skip
    photo = _large_photo(tmp_path / "card.png")
    page = tab.page
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    _tab_to(page, "#intro-start")
    page.keyboard.press("Enter")
    expect(page.locator("#country")).to_have_value("GBR")
    _tab_to(page, 'input[name="doctype"]')
    while page.evaluate("document.activeElement.value") != "PASSPORT":
        page.keyboard.press("ArrowDown")  # radios: the arrows move and check
    page.keyboard.press("Space")  # checks the focused one (focus alone does not)
    _tab_to(page, "#choose-next")
    page.keyboard.press("Enter")

    expect(page.locator("#capture-title")).to_have_text("Photograph the page with your photo")
    _tab_to(page, "#upload-slot input[type=file]")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(photo)
    expect(page.locator("#accept")).to_be_visible(timeout=15_000)
    assert_accessible(page, "uploaded photo review")
    _tab_to(page, "#accept")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your consent")).to_be_visible()
    _tab_to(page, "#consent-agree")
    page.keyboard.press("Enter")

    expect(page.locator("#capture-title")).to_have_text("Take a selfie")
    assert_accessible(page, "selfie")
    _tab_to(page, "#shoot")
    page.keyboard.press("Enter")  # STATIC: a short burst around the selfie, sent as it is shot

    expect(page.locator("#submit-send")).to_be_visible(timeout=30_000)
    _tab_to(page, "#submit-send")
    page.keyboard.press("Enter")
    page.wait_for_url(site.success_url)
    result = deployment.client.get_session(session.session_id)
    [document] = result.resources.id_documents
    assert [p.capture_method for p in document.pages] == ["UPLOAD"]
    assert len(result.resources.static_liveness_resources) == 1
    assert tab.errors == []


NO_CAMERA = """(() => {
  const devices = navigator.mediaDevices;
  const original = devices.enumerateDevices.bind(devices);
  devices.enumerateDevices = async () => (await original()).filter((d) => d.kind !== 'videoinput');
})();"""


# The QR image's own pixels, four times its natural size, on white, as a PNG data URL.
QR_PIXELS = """img => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth * 4;
  canvas.height = img.naturalHeight * 4;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.imageSmoothingEnabled = false;
  context.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}"""


def _decode_qr(pixels: np.ndarray) -> str:
    """The QR code's text. OpenCV's classic detector alone missed 25 of 200 random hand-off
    links drawn this size (it depends on the data: the session id and token change each
    run); trying smaller sizes and the ArUco-based detector read all 200."""
    for scale in (1.0, 0.5, 0.25):
        image = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
            decoded, _, _ = detector.detectAndDecode(image)
            if decoded:
                return str(decoded)
    return ""


def test_desktop_without_camera_hands_off_to_a_phone_and_finishes_when_it_does(
    deployment: Deployment, site: Site, browser: Browser
) -> None:
    session = deployment.create_session(
        {"allow_handoff": True, "preset_issuing_country": "GBR", "success_url": site.success_url}
    )
    desktop_context = phone_context(browser)
    phone = phone_context(browser)
    try:
        desktop_context.add_init_script(NO_CAMERA)
        desktop = desktop_context.new_page()
        desktop.goto(deployment.page_url(session.session_id, session.client_session_token))
        expect(desktop.locator("#handoff h1")).to_have_text("Continue on your phone")
        qr = desktop.locator("#handoff-qr")
        expect(qr).to_be_visible()
        expect(qr).to_have_attribute(
            "alt", "QR code of a link that continues this verification on your phone"
        )
        link = desktop.locator("#handoff-link").input_value()
        assert "handoff=1" in link and session.session_id in link
        # The QR code says the same link as the copyable one: the image the page shows,
        # drawn onto a canvas once loaded (a screenshot of the element can catch an empty box).
        desktop.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=qr.element_handle()
        )
        data_url = desktop.evaluate(QR_PIXELS, qr.element_handle())
        png = base64.b64decode(data_url.split(",", 1)[1])
        pixels = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
        assert pixels is not None
        assert _decode_qr(pixels) == link
        expect(desktop.locator("#handoff-status")).to_have_text("Waiting for your phone…")
        expect(desktop.locator("#handoff-back")).to_be_hidden()  # no camera: nothing to go back to
        assert_accessible(desktop, "hand-off")
        screenshot(desktop, "11-handoff")

        page = phone.new_page()
        page.goto(link)
        start(page)
        page.locator('input[name="doctype"][value="PASSPORT"]').check()
        page.locator("#choose-next").click()
        expect(page.locator("#handoff-start")).to_be_hidden()  # the phone does not hand off
        page.locator("#shoot").click()
        page.locator("#accept").click()
        expect(desktop.locator("#handoff-status")).to_have_text(
            re.compile("Items received from your phone: [1-9]"), timeout=10_000
        )
        page.locator("#consent-agree").click()
        page.locator("#shoot").click()
        page.locator("#submit-send").click(timeout=30_000)
        expect(page.locator("#done-text")).to_have_text(
            "Your documents were sent. You can return to your computer."
        )
        assert_accessible(page, "phone done")
        screenshot(page, "12-handoff-phone-done")
        assert "/web/index.html" in page.url  # the phone does not redirect

        desktop.wait_for_url(site.success_url, timeout=15_000)  # finished like a normal finish
    finally:
        desktop_context.close()
        phone.close()


def test_continue_on_my_phone_on_request_and_back(
    deployment: Deployment, site: Site, tab: Tab
) -> None:
    session = deployment.create_session({"allow_handoff": True})
    page = tab.page
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    start(page)
    expect(page.locator("#choose h1")).to_be_visible()
    button = page.locator("#handoff-start")
    expect(button).to_have_text("Continue on my phone")
    assert_accessible(page, "choose document with hand-off offered")
    button.click()
    expect(page.locator("#handoff h1")).to_have_text("Continue on your phone")
    expect(page.locator("#handoff-qr")).to_be_visible()
    page.locator("#handoff-back").click()  # the computer has a camera: the journey goes on here
    expect(page.locator("#choose h1")).to_be_visible()
    assert tab.errors == []


def test_arabic_screens_are_accessible(deployment: Deployment, tab: Tab) -> None:
    session = deployment.create_session(
        {"locale": "ar", "preset_issuing_country": "GBR", "allow_handoff": True}
    )
    page = tab.page

    def turn_first(route: Route) -> None:
        """The server draws the moves at random: a turn first here, so that the arrow's side
        can be checked (the engines approve whatever the frames show)."""
        response = route.fetch()
        body = response.json()
        if route.request.method == "POST" and body.get("challenge"):
            side = secrets.choice(["LEFT", "RIGHT"])
            body["challenge"] |= {"moves": [side, *body["challenge"]["moves"][1:]], "turn": side}
        route.fulfill(response=response, json=body)

    page.route(re.compile(r".*/liveness-attempts$"), turn_first)
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(page, "Arabic: intro")
    start(page)
    assert_accessible(page, "Arabic: choose document")
    page.locator('input[name="doctype"][value="PASSPORT"]').check()
    page.locator("#choose-next").click()
    expect(page.locator("#shoot")).to_be_visible()
    assert_accessible(page, "Arabic: document camera")
    page.locator("#shoot").click()
    page.locator("#accept").click()
    expect(page.locator("#consent-agree")).to_be_visible()
    assert_accessible(page, "Arabic: consent")
    page.locator("#consent-agree").click()
    expect(page.locator("#capture-hint")).to_contain_text("اضغط ابدأ واتبع التعليمات")
    page.locator("#shoot").click()
    expect(page.locator("#capture-hint")).to_have_text(re.compile("^أدر رأسك نحو (يسارك|يمينك)$"))
    # The arrow stays on the user's own side: physical, not flipped by right-to-left.
    turn = "left" if "يسارك" in page.locator("#capture-hint").inner_text() else "right"
    box = page.locator("#cue").bounding_box()
    viewer = page.locator(".viewer").bounding_box()
    assert box is not None and viewer is not None
    centre = box["x"] + box["width"] / 2 - viewer["x"]
    assert (centre < viewer["width"] / 2) == (turn == "left")
    page.locator("#handoff-start").click()
    expect(page.locator("#handoff-link")).to_be_visible()
    assert_accessible(page, "Arabic: hand-off")


def test_heic_upload_is_stored_as_jpeg(deployment: Deployment, site: Site, tab: Tab) -> None:
    """An iPhone photo (HEIC), which Chromium cannot decode: sent as it is, converted by the
    server, and the integrator receives a JPEG."""
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA_AND_UPLOAD", "preset_issuing_country": "GBR",
         "success_url": site.success_url},
        liveness="STATIC",
    )  # fmt: skip
    page = tab.page
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    start(page)
    page.locator('input[name="doctype"][value="PASSPORT"]').check()
    page.locator("#choose-next").click()
    # Chosen at once, while the camera may still be starting: the choice is kept.
    page.locator("#upload-slot input[type=file]").set_input_files(HEIC)
    page.locator("#accept").click()
    page.locator("#consent-agree").click()
    page.locator("#shoot").click()  # STATIC: the burst around the selfie
    page.locator("#submit-send").click(timeout=30_000)
    page.wait_for_url(site.success_url)

    result = deployment.client.get_session(session.session_id)
    [document] = result.resources.id_documents
    [page_] = document.pages
    media = deployment.client.get_media_content(session.session_id, page_.media.id)
    assert media.mime_type == "image/jpeg" and media.content[:2] == JPEG
    decoded = cv2.imdecode(np.frombuffer(media.content, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None and decoded.shape[:2] == (120, 160)
    assert tab.errors == []
