"""How long a reviewer waits for a case to open, measured on the server.

Builds one session as a phone captures it (an ID card's two sides as large JPEGs, a liveness
attempt of 15 frames), with its face match, authenticity and text extraction left to a
person, on an in-process app (SQLite, encrypted media on disk). Then, as a logged-in reviewer
holding each item in turn, it opens the case N times: the page itself, and every image the
page asks the browser to load at once (``loading="lazy"`` images and those inside a closed
``<details>`` are fetched only when the reviewer looks, so they are not counted). Each
figure is the server's answer time over loopback (request sent to body read), median and
worst, for the page and for the page plus its eager images fetched one after another (the
first open apart: on trees before review/renditions.py's ``prepare`` it made the pages'
renditions that later opens read back; now the worker made them as it queued the item).

With ``--browser``, Debian's Chromium (Playwright) also opens each case at 1280x900 and
reports the time from navigation to the page's ``load`` event (every image it fetched at once
decoded), and the page's height; then when the HTML arrived, the DOM was ready and the first
paint came, and each image: its size on the wire, its own size against the size shown, and
when it arrived. ``--mbit 50`` puts the browser behind a 50 Mbit/s link (10 ms latency), as a
reviewer on another machine is: over loopback, bytes cost nothing and decoding is all.

Usage: ``python benchmarks/console.py [--runs N] [--browser [--mbit M]]`` from the repository
root. Run
it on another tree (``PYTHONPATH=/other/src``) to compare versions on the same machine.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import httpx  # noqa: E402
import numpy as np  # noqa: E402
from sqlalchemy import select  # noqa: E402
from tests.conftest import _serve  # noqa: E402
from tests.signing import SignedClient  # noqa: E402

from openidv.api.apps import generate_key_pair, register_app  # noqa: E402
from openidv.app import create_app  # noqa: E402
from openidv.checks.processing import TABLES, Kind, run_item  # noqa: E402
from openidv.review.accounts import add_reviewer  # noqa: E402
from openidv.settings import Settings  # noqa: E402
from openidv.store.migrate import upgrade  # noqa: E402

PASSWORD = "correct horse battery"
ENGINES = ",".join(
    [
        "ID_DOCUMENT_AUTHENTICITY=tests.engines:Undecided",
        "LIVENESS=tests.engines:Approve",
        "ID_DOCUMENT_FACE_MATCH=tests.engines:Undecided",
        "ID_DOCUMENT_TEXT_DATA_EXTRACTION=tests.engines:Approve",
    ]
)
SPEC: dict[str, Any] = {
    "requested_checks": [
        {"type": "ID_DOCUMENT_AUTHENTICITY", "config": {"manual_check": "FALLBACK"}},
        {"type": "LIVENESS", "config": {"liveness_type": "ZOOM", "max_retries": 3}},
        {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": "FALLBACK"}},
    ],
    "requested_tasks": [
        {"type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION", "config": {"manual_check": "ALWAYS"}}
    ],
}


def _jpeg(width: int, height: int, seed: int) -> bytes:
    """A photo-like JPEG (smooth gradients and noise, so it compresses as a photo does)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (height // 40, width // 40, 3), dtype=np.uint8)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    noise = rng.normal(0, 6, image.shape)
    image = np.clip(image.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def _capture(api: str, session_id: str, token: str) -> None:
    base = f"{api}/client/sessions/{session_id}"
    with httpx.Client(headers={"X-Yoti-Auth-Token": token}, timeout=60) as http:
        config = http.get(f"{base}/configuration").json()
        for requirement in config["capture"]["required_resources"]:
            body = {"requirement_id": requirement["id"]}
            extra: dict[str, str] = {}
            if requirement["type"] == "ID_DOCUMENT":
                body |= {"document_type": "NATIONAL_ID", "issuing_country": "GBR"}
                created = http.post(f"{base}/resources", json=body)
                images = [_jpeg(2400, 1520, side) for side in (1, 2)]
            elif requirement["type"] == "LIVENESS":
                created = http.post(f"{base}/liveness-attempts", json=body)
                extra = {"X-Liveness-Nonce": created.json()["challenge"]["nonce"]}
                images = [_jpeg(720, 960, 10 + n) for n in range(15)]
            else:
                continue
            assert created.status_code == 201, created.text
            url = f"{base}/resources/{created.json()['id']}/media"
            for image in images:
                put = http.put(url, content=image, headers={"Content-Type": "image/jpeg"} | extra)
                assert put.status_code == 201, put.text
        assert http.post(f"{base}/submit").status_code == 202


class _Images(HTMLParser):
    """The images a browser fetches on opening the page: not lazy, not in a closed details."""

    def __init__(self) -> None:
        super().__init__()
        self.eager: list[str] = []
        self.deferred: list[str] = []
        self._closed_details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "details":
            self._closed_details += 0 if "open" in named else 1
        elif tag == "img" and named.get("src"):
            lazy = named.get("loading") == "lazy" or self._closed_details
            (self.deferred if lazy else self.eager).append(str(named["src"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self._closed_details:
            self._closed_details -= 1


def _login(origin: str, email: str) -> httpx.Client:
    console = httpx.Client(base_url=f"{origin}/console", timeout=60)
    form = console.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    console.post("/login", data={"csrf": csrf.group(1), "email": email, "password": PASSWORD})
    return console


# From the navigation's start, in ms: the HTML's last byte, DOMContentLoaded's end, the first
# contentful paint, the load event; and each image fetched: its size on the wire, its own
# pixels against the size it is shown at (what decoding at full size costs), when it arrived.
_TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const shown = new Map([...document.images].map((i) => [i.currentSrc || i.src, i]));
  return {
    html: n.responseEnd - n.startTime,
    dom: n.domContentLoadedEventEnd - n.startTime,
    paint: paint ? paint.startTime : NaN,
    load: n.loadEventStart - n.startTime,
    images: performance.getEntriesByType('resource')
      .filter((r) => r.initiatorType === 'img')
      .map((r) => {
        const img = shown.get(r.name);
        return {
          name: r.name.split('/').pop().slice(0, 8),
          kb: r.encodedBodySize / 1024,
          end: r.responseEnd,
          natural: img ? `${img.naturalWidth}x${img.naturalHeight}` : '?',
          shown: img ? `${img.width}x${img.height}` : '?',
        };
      }),
  };
}"""


def _in_browser(
    origin: str, reviewer: httpx.Client, path: str, label: str, runs: int, mbit: float
) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (only with --browser)

    cookies = [
        {"name": name, "value": value, "url": f"{origin}/console"}
        for name, value in reviewer.cookies.items()
    ]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies(cookies)  # type: ignore[arg-type]
        page = context.new_page()
        if mbit:  # a reviewer across a network, not on the server's loopback
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": 10,
                    "downloadThroughput": mbit * 1_000_000 / 8,
                    "uploadThroughput": mbit * 1_000_000 / 8,
                },
            )
        timings: list[dict[str, Any]] = []
        height = 0
        for _ in range(runs + 1):
            page.goto(f"{origin}/console{path}", wait_until="load")
            timings.append(page.evaluate(_TIMING))
            height = page.evaluate("() => document.documentElement.scrollHeight")
        browser.close()
    timings = timings[1:]  # the first warms the browser's and the server's caches
    loads = [t["load"] for t in timings]
    print(
        f"{label:34} browser: load event {statistics.median(loads):6.0f} ms "
        f"(max {max(loads):6.0f}); page {height} px tall"
    )

    def median(name: str) -> float:
        return float(statistics.median(t[name] for t in timings))

    print(
        f"{'':34}   html {median('html'):4.0f} ms, DOM ready {median('dom'):4.0f} ms, "
        f"first paint {median('paint'):4.0f} ms"
    )
    for image in timings[-1]["images"]:
        print(
            f"{'':34}   image {image['name']}: {image['kb']:5.0f} kB, {image['natural']} "
            f"shown {image['shown']}, fetched by {image['end']:4.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--browser", action="store_true")
    parser.add_argument(
        "--mbit", type=float, default=0.0,
        help="with --browser: the browser's link to the server, Mbit/s with 10 ms latency "
        "(a reviewer across a network); 0: loopback as it is",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/openidv.db"
        settings = Settings(
            data_dir=Path(tmp), database_url=database, engines=ENGINES,
            console_secure_cookies=False, failure_limit_per_address=1_000_000,
        )  # fmt: skip
        upgrade(database)
        app = create_app(settings)
        uv, thread, port = _serve(app)
        origin = f"http://127.0.0.1:{port}"
        try:
            key, public_pem = generate_key_pair()
            with app.state.engine.begin() as conn:
                sdk_id = register_app(conn, "bench", public_pem, sandbox=False)
                add_reviewer(conn, "bench@example.com", PASSWORD, "reviewer")
            shop = SignedClient(f"{origin}{settings.api_prefix}", sdk_id, key)
            created = shop.create(SPEC).json()
            _capture(f"{origin}{settings.api_prefix}", created["session_id"],
                     created["client_session_token"])  # fmt: skip
            items: list[tuple[Kind, str, str]] = []
            with app.state.engine.connect() as conn:
                for name, table in TABLES.items():
                    kind: Kind = "check" if name == "check" else "task"
                    for row in conn.execute(
                        select(table.c.id, table.c.type).where(
                            table.c.session_id == created["session_id"]
                        )
                    ):
                        items.append((kind, row.id, row.type))
            for kind, item_id, _ in items:
                run_item(app.state.runtime.processing, kind, item_id)
            reviewer = _login(origin, "bench@example.com")
            csrf = re.search(r'name="csrf" value="([^"]+)"', reviewer.get("/").text)
            assert csrf
            print(f"one session: 2 document sides 2400x1520, 15 liveness frames 720x960; "
                  f"{args.runs} opens per item, server time over loopback")  # fmt: skip
            for kind, item_id, item_type in items:
                claimed = reviewer.post(
                    f"/items/{kind}/{item_id}/claim", data={"csrf": csrf.group(1)}
                )
                if claimed.status_code != 303:
                    continue  # not sent to review (the liveness check approves)
                pages, totals = [], []
                eager: list[str] = []
                deferred: list[str] = []
                for _ in range(args.runs + 1):  # the first warms caches: not counted
                    start = time.perf_counter()
                    page = reviewer.get(f"/items/{kind}/{item_id}")
                    assert page.status_code == 200, page.text
                    page_s = time.perf_counter() - start
                    found = _Images()
                    found.feed(page.text)
                    eager, deferred = found.eager, found.deferred
                    for src in eager:
                        image = reviewer.get(src.removeprefix("/console"))
                        assert image.status_code == 200, src
                    pages.append(page_s)
                    totals.append(time.perf_counter() - start)
                first = totals[0]  # the case's first open: renditions made then, unless prepared
                pages, totals = pages[1:], totals[1:]
                print(
                    f"{item_type:34} page {statistics.median(pages) * 1000:6.1f} ms "
                    f"(max {max(pages) * 1000:6.1f}); page + {len(eager):2} images "
                    f"{statistics.median(totals) * 1000:7.1f} ms (max {max(totals) * 1000:7.1f}; "
                    f"first open {first * 1000:7.1f}); {len(deferred)} images on demand"
                )
                if args.browser:
                    _in_browser(
                        origin, reviewer, f"/items/{kind}/{item_id}", item_type, args.runs,
                        args.mbit,
                    )  # fmt: skip
                reviewer.post(f"/items/{kind}/{item_id}/release", data={"csrf": csrf.group(1)})
            reviewer.close()
        finally:
            uv.should_exit = True
            thread.join(timeout=10)
            app.state.engine.dispose()


if __name__ == "__main__":
    main()
