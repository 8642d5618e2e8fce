"""The hosted capture page in a real browser against a real ``openidv run``: the end user's
journey from the link to submitted evidence, as the integrator (official SDK, their own web
pages on another origin) sees it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import cv2
import httpx
import numpy as np
from playwright.sync_api import Browser, FrameLocator, Page, expect

from openidv.capture.page import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import Deployment, Site, Tab, screenshot, start

STATIC = Path(__file__).resolve().parents[2] / "src/openidv/capture/static"
I18N = STATIC.parent / "i18n"
JPEG = b"\xff\xd8"


def _choose(ui: Page | FrameLocator, document_type: str, country: str | None = None) -> None:
    if country:
        ui.locator("#country").select_option(country)
    ui.locator(f'input[name="doctype"][value="{document_type}"]').check()
    ui.locator("#choose-next").click()


def _photograph(ui: Page | FrameLocator, title: str) -> None:
    """One photo with the (fake) camera."""
    expect(ui.locator("#capture-title")).to_have_text(title)
    ui.locator("#shoot").click()
    ui.locator("#accept").click()


def _media(deployment: Deployment, session_id: str, media_id: str) -> Any:
    return deployment.client.get_media_content(session_id, media_id)


def _large_photo(path: Path) -> Path:
    """A 3000x2000 'phone photo' (a smooth pattern, so the PNG stays small)."""
    y, x = np.mgrid[0:2000, 0:3000]
    layers = [(x // 12) % 256, (y // 8) % 256, ((x + y) // 20) % 256]
    image = np.ascontiguousarray(np.stack(layers, axis=-1).astype(np.uint8))
    cv2.rectangle(image, (300, 300), (2700, 1700), (20, 20, 20), 25)
    cv2.imwrite(str(path), image)
    return path


def test_page_headers_and_assets(deployment: Deployment) -> None:
    response = httpx.get(f"{deployment.base}/web/index.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "x-frame-options" not in response.headers  # integrators frame it
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    # No inline script at all: every <script> has a src.
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
    assert "{{" not in response.text and "Verify your identity" in response.text

    js = httpx.get(f"{deployment.base}/web/static/app.js")
    assert js.headers["content-type"].startswith("text/javascript")
    again = httpx.get(
        f"{deployment.base}/web/static/app.js", headers={"If-None-Match": js.headers["etag"]}
    )
    assert again.status_code == 304
    for bad in ("static/page.py", "static/..%2Fpage.py", "i18n/xx.json", "static/missing.js"):
        assert httpx.get(f"{deployment.base}/web/{bad}").status_code == 404, bad

    # Every language says everything English says.
    english = set(json.loads((I18N / "en.json").read_text()))
    for lang in ("es", "fr", "ar"):
        assert set(json.loads((I18N / f"{lang}.json").read_text())) == english, lang


def test_journey_with_camera_lands_evidence_and_redirects_to_success_url(
    deployment: Deployment, site: Site, tab: Tab
) -> None:
    session = deployment.create_session(
        {
            "allowed_capture_methods": "CAMERA_AND_UPLOAD",
            "primary_colour": "#aa3300",
            "secondary_colour": "#fefefe",
            "font_colour": "#101010",
            "locale": "en-GB",
            "preset_issuing_country": "GBR",
            "success_url": site.success_url,
            "error_url": site.error_url,
            "privacy_policy_url": f"{site.origin}/privacy",
        }
    )
    token = session.client_session_token
    page = tab.page
    page.goto(deployment.page_url(session.session_id, token))
    start(page)

    expect(page.locator("#country")).to_have_value("GBR")  # preset_issuing_country
    screenshot(page, "1-choose-document")
    assert token not in page.url  # taken out of the address bar and history
    expect(page.locator("#choose-next")).to_have_css("background-color", "rgb(170, 51, 0)")
    expect(page.locator("body")).to_have_css("color", "rgb(16, 16, 16)")
    _choose(page, "PASSPORT")
    expect(page.locator("#upload-slot input[type=file]")).to_have_count(1)
    expect(page.locator("#capture-title")).to_have_text("Photograph the page with your photo")
    screenshot(page, "2-document-camera")
    _photograph(page, "Photograph the page with your photo")

    # Biometric consent, just before the liveness capture, with the privacy policy linked.
    expect(page.locator("#consent h1")).to_have_text("Your consent")
    screenshot(page, "3-consent")
    expect(page.locator("#consent a.privacy")).to_have_attribute("href", f"{site.origin}/privacy")
    page.locator("#consent-agree").click()

    expect(page.locator("#capture-title")).to_have_text("Check that it is really you")
    expect(page.locator("#shoot")).to_be_visible()  # the camera is on
    screenshot(page, "4-liveness")
    expect(page.locator("#upload-slot input")).to_have_count(0)  # never an upload for liveness
    page.locator("#shoot").click()  # Start: the frames while the oval grows, then the turn
    expect(page.locator("#submit-send")).to_be_visible(timeout=30_000)  # judged: passed
    page.locator("#submit-send").click()
    page.wait_for_url(site.success_url)

    result = deployment.client.get_session(session.session_id)
    assert result.client_session_token is None  # submitted: the token is gone
    assert result.biometric_consent_timestamp is not None  # the agreement was recorded
    [document] = result.resources.id_documents
    assert (document.document_type, document.issuing_country) == ("PASSPORT", "GBR")
    assert [p.capture_method for p in document.pages] == ["CAMERA"]
    photo = _media(deployment, session.session_id, document.pages[0].media.id)
    assert photo.mime_type == "image/jpeg" and photo.content[:2] == JPEG
    [liveness] = result.resources.zoom_liveness_resources
    assert 8 <= len(liveness.frames) <= 24  # ~3.5 s at ~5 fps
    frame = _media(deployment, session.session_id, liveness.frames[0].media.id)
    assert frame.content[:2] == JPEG

    # The token was in one URL only, the link itself; nothing was asked of a third party.
    assert [url for url in tab.requests if token in url] == [tab.requests[0]]
    local = (deployment.origin, site.origin, f"blob:{deployment.origin}")  # blob: the previews
    assert [url for url in tab.requests if not url.startswith(local)] == []
    assert tab.errors == []


def test_a_camera_page_carries_the_frames_seen_while_aiming(
    deployment: Deployment, tab: Tab
) -> None:
    """While the user aims, the page keeps the camera's last frames; once the photo is
    accepted they are sent as the page's frames, which the integrator reads (official SDK)
    after the page itself, each served as media. A retake starts them again."""
    session = deployment.create_session({"preset_issuing_country": "GBR"})
    page = tab.page
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    start(page)
    _choose(page, "PASSPORT")
    expect(page.locator("#shoot")).to_be_visible()
    page.locator("#shoot").click()
    page.locator("#retake").click()  # the first shot's frames are not this page's
    expect(page.locator("#shoot")).to_be_visible()
    page.wait_for_timeout(3500)  # five frames' time: the last three are kept
    page.locator("#shoot").click()
    page.locator("#accept").click()
    expect(page.locator("#consent h1")).to_have_text("Your consent")

    [document] = deployment.client.get_session(session.session_id).resources.id_documents
    [taken] = document.pages
    assert taken.capture_method == "CAMERA"
    assert len(taken.frames) == 4 and taken.frames[0].media.id == taken.media.id
    seen = []
    for frame in taken.frames[1:]:
        content = _media(deployment, session.session_id, frame.media.id)
        assert content.mime_type == "image/jpeg" and content.content[:2] == JPEG
        pixels = cv2.imdecode(np.frombuffer(content.content, np.uint8), cv2.IMREAD_COLOR)
        assert pixels is not None and max(pixels.shape[:2]) <= 1280
        seen.append(content.content)
    assert len(set(seen)) == 3  # three moments of the (moving) test pattern, not one copy
    assert tab.errors == []


def test_framed_journey_with_uploads_posts_success_to_the_parent(
    deployment: Deployment, site: Site, tab: Tab, tmp_path: Path
) -> None:
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA_AND_UPLOAD"}, liveness="STATIC"
    )
    photo = _large_photo(tmp_path / "card.png")
    page = tab.page
    # No query: the page posts STARTED and is initialised by INIT_SESSION.
    init = {
        "eventType": "INIT_SESSION",
        "sessionID": session.session_id,
        "sessionToken": session.client_session_token,
    }
    page.goto(site.parent(f"{deployment.base}/web/index.html", init))
    ui = page.frame_locator("#idv")
    start(ui)
    _choose(ui, "NATIONAL_ID", country="FRA")
    for title in ("Photograph the front of your document", "Now photograph the back"):
        expect(ui.locator("#capture-title")).to_have_text(title)
        ui.locator("#upload-slot input[type=file]").set_input_files(photo)
        ui.locator("#accept").click()
    ui.locator("#consent-agree").click()
    expect(ui.locator("#capture-title")).to_have_text("Take a selfie")
    ui.locator("#shoot").click()  # STATIC: a short burst around the selfie
    ui.locator("#submit-send").click()

    page.wait_for_function("() => window.received.some((m) => m && m.eventType === 'SUCCESS')")
    received = page.evaluate("window.received")
    assert received[0] == {"eventType": "STARTED"}
    assert received[-1] == {"eventType": "SUCCESS"}
    expect(ui.locator("#done h1")).to_have_text("Thank you")

    result = deployment.client.get_session(session.session_id)
    assert result.client_session_token is None
    [document] = result.resources.id_documents
    assert (document.document_type, document.issuing_country) == ("NATIONAL_ID", "FRA")
    assert [p.capture_method for p in document.pages] == ["UPLOAD", "UPLOAD"]
    for page_ in document.pages:
        media = _media(deployment, session.session_id, page_.media.id)
        assert media.mime_type == "image/jpeg"
        decoded = cv2.imdecode(np.frombuffer(media.content, np.uint8), cv2.IMREAD_COLOR)
        assert decoded is not None
        assert decoded.shape[:2] == (1333, 2000)  # downscaled in the browser, not cropped
    [selfie] = result.resources.static_liveness_resources
    assert _media(deployment, session.session_id, selfie.image.media.id).content[:2] == JPEG
    assert tab.errors == []


def test_camera_only_has_no_upload_control_and_follows_the_browser_language(
    deployment: Deployment, browser: Browser
) -> None:
    session = deployment.create_session(
        {"allowed_capture_methods": "CAMERA", "preset_issuing_country": "GBR"}
    )
    context = browser.new_context(locale="fr-FR")  # no sdk_config.locale: the browser's
    try:
        page = context.new_page()
        page.goto(deployment.page_url(session.session_id, session.client_session_token))
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        start(page)
        expect(page.locator("#choose-title")).to_have_text("Choisissez votre pièce d\u2019identité")
        _choose(page, "PASSPORT")
        expect(page.locator("#shoot")).to_have_text("Prendre la photo")
        expect(page.locator("#video")).to_be_visible()
        expect(page.locator("input[type=file]")).to_have_count(0)
        expect(page.get_by_text("Importer une photo")).to_have_count(0)
    finally:
        context.close()


def test_arabic_is_laid_out_right_to_left(deployment: Deployment, tab: Tab) -> None:
    session = deployment.create_session({"locale": "ar", "preset_issuing_country": "GBR"})
    page = tab.page
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    start(page)
    expect(page.locator("#choose-title")).to_have_text("اختر وثيقة هويتك")
    expect(page.locator("body")).to_have_css("direction", "rtl")


def test_bad_token_posts_error_2000_to_the_parent(
    deployment: Deployment, site: Site, tab: Tab
) -> None:
    session = deployment.create_session({})
    page = tab.page
    page.goto(site.parent(deployment.page_url(session.session_id, "not-the-token")))
    page.wait_for_function("() => window.received.some((m) => m && m.eventType === 'ERROR')")
    assert page.evaluate("window.received") == [
        {"eventType": "STARTED"},
        {"eventType": "ERROR", "eventCode": 2000},
    ]
    expect(page.frame_locator("#idv").locator("#failed-text")).to_have_text(
        "This link is no longer valid. Go back and start again."
    )


def test_token_ended_mid_journey_redirects_to_error_url_with_code(
    deployment: Deployment, site: Site, tab: Tab
) -> None:
    session = deployment.create_session({"error_url": site.error_url})
    page = tab.page
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    start(page)
    expect(page.locator("#country")).to_be_visible()

    # Meanwhile the journey is finished elsewhere (another tab): the token is deleted.
    base = f"{deployment.base}/client/sessions/{session.session_id}"
    with httpx.Client(headers={"X-Yoti-Auth-Token": session.client_session_token}) as http:
        for requirement in http.get(f"{base}/configuration").json()["capture"][
            "required_resources"
        ]:
            body = {"requirement_id": requirement["id"]}
            headers = {"Content-Type": "image/jpeg"}
            frames = 1
            if requirement["type"] == "LIVENESS":  # an attempt, with its challenge
                attempt = http.post(f"{base}/liveness-attempts", json=body).json()
                resource = attempt["id"]
                if attempt["challenge"]:
                    headers["X-Liveness-Nonce"] = attempt["challenge"]["nonce"]
                    frames = 8
            else:
                if requirement["type"] == "ID_DOCUMENT":
                    body |= {"document_type": "PASSPORT", "issuing_country": "GBR"}
                resource = http.post(f"{base}/resources", json=body).json()["id"]
            jpeg = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
            for _ in range(frames):
                upload = http.put(
                    f"{base}/resources/{resource}/media", content=jpeg, headers=headers
                )
                assert upload.status_code == 201, upload.text
        assert http.post(f"{base}/submit").status_code == 202

    _choose(page, "PASSPORT", country="GBR")
    page.wait_for_url(re.compile(re.escape(site.error_url) + r"\?"))
    assert parse_qs(urlsplit(page.url).query) == {"yotiErrorCode": ["2000"]}
