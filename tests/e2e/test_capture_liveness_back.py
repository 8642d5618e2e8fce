"""Back into and out of the liveness step, in a real browser: the page's Back and the
browser's on the liveness screen return to the document without using up an attempt; a
reload resumes at the liveness screen, or after it once it passed (the server keeps the
journey); an attempt left mid-capture by a reload counts, as the server's rules say."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Deployment, Tab, start

LIVENESS_TITLE = "Check that it is really you"


def _journey(deployment: Deployment, session: Any) -> Any:
    response = httpx.get(
        f"{deployment.base}/client/sessions/{session.session_id}/journey",
        headers={"X-Yoti-Auth-Token": session.client_session_token},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _attempts(deployment: Deployment, session: Any) -> list[Any]:
    """The liveness attempts the server holds (what the integrator's SDK sees)."""
    found = deployment.client.get_session(session.session_id).resources.zoom_liveness_resources
    return list(found)


def _photograph_passport(page: Page) -> None:
    """From the choice of document (kept as chosen) to the next step."""
    page.locator('input[name="doctype"][value="PASSPORT"]').check()
    page.locator("#choose-next").click()
    page.locator("#shoot").click()
    page.locator("#accept").click()


def _on_liveness(page: Page, attempt: str) -> None:
    expect(page.locator("#capture-title")).to_have_text(LIVENESS_TITLE)
    expect(page.locator("#attempt")).to_have_text(attempt)
    expect(page.locator("#shoot")).to_be_visible()


def _to_liveness(deployment: Deployment, page: Page) -> Any:
    """A new session's page taken through the passport and consent to its first attempt."""
    session = deployment.create_session({"preset_issuing_country": "GBR"})
    page.goto(deployment.page_url(session.session_id, session.client_session_token))
    start(page)
    _photograph_passport(page)
    page.locator("#consent-agree").click()
    _on_liveness(page, "Attempt 1 of 3")
    return session


def test_back_out_of_liveness_and_resume_it_after_a_reload(
    deployment: Deployment, tab: Tab
) -> None:
    page = tab.page
    session = _to_liveness(deployment, page)

    # The page's Back: to the document (consent, given, is not asked again); no attempt used.
    expect(page.locator("#back")).to_be_visible()
    page.locator("#back").click()
    expect(page.locator("#choose h1")).to_be_visible()
    expect(page.locator('input[name="doctype"][value="PASSPORT"]')).to_be_checked()
    assert _attempts(deployment, session) == []
    _photograph_passport(page)
    _on_liveness(page, "Attempt 1 of 3")

    # The browser's Back does the same, and the page stays.
    page.go_back()
    expect(page.locator("#choose h1")).to_be_visible()
    assert "/web/index.html" in page.url
    _photograph_passport(page)
    _on_liveness(page, "Attempt 1 of 3")

    # A reload on the liveness screen resumes there: the document and consent were kept.
    page.reload()
    _on_liveness(page, "Attempt 1 of 3")
    assert _attempts(deployment, session) == []
    [document] = _journey(deployment, session)["resources"]
    assert document["pages"] == 1

    # A reload mid-capture: that attempt counts (judged on what it sent), the next one opens.
    page.locator("#shoot").click()
    expect(page.locator("#back")).to_be_hidden()  # an attempt under way cannot be taken back
    expect(page.locator("#capture-hint")).to_have_text("Move closer as the oval grows")
    page.reload()
    _on_liveness(page, "Attempt 2 of 3")
    [abandoned] = _journey(deployment, session)["liveness"]
    assert abandoned["last"]["state"] in ("CAPTURING", "PENDING", "DONE")
    assert abandoned["last"]["attempt"] == 1

    page.locator("#shoot").click()
    expect(page.get_by_role("heading", name="Ready to send")).to_be_visible(timeout=60_000)
    assert len(_attempts(deployment, session)) == 2
    assert tab.errors == []


def test_back_after_liveness_passed_skips_it_and_a_reload_resumes_after_it(
    deployment: Deployment, tab: Tab
) -> None:
    page = tab.page
    session = _to_liveness(deployment, page)
    page.locator("#shoot").click()
    ready = page.get_by_role("heading", name="Ready to send")
    expect(ready).to_be_visible(timeout=60_000)
    [passed] = _journey(deployment, session)["liveness"]
    assert (passed["last"]["state"], passed["last"]["passed"]) == ("DONE", True)

    # Back from the last step: past the liveness (passed: not taken again) to the document.
    page.locator("#back").click()
    expect(page.locator("#choose h1")).to_be_visible()
    _photograph_passport(page)
    expect(ready).to_be_visible()  # straight on: no liveness screen, no new attempt
    assert len(_attempts(deployment, session)) == 1

    # The browser's Back, then a reload: the journey resumes after the liveness again.
    page.go_back()
    expect(page.locator("#choose h1")).to_be_visible()
    page.reload()
    expect(ready).to_be_visible()
    assert len(_attempts(deployment, session)) == 1
    page.locator("#submit-send").click()
    expect(page.locator("#done h1")).to_be_visible()
    assert deployment.client.get_session(session.session_id).state in ("ONGOING", "COMPLETED")
    assert tab.errors == []
