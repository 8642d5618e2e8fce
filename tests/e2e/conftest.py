"""End-to-end fixtures: a real ``openidv run``, a real browser (Debian's Chromium with a fake
camera), the official SDK as the integrator's back end, and a second local site standing for
the integrator's front end (the success/error pages and a page that frames the capture page).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FrameLocator,
    Page,
    Playwright,
    sync_playwright,
)
from yoti_python_sdk.doc_scan import DocScanClient

from openidv.capture.demo import DEMO_SPEC
from tests.conftest import free_port
from tests.e2e.fake_camera import FakeVideo, write_fake_video
from tests.jobs.conftest import ENGINES  # trivial engines: these tests are about the journey
from tests.jobs.conftest import Deployment as Server
from tests.vision.conftest import face_images_dir  # noqa: F401 (a fixture, used below)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("OPENIDV_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",  # grant the camera without a prompt
    "--use-fake-device-for-media-stream",  # a synthetic camera: a moving test pattern
]


@dataclass
class Deployment:
    """One ``openidv run`` process on the embedded defaults, and an integrator app on it."""

    base: str  # http://127.0.0.1:port/idverify/v1
    client: DocScanClient
    log: Path

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base)
        return f"{parts.scheme}://{parts.netloc}"

    def create_session(self, sdk_config: dict[str, Any], liveness: str = "ZOOM") -> Any:
        return self.client.create_session(
            {
                "client_session_token_ttl": 600,
                "resources_ttl": 90000,
                "user_tracking_id": f"e2e-{uuid.uuid4().hex[:8]}",
                "requested_checks": [
                    {"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}},
                    {"type": "LIVENESS", "config": {"liveness_type": liveness, "max_retries": 3}},
                    {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": "NEVER"}},
                ],
                "requested_tasks": [],
                "required_documents": [{"type": "ID_DOCUMENT"}],
                "sdk_config": sdk_config,
            }
        )

    def create_demo_session(self, sdk_config: dict[str, Any] | None = None) -> Any:
        """A session with the seed's example payload (what /demo creates)."""
        spec = json.loads(json.dumps(DEMO_SPEC))
        spec["sdk_config"].update(sdk_config or {})
        return self.client.create_session(spec)

    def page_url(self, session_id: str, token: str) -> str:
        return f"{self.base}/web/index.html?" + urlencode(
            {"sessionID": session_id, "sessionToken": token}
        )


@contextmanager
def _deployed(root: Path, engines: str, *, quality: bool = False) -> Iterator[Deployment]:
    port = free_port()
    env = {
        **os.environ,
        "OPENIDV_DATA_DIR": str(root / "data"),
        "OPENIDV_ENGINES": engines,
        # The photo check at upload judges real pictures of documents: off where the journey
        # photographs Chromium's test pattern, on in `quality_deployment`.
        "OPENIDV_CAPTURE_QUALITY_CHECK": "true" if quality else "false",
        "OPENIDV_QUEUE_NAME": f"e2e-{uuid.uuid4().hex[:10]}",
    }
    for name in ("OPENIDV_DATABASE_URL", "OPENIDV_QUEUE_URL", "OPENIDV_STORAGE_URL"):
        env.pop(name, None)
    server = Server(root, env, port, None)
    try:
        server.start("run")
        key = root / "app.pem"
        created = subprocess.run(
            [sys.executable, "-m", "openidv", "apps", "create", "e2e", "--key-out", str(key)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        sdk_id = created.stdout.split()[-1]
        base = f"http://127.0.0.1:{port}/idverify/v1"
        yield Deployment(base, DocScanClient(sdk_id, str(key), api_url=base), root / "run-0.log")
    finally:
        for process in server.processes:
            server.stop(process, signal.SIGKILL)


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with _deployed(tmp_path_factory.mktemp("e2e"), ENGINES) as deployed:
        yield deployed


@pytest.fixture(scope="session")
def quality_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Trivial engines, and the photo check at upload on (as deployed by default)."""
    with _deployed(tmp_path_factory.mktemp("e2e-quality"), ENGINES, quality=True) as deployed:
        yield deployed


@pytest.fixture(scope="session")
def live_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Trivial engines except LIVENESS: the built-in liveness engine judges the attempts."""
    engines = ",".join(e for e in ENGINES.split(",") if not e.startswith("LIVENESS="))
    with _deployed(tmp_path_factory.mktemp("e2e-live"), engines) as deployed:
        yield deployed


@dataclass
class Site:
    """The integrator's front end, on another origin than openidv."""

    origin: str
    hits: list[str] = field(default_factory=list)

    @property
    def success_url(self) -> str:
        return f"{self.origin}/success"

    @property
    def error_url(self) -> str:
        return f"{self.origin}/error"

    def parent(self, src: str, init: dict[str, str] | None = None) -> str:
        """A page framing ``src`` as integrators do; it records the messages it receives and
        answers STARTED with ``init`` (an INIT_SESSION event) when given."""
        return f"{self.origin}/parent.html?" + urlencode(
            {"src": src, "init": json.dumps(init) if init else ""}
        )


_PARENT = """<!doctype html><meta charset="utf-8"><title>integrator</title>
<script>
window.received = [];
const init = %s;
addEventListener("message", (event) => {
  window.received.push(event.data);
  if (init && event.data && event.data.eventType === "STARTED") event.source.postMessage(init, "*");
});
</script>
<iframe id="idv" allow="camera" width="480" height="720" src="%s"></iframe>
"""


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    port = free_port()
    state = Site(f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            state.hits.append(self.path)
            if url.path == "/parent.html":
                init = query.get("init") or "null"
                json.loads(init)  # only JSON goes into the script
                body = _PARENT % (init.replace("<", "\\u003c"), escape(query["src"]))
            else:
                title = escape(url.path)
                body = f"<!doctype html><title>{title}</title><h1>{title}</h1>"
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One driver for every browser (the sync API cannot run two at once)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def denying_browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium that refuses the camera (no fake permission prompt: headless denies it)."""
    args = [a for a in CHROMIUM_ARGS if a != "--use-fake-ui-for-media-stream"]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def fake_video(tmp_path_factory: pytest.TempPathFactory, face_images_dir: Path) -> FakeVideo:  # noqa: F811
    path = tmp_path_factory.mktemp("camera") / "camera.y4m"
    return write_fake_video(path, (face_images_dir / "obama.jpg").read_bytes())


@pytest.fixture(scope="session")
def camera_browser(playwright: Playwright, fake_video: FakeVideo) -> Iterator[Browser]:
    """Chromium whose fake camera plays the generated video (document, then a face)."""
    args = [*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={fake_video.path}"]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    yield browser
    browser.close()


def phone_context(browser: Browser, **options: Any) -> BrowserContext:
    """Phone-sized: the journey must work at 360 px wide."""
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 780}, **options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # Phone-sized: the journey must work at 360 px wide.
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 780})
    context.set_default_timeout(15_000)
    yield context
    context.close()


def start(ui: Page | FrameLocator) -> None:
    """Past the intro screen (what you need, who asks, privacy) that opens a new journey."""
    ui.locator("#intro-start").click()


SCREENSHOTS = ROOT / "docs" / "capture"


def screenshot(page: Page, name: str) -> None:
    """With OPENIDV_WRITE_SCREENSHOTS=1, keep a picture of this step for the README."""
    if os.environ.get("OPENIDV_WRITE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@dataclass
class Tab:
    """A browser tab, with what it did: the URLs it requested and its uncaught errors."""

    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def tab(context: BrowserContext) -> Tab:
    tab = Tab(context.new_page())
    tab.page.on("request", lambda request: tab.requests.append(request.url))
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    return tab


AXE = Axe()


def assert_accessible(page: Page, where: str) -> None:
    """axe-core (WCAG 2.x A/AA and best practices) finds nothing on the screen shown."""
    results = AXE.run(page)
    if results.violations_count:
        found = [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
                "summary": v["nodes"][0].get("failureSummary", "")[:300],
            }
            for v in results.response["violations"]
        ]
        pytest.fail(f"axe on {where}: {json.dumps(found, indent=1)}")
