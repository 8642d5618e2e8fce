"""The first minutes after ``openidv run`` on a fresh data directory, as a newcomer lives them:
how long until the server first answers, then the demo journey started at once (the same
stages as ``benchmarks/demo_journey.py``), and when the engines said they were warm. The
first session is the one that used to pay for loading every model.

    python benchmarks/first_session.py [--runs 2] [--wait-warm] [--review]

``--wait-warm``: start the journey only after the "engines ready" line (what the first
session costs once warming is done), instead of at the first answer. ``--review``: the
README's first screen to its end, with the server allowing liveness review
(OPENIDV_LIVENESS_MANUAL_REVIEW=true): the demo's review switch on, then ``openidv reviewer
add``, a login to the console in Debian's Chromium (Playwright), and each of the session's
items opened and approved with the keyboard (A, Enter: the next item opens) until the demo's
result is final; it prints each case's open time (the page's load event) and each decision
(Enter to the next page loaded). The synthetic liveness is a render, which the engine refuses
as an attack: without ``--review`` the journey ends "Not verified", as it should. Timings are
wall-clock on this machine: under load they say more about the machine than about openidv.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from demo_journey import RESULT_URLS, _mesh, run_once
from fresh_server import fresh_server

READY = "engines ready"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="demo journeys, one after another")
    parser.add_argument("--wait-warm", action="store_true")
    parser.add_argument("--review", action="store_true")
    args = parser.parse_args()
    mesh = _mesh()  # the benchmark's own preparation, before the clock starts
    extra = {"OPENIDV_LIVENESS_MANUAL_REVIEW": "true"} if args.review else {}
    with tempfile.TemporaryDirectory() as folder, fresh_server(Path(folder), extra) as server:
        print(f"first answer after start: {server.first_answer:6.2f} s")
        if args.wait_warm:
            while READY not in server.log.read_text():
                time.sleep(0.1)
        if args.review:
            _add_reviewer(server.env)
        for seed in range(1, args.runs + 1):
            run_once(server.origin, mesh, seed, review=args.review)
            if args.review:
                _decide_in_console(server.origin, RESULT_URLS[seed])
        warm = [line for line in server.log.read_text().splitlines() if READY in line]
        print("warming:", *(warm or ["no 'engines ready' line"]), sep="\n  ")


REVIEWER, PASSWORD = "bench@example.com", "correct horse battery"
# The case page's load event, when its first byte came (the server's part), and its slowest
# resource (an image rendition, a script) with how long that took.
_LOAD = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const slowest = performance.getEntriesByType('resource')
    .sort((a, b) => b.duration - a.duration)[0];
  return [n.loadEventStart - n.startTime, n.responseStart - n.startTime,
          slowest ? slowest.name.split('/').pop().split('?')[0] : '',
          slowest ? slowest.duration : 0];
}"""


def _add_reviewer(env: dict[str, str]) -> None:
    """README step 5: a reviewer account, once for all the journeys."""
    added = subprocess.run(
        [sys.executable, "-m", "openidv", "reviewer", "add", REVIEWER, "--role", "admin",
         "--password-stdin"],
        env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if added.returncode != 0:
        raise SystemExit(added.stderr)


def _decide_in_console(origin: str, result_url: str) -> None:
    """The console: a login, and every item of the session approved from the keyboard; then
    the demo's result once it is final."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (only with --review)

    session_id = result_url.split("/sessions/")[1].split("?", maxsplit=1)[0]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{origin}/console/login")
        page.get_by_label("E-mail").fill(REVIEWER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        opened: list[list[Any]] = []
        decisions: list[float] = []
        # The worker queues each item as its check completes, so the first pass may find only
        # some of them: go back to the queue until the session has nothing left to decide.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            page.goto(f"{origin}/console/")
            row = page.locator(f'tr.session[data-session="{session_id}"]')
            if not row.count():
                if 'http-equiv="refresh"' not in httpx.get(result_url, timeout=60).text:
                    break
                time.sleep(0.5)
                continue
            with page.expect_navigation():
                row.locator("li.item").first.get_by_role("button", name="Open").click()
            page.wait_for_load_state("load")
            opened.append(page.evaluate(_LOAD))
            while page.locator("#record").count():
                page.keyboard.press("a")
                started = time.perf_counter()
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                page.wait_for_load_state("load")
                decisions.append(time.perf_counter() - started)
                if page.locator("#record").count():
                    opened.append(page.evaluate(_LOAD))
        else:
            raise SystemExit("the session still had items to decide after 180 s")
        browser.close()
    print(
        f"  console: {len(decisions)} items decided; case open (load event) "
        + ", ".join(f"{ms:.0f}" for ms, *_ in opened) + " ms; decision (Enter to next page loaded) "
        + ", ".join(f"{s * 1000:.0f}" for s in decisions) + " ms\n"
        + "  each case's first byte, and its slowest resource: "
        + ", ".join(f"{first:.0f} ms ({name} {ms:.0f} ms)" for _, first, name, ms in opened)
    )  # fmt: skip
    t0 = time.perf_counter()
    with httpx.Client(timeout=60) as http:
        while 'http-equiv="refresh"' in (result := http.get(result_url)).text:
            if time.perf_counter() - t0 > 120:
                raise SystemExit("the demo result was not final 120 s after the last decision")
            time.sleep(0.25)
    words = result.text.split('role="status">', 1)[-1].split("<", 1)[0]
    print(f"  demo result after the decisions: {words} ({time.perf_counter() - t0:.2f} s)")


if __name__ == "__main__":
    main()
