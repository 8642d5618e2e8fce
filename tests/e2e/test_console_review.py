"""A reviewer's working session in a real browser against a real ``openidv run`` (issue 19
item 5, issue 17 item 5): one queue row per session, the evidence each item needs (the
document portrait beside the selfie with the score and thresholds), data entry prefilled
from the machine's read, keyboard shortcuts, the next-item flow, a page that fits 1280 px,
and the decision a few Tab presses away."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from openidv.review.evidence import ENTRY_FIELDS
from tests.e2e.conftest import assert_accessible
from tests.e2e.console_helpers import console_server, selfie_frame, specimen_document
from tests.jobs.conftest import Deployment, capture_journey, wait_state
from tests.review.engines import CARD_BREAKDOWN, READ

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
REVIEWER = "carol@example.com"
ENGINES = ",".join(
    [
        "ID_DOCUMENT_AUTHENTICITY=tests.review.engines:UnreadableCard",
        "LIVENESS=tests.engines:Approve",
        "ID_DOCUMENT_FACE_MATCH=tests.review.engines:GreyZone",
        "ID_DOCUMENT_TEXT_DATA_EXTRACTION=tests.review.engines:ReadAll",
    ]
)
SPEC: dict[str, Any] = {
    "client_session_token_ttl": 900,
    "requested_checks": [
        {"type": "ID_DOCUMENT_AUTHENTICITY", "config": {"manual_check": "FALLBACK"}},
        {"type": "LIVENESS", "config": {"liveness_type": "ZOOM", "max_retries": 3}},
        {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": "FALLBACK"}},
    ],
    "requested_tasks": [
        {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": "ALWAYS"}}
    ],
}
FRAMES = 9


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("console-review")
    with console_server(root, ENGINES, "console-review", (REVIEWER,), PASSWORD) as deployment:
        yield deployment


def _url(deployment: Deployment, path: str = "/") -> str:
    return f"http://127.0.0.1:{deployment.port}/console{path}"


def _fits(page: Page) -> None:
    """Nothing wider than the window: the page does not scroll sideways, and no table is wider
    than the box it is laid out in."""
    widths = page.evaluate(
        """() => ({
          page: document.documentElement.scrollWidth, window: window.innerWidth,
          tables: [...document.querySelectorAll('table')].map(
            (t) => [t.className, t.scrollWidth, t.parentElement.clientWidth]),
        })"""
    )
    assert widths["page"] <= widths["window"], widths
    for name, width, room in widths["tables"]:
        assert width <= room, (name, width, room)


def _breaks_between_words(page: Page) -> None:
    """Sub-check and detail names wrap only after an underscore or a comma (pages.breakable,
    case.js wrappable), never inside a word: each character's line box, by a Range over it,
    moves down only after one of those."""
    broken = page.evaluate(
        """() => {
          const bad = [];
          for (const el of document.querySelectorAll('td.sub-check code, dl.details dt')) {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            let previous = null, top = null;
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              for (let i = 0; i < node.length; i++) {
                const range = document.createRange();
                range.setStart(node, i); range.setEnd(node, i + 1);
                const rect = range.getBoundingClientRect();
                if (top !== null && rect.top > top + 2 && !',_'.includes(previous))
                  bad.push(el.textContent);
                top = rect.top; previous = node.data[i];
              }
            }
          }
          return bad;
        }"""
    )
    assert not broken, broken


def _tabs_to(page: Page, selector: str, limit: int = 60) -> int:
    """Tab presses from a freshly loaded page until ``selector`` has the focus."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
    pytest.fail(f"{selector} not reached in {limit} Tab presses")


def _shoot(page: Page, name: str) -> None:
    """With OPENIDV_WRITE_SCREENSHOTS=1, keep a picture of this step for the README."""
    if os.environ.get("OPENIDV_WRITE_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / name), full_page=True)


def _heading(page: Page, item_type: str) -> None:
    expect(page.locator("h1")).to_contain_text(item_type)
    expect(page.locator("html")).to_have_attribute("data-case-ready", "1")


def test_a_reviewer_works_sessions_with_the_keyboard(console: Deployment, browser: Browser) -> None:
    client, _ = console.client()
    sessions = []
    for _ in range(2):
        created = client.create_session(SPEC)
        capture_journey(
            console, created.session_id, created.client_session_token,
            document=specimen_document(), frames=[selfie_frame(n) for n in range(FRAMES)],
        )  # fmt: skip
        sessions.append(created.session_id)
    first, second = sessions

    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        media: list[str] = []
        page.on("request", lambda r: media.append(r.url) if "/console/media/" in r.url else None)
        page.goto(_url(console, "/login"))
        page.get_by_label("E-mail").fill(REVIEWER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        # One row per session, each listing its three items waiting for a person.
        rows = page.locator("table.queue tbody tr.session")
        for _ in range(100):
            if rows.count() == 2 and page.locator("li.item").count() == 6:
                break
            page.wait_for_timeout(300)
            page.reload()
        expect(rows).to_have_count(2)
        for session_id in sessions:
            row = page.locator(f'tr.session[data-session="{session_id}"]')
            expect(row.locator("li.item")).to_have_count(3)
            expect(row.locator("li.item .type")).to_have_text(
                ["ID_DOCUMENT_TEXT_DATA_EXTRACTION", "ID_DOCUMENT_AUTHENTICITY",
                 "ID_DOCUMENT_FACE_MATCH"]
            )  # fmt: skip
        expect(page.locator("h1")).to_contain_text("6 items in 2 sessions")
        _fits(page)
        assert_accessible(page, "the queue")

        # The data entry, opened first: the fields the machine read are filled in, each with
        # where it came from, and only the document's page is loaded.
        row = page.locator(f'tr.session[data-session="{first}"]')
        row.locator("li.item").first.get_by_role("button", name="Open").click()
        _heading(page, "ID_DOCUMENT_TEXT_DATA_EXTRACTION")
        expect(page.locator(".rest")).to_contain_text("ID_DOCUMENT_FACE_MATCH")
        for key, _, _ in ENTRY_FIELDS:
            expect(page.locator(f"#field-{key}")).to_have_value(READ[key])
        expect(page.locator("#source-family_name")).to_contain_text("the printed text agrees")
        expect(page.locator("#check-document_number")).to_have_attribute("data-digit", "6")
        prefilled = json.loads(page.locator("#fields-json").input_value())
        assert prefilled == READ  # field_sources is the machine's note, not a field
        expect(page.locator(".viewers.primary figure.viewer")).to_have_count(1)
        expect(page.locator("#more-evidence figure.viewer")).to_have_count(FRAMES)
        _fits(page)
        _shoot(page, "console-data-entry.png")
        assert_accessible(page, "the data entry")
        assert _tabs_to(page, "#record") <= 20
        # A shortcut's letter typed in a box is typing: the page stays.
        case_url = page.url
        page.locator("#field-gender").press("End")
        page.locator("#field-gender").press("n")
        expect(page.locator("#field-gender")).to_have_value("FEMALEn")
        assert page.url == case_url
        page.locator("#field-gender").fill("FEMALE")

        # The page comes at the size its frame needs; zoomed past it, the original replaces it.
        image = page.locator(".viewers.primary figure.viewer img")
        expect(image).to_have_attribute("src", re.compile(r"/console/media/[^?]+\?w=1200$"))
        for _ in range(3):
            page.locator(".viewers.primary").get_by_role("button", name="Zoom in").click()
        expect(image).to_have_attribute("src", re.compile(r"/console/media/[^?]+$"))
        expect(image).to_have_js_property("complete", True)
        page.locator(".viewers.primary").get_by_role("button", name="Fit").click()

        # A, then Enter: PROGRESS recorded, and the session's next item opens.
        page.keyboard.press("Escape")
        page.keyboard.press("a")
        expect(page.locator("#record")).to_be_focused()
        expect(page.locator("#decision-value")).to_have_value("PROGRESS")
        page.keyboard.press("Enter")
        _heading(page, "ID_DOCUMENT_AUTHENTICITY")
        expect(page.locator("h1 code")).to_have_text(first)
        # The authenticity check's seven sub-checks and their measured values, within
        # 1280 px (comma-joined field lists have no space to wrap at).
        breakdown = page.locator("table.breakdown tbody tr")
        expect(breakdown).to_have_count(len(CARD_BREAKDOWN))
        expect(breakdown.nth(1)).to_contain_text("date_of_birth,document_number,expiry_date")
        expect(page.locator(".verdict .reason")).to_have_text("INCORRECT_MRZ")
        _fits(page)
        _breaks_between_words(page)
        # Its thresholds (moire_threshold, glare_threshold...) are not a face score.
        expect(page.locator("#face-score")).to_have_count(0)
        _shoot(page, "console-authenticity.png")

        # N: left for later (released), and the face match opens.
        page.keyboard.press("n")
        _heading(page, "ID_DOCUMENT_FACE_MATCH")
        expect(page.locator("h1 code")).to_have_text(first)

        # The document portrait beside the selfie, with the score and both thresholds; the
        # burst's other frames only on demand.
        media.clear()
        page.reload()
        _heading(page, "ID_DOCUMENT_FACE_MATCH")
        portrait = page.locator('figure.viewer[data-role="portrait"]')
        selfie = page.locator('figure.viewer[data-role="selfie"]')
        expect(portrait.locator("img")).to_have_js_property("complete", True)
        expect(selfie.locator("img")).to_have_js_property("complete", True)
        left, right = portrait.bounding_box(), selfie.bounding_box()
        assert left is not None and right is not None
        assert left["x"] + left["width"] <= right["x"], (left, right)  # side by side
        assert abs(left["y"] - right["y"]) < 5, (left, right)
        assert right["x"] + right["width"] <= 1280
        expect(page.locator("#face-score .score")).to_have_text("0.42")
        expect(page.locator("#face-score")).to_contain_text("between the thresholds")
        expect(page.locator('#face-score .threshold[data-name="approve"]')).to_have_text("0.500")
        expect(page.locator('#face-score .threshold[data-name="reject"]')).to_have_text("0.363")
        # The check located the portrait: its viewer opens zoomed on it; Fit shows the page.
        zoom = float(str(portrait.get_attribute("data-zoom")))
        assert zoom > 1, zoom
        # The face's centre (105 + 110 / 2, 140 + 180 / 2 in the page) is in view.
        seen = portrait.evaluate(
            """(figure) => {
              const frame = figure.querySelector('.frame'), img = figure.querySelector('img');
              const scale = figure.querySelector('.stage').offsetWidth / img.naturalWidth;
              const [x, y] = [160 * scale - frame.scrollLeft, 230 * scale - frame.scrollTop];
              return x > 0 && y > 0 && x < frame.clientWidth && y < frame.clientHeight;
            }"""
        )
        assert seen
        expect(selfie).to_have_attribute("data-zoom", "1")
        expect(page.locator("#more-evidence")).not_to_have_attribute("open", "")
        page.wait_for_load_state("networkidle")
        assert len(media) == 2, media  # the portrait's page and the selfie frame, no more
        _fits(page)
        _shoot(page, "console-face-match.png")
        assert_accessible(page, "the face match")
        assert _tabs_to(page, "#record") <= 10
        page.locator("#more-evidence summary").click()
        expect(page.locator("#more-evidence figure.viewer img").first).to_have_js_property(
            "complete", True
        )

        # R: REJECT chosen and the reason focused; the reason, then the decision.
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("r")
        expect(page.locator("#decision-value")).to_have_value("REJECT")
        expect(page.locator("#decision-reason")).to_be_focused()
        page.locator("#decision-reason").select_option("DIFFERENT_PERSON")
        page.locator("#record").click()
        # Back to the item left for later, then on to the next session.
        _heading(page, "ID_DOCUMENT_AUTHENTICITY")
        expect(page.locator("h1 code")).to_have_text(first)
        page.keyboard.press("a")
        page.keyboard.press("Enter")
        _heading(page, "ID_DOCUMENT_TEXT_DATA_EXTRACTION")
        expect(page.locator("h1 code")).to_have_text(second)

        page.goto(_url(console, "/"))
        expect(page.locator("table.queue tbody tr.session")).to_have_count(1)
        expect(page.locator(f'tr.session[data-session="{second}"] li.item')).to_have_count(3)
    finally:
        context.close()

    # What the integrator sees: the fields as prefilled and confirmed, the two decisions.
    session = wait_state(client, first, "COMPLETED", timeout=20)
    face_match = next(c for c in session.checks if c.type == "ID_DOCUMENT_FACE_MATCH")
    assert face_match.report.recommendation.value == "REJECT"
    assert face_match.report.breakdown[-1].sub_check == "manual_face_match"
    authenticity = next(c for c in session.checks if c.type == "ID_DOCUMENT_AUTHENTICITY")
    assert authenticity.report.recommendation.value == "APPROVE"
    document = session.resources.id_documents[0]
    stored = client.get_media_content(first, document.document_fields.media.id)
    assert json.loads(stored.content) == READ
