"""The capture page guides the end user, at phone (390 px) and desktop (1280 px) sizes: an
intro (what you need, how long, who asks, the privacy policy), the photo checked on the device
and by the server before the user moves on (a specific retake message, nothing red when all is
well), Back and resume after a reload or the browser's Back, desktop and phone wording with the
hand-off offered on a computer, a refused camera explained with the browser's steps, and PDF
scans."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from openidv.vision.synth import generate_document
from tests.capture.test_quality import on_table
from tests.e2e.conftest import (
    Deployment,
    Site,
    assert_accessible,
    screenshot,
    start,
)

PHONE_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
JPEG = b"\xff\xd8"
# The server's photo check (and a PDF's drawing) answers in well under a second on an idle
# machine; on a shared two-core one under load, in several.
SERVER_CHECK = 30_000
# The device's own estimate decodes and measures the photo in the page's script: instant on an
# idle machine, more than Playwright's 5 s default once CI's load has the browser waiting.
DEVICE_CHECK = 20_000


def _phone(browser: Browser) -> BrowserContext:
    context = browser.new_context(
        locale="en-GB",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_AGENT,
    )
    context.set_default_timeout(15_000)
    return context


def _desktop(browser: Browser) -> BrowserContext:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = _phone(browser)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = _desktop(browser)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def passport() -> np.ndarray[Any, np.dtype[np.uint8]]:
    document = generate_document(7, fmt="TD3", image_format="png")
    page = cv2.imdecode(np.frombuffer(document.image, np.uint8), cv2.IMREAD_COLOR)
    return np.asarray(page, np.uint8)


def _write(path: Path, frame: np.ndarray[Any, np.dtype[np.uint8]]) -> Path:
    cv2.imwrite(str(path), frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return path


def _fits(page: Page, width: int) -> None:
    """Nothing sticks out sideways: the page is as wide as the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _upload(page: Page, path: Path) -> None:
    page.locator("#upload-slot input[type=file]").set_input_files(path)
    expect(page.locator("#accept")).to_be_visible()


def _journey(deployment: Deployment, session_id: str, token: str) -> Any:
    response = httpx.get(
        f"{deployment.base}/client/sessions/{session_id}/journey",
        headers={"X-Yoti-Auth-Token": token},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_intro_on_a_phone_says_what_is_needed_who_asks_and_links_the_policy(
    deployment: Deployment, site: Site, phone: Page
) -> None:
    session = deployment.create_session({"privacy_policy_url": f"{site.origin}/privacy"})
    phone.goto(deployment.page_url(session.session_id, session.client_session_token))
    intro = phone.locator("#intro")
    expect(intro.locator("h1")).to_have_text("Verify your identity")
    expect(phone.locator("#intro-who")).to_have_text("e2e asks you to confirm who you are.")
    needs = phone.locator("#intro-needs li")
    expect(needs).to_have_text(
        [
            "Your identity document: a passport, driving licence or identity card",
            "Your face, for a few seconds of video, to show it is really you",
            "Your phone's camera, in a well-lit place",
        ]
    )
    expect(phone.locator("#intro-time")).to_have_text("It takes about 3 minutes.")
    expect(intro.locator("a.privacy")).to_have_attribute("href", f"{site.origin}/privacy")
    expect(phone.locator("#intro-phone")).to_be_hidden()  # already on a phone
    expect(phone.locator("#back")).to_be_hidden()  # nothing before the intro
    _fits(phone, 390)
    assert_accessible(phone, "intro, phone")
    screenshot(phone, "0-intro-phone")
    start(phone)
    expect(phone.locator("#choose h1")).to_be_visible()
    expect(phone.locator("#progress")).to_have_text("Step 1 of 4")
    _fits(phone, 390)


def test_desktop_wording_and_the_hand_off_offered_from_the_intro(
    deployment: Deployment, desktop: Page
) -> None:
    session = deployment.create_session({"allow_handoff": True, "preset_issuing_country": "GBR"})
    desktop.goto(deployment.page_url(session.session_id, session.client_session_token))
    expect(desktop.locator("#intro-needs li").last).to_have_text(
        "A webcam, in a well-lit place (or continue on your phone)"
    )
    offer = desktop.locator("#intro-phone")
    expect(offer).to_have_text("Continue on my phone")
    screenshot(desktop, "0-intro-desktop")
    start(desktop)
    desktop.locator('input[name="doctype"][value="PASSPORT"]').check()
    desktop.locator("#choose-next").click()
    expect(desktop.locator("#capture-hint")).to_have_text(
        "Hold it flat and still in front of your webcam, in good light, with all four corners "
        "inside the frame."
    )
    desktop.locator("#shoot").click()
    desktop.locator("#accept").click()
    desktop.locator("#consent-agree").click()
    hint = desktop.locator("#capture-hint")
    expect(hint).to_contain_text("Sit facing your webcam")
    expect(hint).not_to_contain_text("phone")
    _fits(desktop, 1280)
    desktop.locator("#handoff-start").click()
    expect(desktop.locator("#handoff h1")).to_have_text("Continue on your phone")


def test_phone_wording_for_the_same_steps(deployment: Deployment, phone: Page) -> None:
    session = deployment.create_session({"preset_issuing_country": "GBR"})
    phone.goto(deployment.page_url(session.session_id, session.client_session_token))
    start(phone)
    phone.locator('input[name="doctype"][value="PASSPORT"]').check()
    phone.locator("#choose-next").click()
    expect(phone.locator("#capture-hint")).to_have_text(
        "Lay it flat in good light, with all four corners inside the frame."
    )
    phone.locator("#shoot").click()
    phone.locator("#accept").click()
    phone.locator("#consent-agree").click()
    expect(phone.locator("#capture-hint")).to_contain_text("Hold your phone at arm's length")
    _fits(phone, 390)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_blurred_passport_is_retaken_before_moving_on_and_a_sharp_one_passes_quietly(
    quality_deployment: Deployment,
    browser: Browser,
    passport: np.ndarray[Any, np.dtype[np.uint8]],
    tmp_path: Path,
    size: str,
) -> None:
    deployment = quality_deployment
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA_AND_UPLOAD", "preset_issuing_country": "GBR"}
    )
    token = session.client_session_token
    context = _phone(browser) if size == "phone" else _desktop(browser)
    try:
        page = context.new_page()
        page.goto(deployment.page_url(session.session_id, token))
        start(page)
        page.locator('input[name="doctype"][value="PASSPORT"]').check()
        page.locator("#choose-next").click()
        message = page.locator("#capture .msg")

        sharp = on_table(passport, 1600, 1200)
        blurred = np.asarray(cv2.GaussianBlur(sharp, (0, 0), 4), np.uint8)
        _upload(page, _write(tmp_path / "blurred.jpg", blurred))
        # The device's own estimate warns at once, before anything is sent.
        expect(message).to_have_text(
            "The photo is blurred. Hold still, let the camera focus, then take it again.",
            timeout=DEVICE_CHECK,
        )
        page.locator("#accept").click()
        # The server's check: not stored, the user is still on this photo, told why.
        expect(page.locator("#accept")).to_have_text("Send this photo anyway", timeout=SERVER_CHECK)
        expect(message).to_have_text(
            "The photo is blurred. Hold still, let the camera focus, then take it again."
        )
        expect(page.locator("#capture-title")).to_have_text("Photograph the page with your photo")
        [resource] = _journey(deployment, session.session_id, token)["resources"]
        assert resource["pages"] == 0
        assert_accessible(page, f"photo refused, {size}")
        screenshot(page, f"2b-photo-refused-{size}")

        # A webcam-sized frame: too small, on the device and at the server.
        _upload(page, _write(tmp_path / "vga.jpg", on_table(passport, 640, 480)))
        expect(page.locator("#accept")).to_have_text("Use this photo")  # a new photo
        expect(message).to_contain_text(
            "The photo is too small to read the document", timeout=DEVICE_CHECK
        )
        page.locator("#accept").click()
        expect(page.locator("#accept")).to_have_text("Send this photo anyway", timeout=SERVER_CHECK)
        expect(message).to_contain_text("too small to read the document")

        # A sharp photo: no warning at all, and on to the next step.
        _upload(page, _write(tmp_path / "sharp.jpg", sharp))
        expect(page.locator("#review-text")).to_have_text(
            "Check that the whole document is in the photo and its text is easy to read."
        )
        page.wait_for_timeout(300)  # the device check has run
        expect(message).to_have_text("")
        page.locator("#accept").click()
        expect(page.locator("#consent h1")).to_be_visible(timeout=SERVER_CHECK)
        [resource] = _journey(deployment, session.session_id, token)["resources"]
        assert resource["pages"] == 1
    finally:
        context.close()


def test_send_anyway_stores_the_photo_the_user_chose(
    quality_deployment: Deployment,
    desktop: Page,
    passport: np.ndarray[Any, np.dtype[np.uint8]],
    tmp_path: Path,
) -> None:
    session = quality_deployment.create_session({"preset_issuing_country": "GBR"})
    token = session.client_session_token
    desktop.goto(quality_deployment.page_url(session.session_id, token))
    start(desktop)
    desktop.locator('input[name="doctype"][value="PASSPORT"]').check()
    desktop.locator("#choose-next").click()
    blurred = np.asarray(cv2.GaussianBlur(on_table(passport, 1600, 1200), (0, 0), 4), np.uint8)
    _upload(desktop, _write(tmp_path / "blurred.jpg", blurred))
    desktop.locator("#accept").click()
    expect(desktop.locator("#accept")).to_have_text("Send this photo anyway", timeout=SERVER_CHECK)
    desktop.locator("#accept").click()
    expect(desktop.locator("#consent h1")).to_be_visible(timeout=SERVER_CHECK)
    [resource] = _journey(quality_deployment, session.session_id, token)["resources"]
    assert resource["pages"] == 1


@pytest.fixture(params=["phone", "desktop"])
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """The same test at phone size (390 px, a mobile browser) and desktop size (1280 px)."""
    context = _phone(browser) if request.param == "phone" else _desktop(browser)
    yield context.new_page()
    context.close()


def test_back_and_resume_after_reload_and_the_browsers_back(
    deployment: Deployment, sized: Page, tmp_path: Path, passport: Any
) -> None:
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA_AND_UPLOAD", "preset_issuing_country": "FRA"},
        liveness="STATIC",
    )
    token = session.client_session_token
    photo = _write(tmp_path / "card.jpg", on_table(passport, 1600, 1200))
    page = sized
    page.goto(deployment.page_url(session.session_id, token))
    start(page)
    title = page.locator("#capture-title")
    page.locator('input[name="doctype"][value="NATIONAL_ID"]').check()
    page.locator("#choose-next").click()
    expect(title).to_have_text("Photograph the front of your document")
    _upload(page, photo)
    page.locator("#accept").click()
    expect(title).to_have_text("Now photograph the back")
    assert_accessible(page, "back of the card, with Back")
    if page.viewport_size and page.viewport_size["width"] < 400:
        screenshot(page, "2c-back-step")

    # Reload: the server kept the front; the journey resumes at the back, without the intro.
    page.reload()
    expect(title).to_have_text("Now photograph the back")
    [kept] = _journey(deployment, session.session_id, token)["resources"]
    assert (kept["document_type"], kept["issuing_country"], kept["pages"]) == (
        "NATIONAL_ID",
        "FRA",
        1,
    )

    # Back from the back: the front again (the card restarts from its first side).
    page.locator("#back").click()
    expect(title).to_have_text("Photograph the front of your document")
    # The browser's Back does the same as the page's: to the choice of document, kept as chosen.
    page.go_back()
    expect(page.locator("#choose h1")).to_be_visible()
    expect(page.locator('input[name="doctype"][value="NATIONAL_ID"]')).to_be_checked()
    assert "/web/index.html" in page.url  # still on the page
    page.locator("#back").click()
    expect(page.locator("#intro h1")).to_be_visible()
    start(page)
    page.locator('input[name="doctype"][value="PASSPORT"]').check()
    page.locator("#choose-next").click()
    _upload(page, photo)
    page.locator("#accept").click()
    expect(page.locator("#consent h1")).to_be_visible(timeout=SERVER_CHECK)
    [kept] = _journey(deployment, session.session_id, token)["resources"]
    assert (kept["document_type"], kept["pages"]) == ("PASSPORT", 1)  # the card was replaced


def test_refused_camera_is_explained_with_the_browsers_steps(
    deployment: Deployment, denying_browser: Browser
) -> None:
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA", "preset_issuing_country": "GBR"}
    )
    context = _desktop(denying_browser)
    try:
        page = context.new_page()
        page.goto(deployment.page_url(session.session_id, session.client_session_token))
        # A computer without the hand-off: a webcam is what it needs.
        expect(page.locator("#intro-needs li").last).to_have_text("A webcam, in a well-lit place")
        start(page)
        page.locator('input[name="doctype"][value="PASSPORT"]').check()
        page.locator("#choose-next").click()
        denied = page.locator("#camera-denied")
        expect(denied.locator("h1")).to_have_text("Allow the camera")
        expect(page.locator("#denied-steps")).to_contain_text("Set Camera to Allow")
        expect(denied.get_by_role("button", name="Upload a photo instead")).to_have_count(0)
        assert_accessible(page, "camera refused")
        screenshot(page, "2d-camera-refused")
        page.locator("#denied-retry").click()  # still refused: the same explanation
        expect(denied.locator("h1")).to_have_text("Allow the camera")
        page.locator("#denied-cancel").click()
        expect(page.locator("#failed h1")).to_have_text("The camera was not allowed")
        expect(page.locator("#failed-text")).to_contain_text("Access to the camera was refused")
    finally:
        context.close()


def test_refused_camera_offers_upload_where_allowed(
    deployment: Deployment, denying_browser: Browser, tmp_path: Path, passport: Any
) -> None:
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA_AND_UPLOAD", "preset_issuing_country": "GBR"}
    )
    context = _phone(denying_browser)
    try:
        page = context.new_page()
        page.goto(deployment.page_url(session.session_id, session.client_session_token))
        start(page)
        page.locator('input[name="doctype"][value="PASSPORT"]').check()
        page.locator("#choose-next").click()
        expect(page.locator("#camera-denied h1")).to_have_text("Allow the camera")
        expect(page.locator("#denied-text")).to_contain_text("or upload a photo")
        page.get_by_role("button", name="Upload a photo instead").click()
        expect(page.locator("#capture-title")).to_have_text("Photograph the page with your photo")
        _upload(page, _write(tmp_path / "p.jpg", on_table(passport, 1600, 1200)))
        page.locator("#accept").click()
        # The liveness step needs the camera, and has no upload: the explanation alone.
        page.locator("#consent-agree").click()
        expect(page.locator("#camera-denied h1")).to_have_text("Allow the camera")
        expect(page.get_by_role("button", name="Upload a photo instead")).to_have_count(0)
        _fits(page, 390)
    finally:
        context.close()


def _pdf_of(frame: np.ndarray[Any, np.dtype[np.uint8]]) -> bytes:
    image = Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=150.0)
    return out.getvalue()


def test_a_pdf_scan_is_accepted_and_stored_as_an_image(
    quality_deployment: Deployment, sized: Page, passport: Any, tmp_path: Path
) -> None:
    phone = sized
    deployment = quality_deployment
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA_AND_UPLOAD", "preset_issuing_country": "GBR"},
        liveness="STATIC",
    )
    big = np.asarray(cv2.resize(passport, (1500, 1056), interpolation=cv2.INTER_CUBIC), np.uint8)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(_pdf_of(big))
    phone.goto(deployment.page_url(session.session_id, session.client_session_token))
    start(phone)
    phone.locator('input[name="doctype"][value="PASSPORT"]').check()
    phone.locator("#choose-next").click()
    expect(phone.locator("#upload-slot label")).to_contain_text("Upload a photo or PDF instead")
    _upload(phone, scan)
    expect(phone.locator("#review-text")).to_have_text("The first page of this PDF will be used.")
    phone.locator("#accept").click()
    expect(phone.locator("#consent h1")).to_be_visible(timeout=SERVER_CHECK)
    phone.locator("#consent-agree").click()
    phone.locator("#shoot").click()  # STATIC: one press, the burst around the selfie
    phone.locator("#submit-send").click(timeout=30_000)
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()

    result = deployment.client.get_session(session.session_id)
    [document] = result.resources.id_documents
    [page_] = document.pages
    assert page_.capture_method == "UPLOAD"
    media = deployment.client.get_media_content(session.session_id, page_.media.id)
    assert media.mime_type == "image/jpeg" and media.content[:2] == JPEG
    assert b"%PDF" not in media.content
